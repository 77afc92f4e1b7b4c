"""The demo world and engine: deterministic, faithful to the scenario, and honest about its limits."""

from __future__ import annotations

import pytest

from opsconsole.demo.alert_rules import RuleEvaluator
from opsconsole.demo.promql import engine as engine_module
from opsconsole.demo.promql.engine import Engine, PromqlError, parse
from opsconsole.demo.world import World

T0 = 1_795_000_000.0


def world(speed: float = 1.0, seed: int = 7, scenario: str = "npa-degradation") -> World:
    return World(seed, scenario, speed, T0, lambda: T0)


def _agent(text: str, w: World, at: float) -> dict[str, float]:
    result = Engine(w.series, 15.0).eval(parse(text), at)
    assert isinstance(result, list)
    return {dict(s.labels).get("agent_id", ""): s.value for s in result}  # type: ignore[union-attr]


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    q = "progressive_agent_memory_usage_bytes"
    assert _agent(q, world(), T0 + 100) == _agent(q, world(), T0 + 100)
    assert _agent(q, world(), T0 + 100) != _agent(q, world(seed=8), T0 + 100)


def test_scenario_timeline_npa3_goes_down_and_comes_back() -> None:
    w = world()
    assert _agent('up{agent_id="npa-3"}', w, T0 + 100) == {"npa-3": 1.0}
    assert _agent('up{agent_id="npa-3"}', w, T0 + 300) == {"npa-3": 0.0}
    assert _agent('up{agent_id="npa-3"}', w, T0 + 600) == {"npa-3": 1.0}
    # While down it exports nothing else.
    assert _agent('progressive_agent_queue_depth{agent_id="npa-3"}', w, T0 + 300) == {}


def test_speed_compresses_the_timeline() -> None:
    assert _agent('up{agent_id="npa-3"}', world(speed=10), T0 + 30) == {"npa-3": 0.0}


def test_npa2_error_ratio_climbs_then_recovers() -> None:
    w = world()
    ratio = (
        'sum by (agent_id) (rate(progressive_agent_requests_total{agent_id="npa-2", status="error"}[1m]))'
        ' / sum by (agent_id) (rate(progressive_agent_requests_total{agent_id="npa-2"}[1m]))'
    )
    calm, peak, after = (_agent(ratio, w, T0 + t)["npa-2"] for t in (30, 300, 900))
    assert calm < 0.02
    assert peak > 0.05
    assert after < 0.02


def test_counters_never_decrease_while_the_process_lives() -> None:
    w = world()
    text = 'progressive_agent_requests_total{agent_id="mca-1", status="success"}'
    values = [_agent(text, w, T0 + t)["mca-1"] for t in range(0, 900, 15)]
    assert values == sorted(values)


def test_long_counter_ranges_read_sparsely_give_the_dense_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 30d-window shortcut must not change the number (npa-3 restarted inside the window)."""
    at = T0 + 3 * 3600
    text = 'sum(increase(progressive_agent_requests_total{agent_type="npa"}[3h]))'
    sparse = Engine(world().series, 15.0).eval(parse(text), at)
    monkeypatch.setattr(engine_module, "SPARSE_AFTER", float("inf"))
    dense = Engine(world().series, 15.0).eval(parse(text), at)
    assert isinstance(sparse, list)
    assert isinstance(dense, list)
    assert sparse[0].value == pytest.approx(dense[0].value, rel=1e-9)
    assert sparse[0].value > 0


def test_alerts_fire_after_their_for_duration_and_resolve() -> None:
    w = world()
    rules = RuleEvaluator(w, Engine(w.series, 15.0))
    names_at = {t: {(a.rule.name, a.state) for a in rules.alerts(T0 + t)} for t in (100, 400, 1200)}
    assert ("AgentUnresponsive", "firing") not in names_at[100]
    assert ("AgentUnresponsive", "firing") in names_at[400]
    assert ("AgentUnresponsive", "firing") not in names_at[1200]
    assert ("Watchdog", "firing") in names_at[1200]


def test_unsupported_promql_says_so() -> None:
    with pytest.raises(PromqlError) as caught:
        Engine(world().series, 15.0).eval(parse("predict_linear(up[5m], 60)"), T0)
    assert "demo" in str(caught.value)
