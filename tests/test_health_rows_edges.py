"""The health pane's rows at their edges: a pack without a health query, a health level alone
making a row degraded, the notes' exact words, a row known only from its health query, the worse
of two series at one point of the range, gaps and stray series in a range, a grid off the whole
second, and range answers reused from the last refresh while the rows' identities change."""

from __future__ import annotations

import math
from typing import Any

import pytest

from opsconsole.packs.schema import HealthSection
from opsconsole.refresh import health_rows as module
from opsconsole.refresh.health_rows import health_rows
from tests.support.health_results import GRID, NOW, STEP, health_pane_rows, matrix, vector

POD = {"agent_type": "npa", "kubernetes_pod_name": "npa-1", "instance": "a"}
CAME_BACK = NOW - 300  # down before, up since


def _steady(value: float) -> list[tuple[float, float]]:
    return [(t, value) for t in GRID]


def test_a_pack_without_a_health_query_shows_up_and_signals_only() -> None:
    section = HealthSection.model_validate(
        {
            "entity": {"type_label": "agent_type", "instance_label": "kubernetes_pod_name"},
            "up": "up",
            "signals": {
                "memory": {"query": "mem", "unit": "bytes", "thresholds": {"warn": 800, "crit": 1000}}
            },
        }
    )
    untyped = {"kubernetes_pod_name": "db-0"}
    turned = NOW - 60
    out = health_rows(
        section,
        {"health.up": vector((POD, 1.0), (untyped, 1.0)), "health.signals.memory": vector((POD, 900.0))},
        {
            "health.up": matrix((POD, _steady(1.0)), (untyped, _steady(1.0))),
            "health.signals.memory": matrix((POD, [(t, 100.0 if t < turned else 900.0) for t in GRID])),
        },
        GRID,
    )
    npa, db = out.rows
    assert (npa.entity_type, npa.entity, npa.state, npa.up, npa.health) == (
        "npa",
        "npa-1",
        "degraded",
        True,
        None,
    )
    memory = npa.signals["memory"]
    assert (memory.value, memory.text, memory.level, memory.query_id) == (
        900.0,
        "900 B",
        "warn",
        "health.signals.memory",
    )
    assert npa.since_exact and NOW - npa.since == pytest.approx(60, abs=STEP)
    assert (db.entity_type, db.entity, db.state) == ("", "db-0", "ok")  # no type label: no type
    assert (out.queries, out.empty, out.notes) == (2, [], [])


def test_the_health_cell_shows_its_value_unit_level_and_query() -> None:
    section = HealthSection.model_validate(
        {
            "entity": {"type_label": "agent_type", "instance_label": "kubernetes_pod_name"},
            "up": "up",
            "health": {
                "query": "health",
                "unit": "ratio",
                "thresholds": {"warn": 0.99, "direction": "below"},
            },
        }
    )
    out = health_rows(
        section, {"health.up": vector((POD, 1.0)), "health.health": vector((POD, 0.5))}, {}, GRID
    )
    [row] = out.rows
    assert row.health is not None
    assert (row.health.value, row.health.text, row.health.level, row.health.query_id) == (
        0.5,
        "50.0%",
        "warn",
        "health.health",
    )
    # No range answers at all (the range queries failed): no since, and no error.
    assert (row.state, row.since, row.since_exact) == ("degraded", None, False)


def test_since_from_up_alone_when_health_and_signals_have_no_range() -> None:
    up = [(t, 0.0 if t < CAME_BACK else 1.0) for t in GRID[:-2]]  # the last two scrapes not in yet
    instant = {
        "health.up": vector((POD, 1.0)),
        "health.health": vector((POD, 1.0)),
        "health.signals.memory": vector((POD, 100.0)),
    }
    for ranged in (
        {"health.up": matrix((POD, up))},  # health and signals not asked over the range
        {"health.up": matrix((POD, up)), "health.health": matrix(), "health.signals.memory": matrix()},
    ):
        [row] = health_pane_rows(instant, ranged).rows
        assert (row.state, row.since_exact) == ("ok", True)
        assert NOW - row.since == pytest.approx(300, abs=STEP)


def test_two_health_series_of_one_row_count_the_lower_for_since() -> None:
    turned = NOW - 90
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 0.0)),
            "health.signals.memory": vector(),
        },
        {
            "health.up": matrix((POD, _steady(1.0))),
            "health.health": matrix(
                ({**POD, "check": "db"}, [(t, 1.0 if t < turned else 0.0) for t in GRID]),
                ({**POD, "check": "disk"}, _steady(1.0)),
            ),
        },
    )
    [row] = out.rows
    assert (row.state, row.since_exact) == ("unhealthy", True)
    assert NOW - row.since == pytest.approx(90, abs=STEP)


def test_a_fresh_memory_keeps_nothing_and_a_longer_basis_starts_again() -> None:
    kept = module._Kept()
    keys = module.RowKeys(("kubernetes_pod_name",), {}, [])
    points = kept.histories_of({"health.up": (matrix((POD, [(NOW, 1.0)])), False)}, keys)
    assert points == {"health.up": {module.RowKey("npa-1", "kubernetes_pod_name"): {NOW: 1.0}}}
    since = kept.since_for(("pack", 1.0))
    assert since == {}
    since["row"] = (NOW, True)  # type: ignore[index]
    assert kept.since_for(("pack", 1.0)) == {"row": (NOW, True)}, "an equal basis keeps the answers"
    assert kept.since_for(("pack", 1.0, "more")) == {}, (
        "a longer basis, equal as far as it goes, starts again"
    )


def test_a_down_target_is_shown_not_up() -> None:
    out = health_pane_rows(
        {
            "health.up": vector((POD, 0.0)),
            "health.health": vector((POD, 1.0)),
            "health.signals.memory": vector(),
        }
    )
    [row] = out.rows
    assert (row.state, row.up) == ("down", False)


def test_a_health_value_at_its_warning_level_alone_makes_the_row_degraded() -> None:
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 0.9)),  # below 0.99: warn; above 0.5: not crit
            "health.signals.memory": vector((POD, 100.0)),
        }
    )
    [row] = out.rows
    assert row.health is not None and row.health.level == "warn"
    assert row.state == "degraded"


def test_the_namesake_note_counts_the_up_series_in_the_agents_words() -> None:
    out = health_pane_rows(
        {
            "health.up": vector(({**POD, "job": "npa"}, 1.0), ({**POD, "job": "agents"}, 1.0)),
            "health.health": vector(),
            "health.signals.memory": vector(),
        }
    )
    assert out.notes == ["2 up series are named 'npa-1': shown as separate rows, told apart by job"]


def test_a_row_known_only_from_its_health_query_takes_its_type_from_it() -> None:
    other = {"agent_type": "wpa", "kubernetes_pod_name": "wpa-1", "instance": "b"}
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0), (other, 1.0)),
            "health.health": vector((POD, 1.0), ({**other, "agent_type": "wpa"}, 1.0)),
            "health.signals.memory": vector(),
        }
    )
    assert sorted((r.entity, r.entity_type, r.state) for r in out.rows) == [
        ("npa-1", "npa", "ok"),
        ("wpa-1", "wpa", "ok"),
    ]
    # wpa-2 has a health series and no up series: its row says unknown, typed by the health series.
    lone = {"agent_type": "wpa", "kubernetes_pod_name": "wpa-2", "instance": "c"}
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector(({"kubernetes_pod_name": "npa-1", "instance": "a"}, 1.0), (lone, 0.95)),
            "health.signals.memory": vector(),
        }
    )
    assert [(r.entity, r.entity_type, r.state, r.up) for r in out.rows] == [
        ("wpa-2", "wpa", "unknown", None),
        ("npa-1", "npa", "ok", True),
    ]


def test_two_series_of_one_row_at_one_point_count_the_worse_for_since() -> None:
    """The memory of one pod from two containers: the pod was over its warning level for the last
    two minutes because one of them was, whichever is listed last."""
    turned = NOW - 120
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 1.0)),
            "health.signals.memory": vector(
                ({**POD, "container": "a"}, 900.0), ({**POD, "container": "b"}, 100.0)
            ),
        },
        {
            "health.up": matrix((POD, _steady(1.0))),
            "health.health": matrix((POD, _steady(1.0))),
            "health.signals.memory": matrix(
                ({**POD, "container": "a"}, [(t, 100.0 if t < turned else 900.0) for t in GRID]),
                ({**POD, "container": "b"}, _steady(100.0)),
            ),
        },
    )
    [row] = out.rows
    assert (row.state, row.since_exact) == ("degraded", True)
    assert NOW - row.since == pytest.approx(120, abs=STEP)


def test_a_nan_point_and_a_series_naming_no_row_do_not_hide_the_rest_of_the_range() -> None:
    up = [(t, math.nan if t == GRID[0] else 0.0 if t < CAME_BACK else 1.0) for t in GRID]
    out = health_pane_rows(
        {
            "health.up": vector((POD, 1.0)),
            "health.health": vector((POD, 1.0)),
            "health.signals.memory": vector((POD, 100.0)),
        },
        {
            # Listed first in label order ("__name__" < "agent_type"), and names no agent.
            "health.up": matrix(({"__name__": "up", "job": "x"}, _steady(1.0)), (POD, up)),
            "health.health": matrix((POD, _steady(1.0))),
            "health.signals.memory": matrix((POD, _steady(100.0))),
        },
    )
    [row] = out.rows
    assert (row.state, row.since_exact) == ("ok", True)
    assert NOW - row.since == pytest.approx(300, abs=STEP)


def test_a_grid_off_the_whole_second_still_finds_every_point() -> None:
    grid = [t + 0.25 for t in GRID]
    section = HealthSection.model_validate(
        {"entity": {"type_label": "agent_type", "instance_label": "kubernetes_pod_name"}, "up": "up"}
    )
    out = health_rows(
        section,
        {"health.up": vector((POD, 1.0))},
        {"health.up": matrix((POD, [(t, 0.0 if t < CAME_BACK else 1.0) for t in grid]))},
        grid,
    )
    [row] = out.rows
    assert (row.state, row.since_exact) == ("ok", True)
    assert NOW + 0.25 - row.since == pytest.approx(300, abs=STEP)


def test_a_reused_range_answer_is_read_again_when_the_rows_identities_change() -> None:
    """The range answers are the same objects for five refreshes in six; a namesake target that
    appears meanwhile splits one row into two, and each gets its own history from them."""
    a, b = {**POD, "job": "npa"}, {**POD, "job": "agents"}
    ranged = {
        "health.up": matrix((a, [(t, 0.0 if t < CAME_BACK else 1.0) for t in GRID]), (b, _steady(1.0))),
        "health.health": matrix((a, _steady(1.0)), (b, _steady(1.0))),
        "health.signals.memory": matrix((a, _steady(100.0)), (b, _steady(100.0))),
    }
    one = {"health.up": vector((a, 1.0)), "health.health": vector(), "health.signals.memory": vector()}
    [row] = health_pane_rows(one, ranged).rows
    assert NOW - row.since == pytest.approx(300, abs=STEP)  # the worse of the two: a's

    two = {**one, "health.up": vector((a, 1.0), (b, 1.0))}
    rows = {r.display: r for r in health_pane_rows(two, ranged).rows}
    assert set(rows) == {"npa-1 (job=npa)", "npa-1 (job=agents)"}
    assert rows["npa-1 (job=npa)"].since_exact
    assert NOW - rows["npa-1 (job=npa)"].since == pytest.approx(300, abs=STEP)
    assert (rows["npa-1 (job=agents)"].since, rows["npa-1 (job=agents)"].since_exact) == (GRID[0], False)


def test_a_reused_range_answer_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading every point of every range answer was most of what an idle refresh cost: the same
    answer objects with the same rows are read once; a new answer is read."""
    read: list[int] = []
    original = module._history

    def counted(result: Any, keys: Any, high_bad: bool) -> Any:
        read.append(len(result.matrix))
        return original(result, keys, high_bad)

    monkeypatch.setattr(module, "_history", counted)
    instant = {
        "health.up": vector((POD, 1.0)),
        "health.health": vector((POD, 1.0)),
        "health.signals.memory": vector((POD, 100.0)),
    }
    ranged = {
        "health.up": matrix((POD, _steady(1.0))),
        "health.health": matrix((POD, _steady(1.0))),
        "health.signals.memory": matrix((POD, _steady(100.0))),
    }
    health_pane_rows(instant, ranged)
    assert len(read) == 3
    health_pane_rows(dict(instant), dict(ranged))
    assert len(read) == 3, "the same answers and rows: nothing read again"
    health_pane_rows(instant, {**ranged, "health.up": matrix((POD, _steady(1.0)))})
    assert len(read) == 4, "only the new answer is read"


def test_a_target_down_in_one_of_two_up_series_nothing_tells_apart_is_shown_down() -> None:
    """Two up series of one pod that differ only by their metric name (an up query over two
    metrics) are one row: the lower up is the one shown, so a down target is never masked by
    its namesake that is up, whichever is listed first."""
    for down_first in (True, False):
        up, agent_up = ({**POD, "__name__": name} for name in ("up", "agent_up"))
        samples = ((agent_up, 0.0), (up, 1.0)) if down_first else ((agent_up, 1.0), (up, 0.0))
        out = health_pane_rows(
            {"health.up": vector(*samples), "health.health": vector(), "health.signals.memory": vector()}
        )
        [row] = out.rows
        assert (row.entity, row.state, row.up) == ("npa-1", "down", False)
        assert "health.up: 2 series share the agent 'npa-1'; the worse value is shown" in out.notes


def test_a_signal_without_thresholds_is_shown_and_never_changes_the_rows_state() -> None:
    """A figure shown for information (connections, no thresholds) is read at each point of the
    range like the others: it makes no row degraded, now or in "since"."""
    section = HealthSection.model_validate(
        {
            "entity": {"type_label": "agent_type", "instance_label": "kubernetes_pod_name"},
            "up": "up",
            "signals": {"conns": {"query": "conns"}},
        }
    )
    out = health_rows(
        section,
        {"health.up": vector((POD, 1.0)), "health.signals.conns": vector((POD, 5e6))},
        {
            "health.up": matrix((POD, [(t, 0.0 if t < CAME_BACK else 1.0) for t in GRID])),
            "health.signals.conns": matrix((POD, _steady(5e6))),
        },
        GRID,
    )
    [row] = out.rows
    assert (row.signals["conns"].text, row.signals["conns"].level) == ("5.0M", "none")
    assert (row.state, row.since_exact) == ("ok", True)
    assert NOW - row.since == pytest.approx(300, abs=STEP)
