"""The health pane's "since" from the levels of every series at every point of the range (the
timeline is worked out from levels alone, without building the cells the pane shows)."""

from __future__ import annotations

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
