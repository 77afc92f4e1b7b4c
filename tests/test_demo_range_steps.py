"""The demo engine keeps a range query's steps: asked again, the answer is what a fresh engine gives.

A chart's window moves on by one step between refreshes, and the next test's console asks the
same windows again; the kept steps make that one evaluation instead of a window's worth, and must
never change an answer (another query at the same instant, other series) or outlive the series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from opsconsole.demo.promql import engine as engine_module
from opsconsole.demo.promql.engine import Engine
from opsconsole.demo.world import World

T0 = 1_700_000_000.0
STEP = 30.0
QUERIES = (
    'sum by (agent_type) (rate(progressive_agent_requests_total{status=~"5.."}[5m]))',
    "sum by (agent_type) (rate(progressive_agent_requests_total[5m]))",
    'avg by (agent_type) (up{job="progressive-agents"})',
)


def _world() -> World:
    return World(seed=7, started_at=T0, clock=lambda: T0 + 1800)


def _counted(engine: Engine) -> list[float]:
    """The instants the engine evaluates a whole query at (its range steps), recorded."""
    evaluated: list[float] = []
    whole = engine.eval

    def eval_(node: object, t: float) -> object:
        if type(node).__name__ in ("AggregateExpr",):
            evaluated.append(t)
        return whole(node, t)

    engine.eval = eval_  # type: ignore[method-assign,assignment]
    return evaluated


def test_a_window_moved_by_one_step_evaluates_one_step_and_answers_as_a_fresh_engine() -> None:
    world = _world()
    kept = Engine(world.series, 15.0)
    evaluated = _counted(kept)
    first = {q: kept.range(q, T0 + 600, T0 + 1200, STEP) for q in QUERIES}
    assert len(evaluated) == len(QUERIES) * 21
    evaluated.clear()
    moved = {q: kept.range(q, T0 + 600 + STEP, T0 + 1200 + STEP, STEP) for q in QUERIES}
    assert evaluated == [T0 + 1200 + STEP] * len(QUERIES)  # only the new step, for each query
    fresh = Engine(_world().series, 15.0)
    for query in QUERIES:
        assert moved[query] == fresh.range(query, T0 + 600 + STEP, T0 + 1200 + STEP, STEP), query
        assert first[query] == fresh.range(query, T0 + 600, T0 + 1200, STEP), query
        assert moved[query], query
    # Three queries at the same instants, three answers: a step is kept per query.
    assert len({repr(answer) for answer in moved.values()}) == len(QUERIES)


@dataclass(frozen=True)
class _Flat:
    """A series with one value at every instant."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: Callable[[float], float | None]

    def gaps(self, start: float, end: float) -> list[tuple[float, float]] | None:
        return []


def test_the_steps_kept_are_forgotten_when_the_series_change() -> None:
    series = [_Flat("x", (("pod", "a"),), lambda t: 1.0)]
    engine = Engine(lambda: series, 15.0)
    assert [p for s in engine.range("sum(x)", T0, T0 + 60, STEP) for _, p in s.points] == [1.0] * 3
    series = [_Flat("x", (("pod", "a"),), lambda t: 2.0)]  # another list: other values
    assert [p for s in engine.range("sum(x)", T0, T0 + 60, STEP) for _, p in s.points] == [2.0] * 3
    series.append(_Flat("x", (("pod", "b"),), lambda t: 5.0))  # the same list, grown
    assert [p for s in engine.range("sum(x)", T0, T0 + 60, STEP) for _, p in s.points] == [7.0] * 3


def test_the_steps_asked_least_recently_go_first_beyond_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "STEPS_KEPT", 4)
    series = [_Flat("x", (), lambda t: 1.0)]
    engine = Engine(lambda: series, 15.0)
    evaluated = _counted(engine)
    engine.range("sum(x)", T0, T0 + 90, STEP)  # four steps: all kept
    engine.range("sum(x)", T0, T0, STEP)  # the first asked again: now the last to go
    engine.range("sum(x)", T0 + 120, T0 + 120, STEP)  # a fifth: the second goes
    evaluated.clear()
    engine.range("sum(x)", T0, T0, STEP)
    engine.range("sum(x)", T0 + 60, T0 + 120, STEP)
    assert evaluated == []
    engine.range("sum(x)", T0 + 30, T0 + 30, STEP)
    assert evaluated == [T0 + 30]
