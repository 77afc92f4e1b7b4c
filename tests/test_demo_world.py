"""The demo world and engine: deterministic, faithful to the scenario, and honest about its limits."""

from __future__ import annotations

import math

import pytest

from opsconsole.demo.alert_rules import RuleEvaluator
from opsconsole.demo.promql import engine as engine_module
from opsconsole.demo.promql.engine import Engine, PromqlError, parse
from opsconsole.demo.scrape import ScrapeJob, Target, relabel, sample_labels
from opsconsole.demo.seed_deployment import PF_AGENTS
from opsconsole.demo.world import World

T0 = 1_795_000_000.0


def world(speed: float = 1.0, seed: int = 7, scenario: str = "npa-degradation") -> World:
    return World(seed, scenario, speed, T0, lambda: T0)


def pod(w: World, entity_id: str) -> str:
    """The pod name of an internal id (what the console shows)."""
    return w.instance(entity_id).pod


def _by_pod(text: str, w: World, at: float) -> dict[str, float]:
    result = Engine(w.series, 15.0).eval(parse(text), at)
    assert isinstance(result, list)
    return {dict(s.labels).get("kubernetes_pod_name", ""): s.value for s in result}  # type: ignore[union-attr]


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    q = "progressive_agent_memory_usage_bytes"
    assert _by_pod(q, world(), T0 + 100) == _by_pod(q, world(), T0 + 100)
    assert list(_by_pod(q, world(), T0 + 100).values()) != list(_by_pod(q, world(seed=8), T0 + 100).values())


def test_pods_are_named_and_labelled_the_way_the_seeds_relabel_them() -> None:
    w = world()
    npa = w.instance("npa-2")
    assert npa.pod.startswith("npa-deployment-")
    labels = npa.labels()
    assert labels["job"] == "progressive-agents"
    assert labels["kubernetes_namespace"] == "progressive-framework-prod"
    assert labels["kubernetes_pod_name"] == npa.pod
    assert labels["agent_type"] == labels["app"] == "npa"
    assert labels["instance"].endswith(":8090")
    assert "namespace" not in labels and "agent_id" not in labels
    # The sample's own agent_type clashes with the target's and is kept as exported_agent_type.
    series = next(
        s
        for s in w.series()
        if s.name == "progressive_agent_memory_usage_bytes"
        and dict(s.labels)["kubernetes_pod_name"] == npa.pod
    )
    assert dict(series.labels)["exported_agent_type"] == "npa"
    assert dict(series.labels)["agent_id"] == npa.pod


def test_relabelling_keeps_drops_and_maps_like_prometheus() -> None:
    meta = {
        "__address__": "10.0.0.1:80",
        "__meta_kubernetes_pod_label_tier": "web",
        "__meta_kubernetes_pod_label_app": "x",
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
    }
    assert relabel(meta, PF_AGENTS.relabel_configs) is None  # tier must be agents
    kept = Target(
        PF_AGENTS,
        "10.0.0.1:80",
        {
            **meta,
            "__meta_kubernetes_pod_label_tier": "agents",
            "__meta_kubernetes_pod_annotation_prometheus_io_port": "8090",
        },
    ).labels()
    assert kept is not None
    assert kept["instance"] == "10.0.0.1:8090"  # the port annotation rewrote the address
    assert kept["tier"] == "agents" and kept["app"] == "x"  # labelmap
    assert not any(k.startswith("__") for k in kept)
    assert (
        relabel(
            {"a": "1"}, [{"source_labels": ["a"], "regex": "(.*)", "replacement": "", "target_label": "a"}]
        )
        == {}
    )
    assert sample_labels({"job": "j", "agent_type": "npa"}, {"agent_type": "npa", "x": ""}) == (
        ("agent_type", "npa"),
        ("exported_agent_type", "npa"),
        ("job", "j"),
    )
    assert Target(ScrapeJob("static"), "api:8000").labels() == {"job": "static", "instance": "api:8000"}


def test_scenario_timeline_npa3_goes_down_and_comes_back() -> None:
    w = world()
    npa3 = pod(w, "npa-3")
    assert _by_pod('up{job="progressive-agents"}', w, T0 + 100)[npa3] == 1.0
    assert _by_pod('up{job="progressive-agents"}', w, T0 + 300)[npa3] == 0.0
    assert _by_pod('up{job="progressive-agents"}', w, T0 + 600)[npa3] == 1.0
    # While down it exports nothing else.
    assert npa3 not in _by_pod("progressive_agent_memory_usage_bytes", w, T0 + 300)


def test_speed_compresses_the_timeline() -> None:
    w = world(speed=10)
    assert _by_pod('up{job="progressive-agents"}', w, T0 + 30)[pod(w, "npa-3")] == 0.0


def test_npa2_error_ratio_climbs_then_recovers() -> None:
    w = world()
    npa2 = pod(w, "npa-2")
    mine = f'kubernetes_pod_name="{npa2}"'
    ratio = (
        f'sum by (kubernetes_pod_name) (rate(progressive_agent_requests_total{{{mine}, status=~"5.."}}[1m]))'
        f" / sum by (kubernetes_pod_name) (rate(progressive_agent_requests_total{{{mine}}}[1m]))"
    )
    assert _by_pod(ratio, w, T0 + 30) == {}  # no 5xx series before the first 5xx
    assert _by_pod(ratio, w, T0 + 300)[npa2] > 0.1
    assert _by_pod(ratio, w, T0 + 900)[npa2] == pytest.approx(0.0, abs=1e-9)  # the series stays, at 0/s


def test_a_labelled_counter_appears_with_its_first_increment() -> None:
    """prom-client creates a labelled series on its first inc(): no 5xx series on a healthy agent."""
    w = world()
    five_xx = 'progressive_agent_requests_total{status="500"}'
    assert _by_pod(five_xx, w, T0 + 20) == {}
    during = _by_pod(five_xx, w, T0 + 300)
    assert pod(w, "npa-2") in during
    assert pod(w, "bma-1") not in during
    assert all(v >= 1.0 for v in during.values())


def test_counters_never_decrease_while_the_process_lives() -> None:
    """Buckets whose rate falls to ~0 in the incident must not step back by float noise (rate()
    would read a reset and report thousands of requests a second)."""
    w = world()
    npa2 = pod(w, "npa-2")
    for le in ("0.1", "0.5", "+Inf"):
        text = f'progressive_agent_response_time_seconds_bucket{{kubernetes_pod_name="{npa2}", le="{le}"}}'
        values = [_by_pod(text, w, T0 + t)[npa2] for t in range(0, 900, 15)]
        assert values == sorted(values), le


def test_counters_never_step_back_from_one_second_to_the_next_whatever_the_start() -> None:
    """The conformance world begins at any fraction of a second and is read every second. Where a
    bucket's increments fall below the counter's precision (npa-2's le=0.1 as its latency climbs,
    about 90 s in) rounding must not read one second an ulp below the one before: Prometheus counts
    any step back as a reset, whole count and all (a p95 of 0.095 s where npa-2 takes 9 s)."""
    for n in range(20):  # every 0.37 s of a start: three of these stepped back
        started = T0 + n * 0.37
        w = World(7, "npa-degradation", 1.0, started, lambda: T0)
        npa2 = w.instance("npa-2")
        for le in ("0.1", "0.5", "1.0"):
            values = [w.counter(npa2, f"le={le}", T0 + t) for t in range(60, 130)]
            assert values == sorted(values), (started, le)  # type: ignore[type-var]


def test_a_histogram_quantile_read_sparsely_gives_the_dense_answer_on_a_one_second_grid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The conformance test's query, where the world began 1.11 s past a second: its 30 s window
    holds the second (1795000092) where npa-2's le=0.1 bucket stepped back by one ulp. The sparse
    read only looks for resets at gaps; the samples themselves must agree with it."""
    started = T0 + 1.11
    text = (
        "histogram_quantile(0.95, sum by (le, agent_type) "
        '(rate(progressive_agent_response_time_seconds_bucket{agent_type="npa"}[30s])))'
    )
    at = T0 + 100
    w = World(7, "npa-degradation", 1.0, started, lambda: at)
    sparse = Engine(w.series, 1.0).eval(parse(text), at)
    monkeypatch.setattr(engine_module, "SPARSE_AFTER", float("inf"))
    dense = Engine(w.series, 1.0).eval(parse(text), at)
    assert isinstance(sparse, list) and isinstance(dense, list)
    assert [s.value for s in sparse] == pytest.approx([s.value for s in dense], rel=1e-9)  # type: ignore[union-attr]
    assert dense[0].value > 5.0  # type: ignore[union-attr]  # npa-2's climb, not a reset's 0.095


def test_long_counter_ranges_read_sparsely_give_the_dense_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 30d-window shortcut must not change the number (npa-3 restarted inside the window)."""
    at = T0 + 3 * 3600
    for text in (
        'sum(increase(progressive_agent_requests_total{agent_type="npa"}[3h]))',
        'sum(increase(progressive_agent_requests_total{agent_type="npa", status="500"}[3h]))',
    ):
        sparse = Engine(world().series, 15.0).eval(parse(text), at)
        monkeypatch.setattr(engine_module, "SPARSE_AFTER", float("inf"))
        dense = Engine(world().series, 15.0).eval(parse(text), at)
        monkeypatch.undo()
        assert isinstance(sparse, list)
        assert isinstance(dense, list)
        assert sparse[0].value == pytest.approx(dense[0].value, rel=1e-9)
        assert sparse[0].value > 0


def test_long_over_time_ranges_counted_by_stretches_give_the_point_by_point_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = T0 + 3 * 3600
    for fn in ("avg_over_time", "min_over_time", "count_over_time", "sum_over_time", "last_over_time"):
        text = f'{fn}(up{{job="progressive-agents", agent_type="npa"}}[3h])'
        stepwise = Engine(world().series, 15.0).eval(parse(text), at)
        monkeypatch.setattr(engine_module, "SPARSE_AFTER", float("inf"))
        pointwise = Engine(world().series, 15.0).eval(parse(text), at)
        monkeypatch.undo()
        assert isinstance(stepwise, list) and isinstance(pointwise, list)
        got = {s.labels: s.value for s in stepwise}  # type: ignore[union-attr]
        want = {s.labels: s.value for s in pointwise}  # type: ignore[union-attr]
        assert set(got) == set(want) and len(want) == 4, fn  # three in production, one in staging
        for labels, value in want.items():
            assert got[labels] == pytest.approx(value, rel=1e-12), fn
        if fn in ("avg_over_time", "min_over_time"):
            assert min(want.values()) < 1.0  # npa-3 was down: not a flat 1


def test_seed_alerts_fire_after_their_for_duration_and_resolve() -> None:
    w = world()
    rules = RuleEvaluator(w, Engine(w.series, 15.0))
    names_at = {t: {(a.rule.name, a.state) for a in rules.alerts(T0 + t)} for t in (100, 300, 1200)}
    assert ("AgentUnresponsive", "firing") not in names_at[100]
    for name in ("AgentUnresponsive", "AgentHighLatency", "AgentCoordinationFailure", "APIHighErrorRate"):
        assert (name, "firing") in names_at[300], name
    assert ("AgentUnresponsive", "firing") not in names_at[1200]
    assert ("AgentMemoryHigh", "firing") in names_at[1200]  # wpa-2's standing leak
    firing = [a for a in rules.alerts(T0 + 300) if a.state == "firing"]
    pf = [a for a in firing if a.rule.name.startswith("Agent") and a.rule.group == "context-agents"]
    assert all(a.labels["cluster"] == "progressive-framework-v5" for a in pf)  # Prometheus' external labels
    assert all("cluster" not in a.stored_labels for a in pf)
    assert all("cluster" not in a.labels for a in firing if a.rule.group == "freeagentics.rules")


def test_freeagentics_world_exports_the_runbook_names() -> None:
    w = world()
    api = _labels_of(w, 'freeagentics_requests_total{job="freeagentics-api"}', T0 + 300)
    assert {s["status"] for s in api} == {"200", "500"}
    assert {s["instance"] for s in api} == {"api:8000"}
    node = _labels_of(w, 'node_cpu_seconds_total{job="node"}', T0)
    assert {s["mode"] for s in node} == {"idle", "user", "system"}
    idle = Engine(w.series, 15.0).eval(parse('1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))'), T0)
    assert isinstance(idle, list)
    assert 0.1 < idle[0].value < 0.6  # type: ignore[union-attr]


def _labels_of(w: World, text: str, at: float) -> list[dict[str, str]]:
    result = Engine(w.series, 15.0).eval(parse(text), at)
    assert isinstance(result, list)
    return [dict(s.labels) for s in result]  # type: ignore[union-attr]


def test_unsupported_promql_says_so() -> None:
    with pytest.raises(PromqlError) as caught:
        Engine(world().series, 15.0).eval(parse("predict_linear(up[5m], 60)"), T0)
    assert "demo" in str(caught.value)


def test_histograms_stay_monotone_across_buckets() -> None:
    w = world()
    for at in (T0 + 100, T0 + 300):
        buckets = _labels_of(w, "progressive_agent_response_time_seconds_bucket", at)
        assert buckets
    values = Engine(w.series, 15.0).eval(
        parse('sum by (le) (rate(progressive_agent_response_time_seconds_bucket{agent_type="npa"}[1m]))'),
        T0 + 300,
    )
    assert isinstance(values, list)
    ordered = sorted(
        ((math.inf if dict(s.labels)["le"] == "+Inf" else float(dict(s.labels)["le"])), s.value)
        for s in values
    )  # type: ignore[union-attr]
    rates = [v for _, v in ordered]
    assert rates == sorted(rates)
