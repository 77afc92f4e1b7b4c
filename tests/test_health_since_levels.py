"""The health pane's "since" from the levels of every series at every point of the range (the
timeline is worked out from levels alone, without building the cells the pane shows)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.health_results import GRID, NOW, STEP, health_pane_rows, matrix, vector

POD = {"agent_type": "npa", "kubernetes_pod_name": "npa-1", "instance": "a"}


@pytest.mark.parametrize(("memory_then", "state"), [(900.0, "degraded"), (1200.0, "degraded")])
def test_a_signal_over_its_threshold_starts_the_degraded_state(memory_then: float, state: str) -> None:
    turned = NOW - 60
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 1.0)),
            "health.signals.memory": vector((POD, memory_then)),
        },
        {
            "health.up": matrix((POD, [(t, 1.0) for t in GRID])),
            "health.health": matrix((POD, [(t, 1.0) for t in GRID])),
            "health.signals.memory": matrix((POD, [(t, 100.0 if t < turned else memory_then) for t in GRID])),
        },
    )
    [row] = out.rows
    assert row.state == state
    assert row.since_exact
    assert NOW - row.since == pytest.approx(60, abs=STEP)


def test_a_point_where_the_target_was_down_ends_the_ok_state() -> None:
    came_back = NOW - 300
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 1.0)),
            "health.signals.memory": vector((POD, 100.0)),
        },
        {
            "health.up": matrix((POD, [(t, 0.0 if t < came_back else 1.0) for t in GRID])),
            "health.health": matrix((POD, [(t, 1.0) for t in GRID])),
            "health.signals.memory": matrix((POD, [(t, 100.0) for t in GRID])),
        },
    )
    [row] = out.rows
    assert row.state == "ok"
    assert row.since_exact
    assert NOW - row.since == pytest.approx(300, abs=STEP)


def test_a_state_held_over_the_whole_range_is_not_exact() -> None:
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 1.0)),
            "health.signals.memory": vector((POD, 100.0)),
        },
        {
            "health.up": matrix((POD, [(t, 1.0) for t in GRID])),
            "health.health": matrix((POD, [(t, 1.0) for t in GRID])),
            "health.signals.memory": matrix((POD, [(t, 100.0) for t in GRID])),
        },
    )
    [row] = out.rows
    assert (row.state, row.since, row.since_exact) == ("ok", GRID[0], False)


def test_answers_reused_from_the_last_refresh_give_the_same_since_without_working_it_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A range answer is reused as the same object while its window has not moved (five
    refreshes in six): the points and each row's "since" are what they were, and are not worked
    out again. A new answer, or a row in another state, is worked out."""
    from opsconsole.refresh import health_rows as module

    worked: list[str] = []
    original = module.began_newest_first

    def counted(newest_first: Any, current: str) -> Any:
        worked.append(current)
        return original(newest_first, current)

    monkeypatch.setattr(module, "began_newest_first", counted)
    monkeypatch.setattr(module, "_KEPT", module._Kept())  # what an earlier test left is not reused
    instant = {
        "health.up": vector((POD, 1.0)),
        "health.health": vector((POD, 1.0)),
        "health.signals.memory": vector((POD, 100.0)),
    }
    came_back = NOW - 300
    ranged = {
        "health.up": matrix((POD, [(t, 0.0 if t < came_back else 1.0) for t in GRID])),
        "health.health": matrix((POD, [(t, 1.0) for t in GRID])),
        "health.signals.memory": matrix((POD, [(t, 100.0) for t in GRID])),
    }
    [first] = health_pane_rows(instant, ranged).rows
    assert worked == ["ok"]
    [again] = health_pane_rows(dict(instant), dict(ranged)).rows  # the same answer objects
    assert worked == ["ok"], "the same answers: nothing worked out again"
    assert (again.state, again.since, again.since_exact) == (first.state, first.since, first.since_exact)
    assert NOW - again.since == pytest.approx(300, abs=STEP)

    down = {**instant, "health.up": vector((POD, 0.0))}  # the row is in another state now
    [now_down] = health_pane_rows(down, ranged).rows
    assert worked == ["ok", "down"] and now_down.state == "down"

    moved = {**ranged, "health.up": matrix((POD, [(t, 0.0 if t < NOW - 120 else 1.0) for t in GRID]))}
    [later] = health_pane_rows(instant, moved).rows  # a new answer: worked out from its points
    assert worked == ["ok", "down", "ok"]
    assert NOW - later.since == pytest.approx(120, abs=STEP)
