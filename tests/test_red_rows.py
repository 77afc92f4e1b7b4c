"""The RED pane's rows from a group's answers: each figure with its unit, level and query, the
latency thresholds where the pack puts them, the worse of two series and the note saying so, the
sparklines on the query's grid (gaps kept as gaps) and the error history's 0% where there was
traffic and no error series."""

from __future__ import annotations

import math
from typing import Any

from opsconsole.packs.schema import RedGroup
from opsconsole.refresh.red_rows import HISTORY_POINTS, on_grid, red_group_rows
from tests.support.health_results import NOW, matrix, vector

STEP = 30.0
START = NOW - 900.0  # 31 points of the grid: the last 30 are shown
SLOTS = [START + i * STEP for i in range(31)]
EMPTY = vector()


def _group(**extra: Any) -> RedGroup:
    return RedGroup.model_validate(
        {
            "by": ["route"],
            "rate": {"query": "r", "unit": "req/s"},
            "errors": {"query": "e", "unit": "ratio", "thresholds": {"warn": 0.01, "crit": 0.05}},
            "duration": {"histogram": "h", "thresholds": {"warn": 0.2, "crit": 1.0}},
            **extra,
        }
    )


def _rows(group: RedGroup, ranged: dict[str, Any] | None = None, **instant: Any) -> Any:
    answers = {part: instant.get(part, EMPTY) for part in ("rate", "errors", "p50", "p95", "p99")}
    return red_group_rows("api", group, answers, ranged or {}, (START, NOW, STEP))


def _cell(row: Any, part: str) -> tuple[float | None, str, str, str]:
    c = getattr(row, part)
    return (c.value, c.text, c.level, c.query_id)


def test_the_sparkline_is_the_last_points_of_the_grid_with_gaps_kept() -> None:
    points = [(t, float(i)) for i, t in enumerate(SLOTS) if i != 5]  # one scrape missing
    points[6] = (points[6][0], math.nan)  # the point of slot 7 is NaN
    line = on_grid(points, START, NOW, STEP)
    assert len(line) == HISTORY_POINTS == 30
    assert line[:8] == [1.0, 2.0, 3.0, 4.0, None, 6.0, None, 8.0]
    assert line[-1] == 30.0
    assert line == [None if i in (5, 7) else float(i) for i in range(1, 31)]


def test_a_short_range_is_every_point_of_its_grid() -> None:
    line = on_grid([(START, 1.0), (START + 60, 3.0)], START, START + 90, STEP)
    assert line == [1.0, None, 3.0, None]


def test_each_figure_has_its_unit_level_and_query_and_only_p99_has_the_latency_thresholds() -> None:
    group = _group(duration={"histogram": "h", "unit": "s", "thresholds": {"warn": 0.2, "crit": 1.0}})
    out = _rows(
        group,
        rate=vector(({"route": "/a"}, 4.0)),
        errors=vector(({"route": "/a"}, 0.03)),
        p50=vector(({"route": "/a"}, 2.5)),
        p95=vector(({"route": "/a"}, 2.5)),
        p99=vector(({"route": "/a"}, 0.25)),
    )
    [row] = out.rows
    assert _cell(row, "rate") == (4.0, "4/s", "none", "red.api.rate")
    assert _cell(row, "errors") == (0.03, "3.00%", "warn", "red.api.errors")
    assert _cell(row, "p50") == (2.5, "2.50s", "none", "red.api.p50")
    assert _cell(row, "p95") == (2.5, "2.50s", "none", "red.api.p95")
    assert _cell(row, "p99") == (0.25, "250ms", "warn", "red.api.p99")
    assert (row.group, row.group_display, row.key, row.labels) == ("api", "api", "/a", {"route": "/a"})
    assert (out.queries, out.empty, out.notes) == (5, [], [])


def test_explicit_quantile_queries_carry_their_own_unit_and_thresholds() -> None:
    group = _group(
        display="Core API",
        duration={
            "p50": {"query": "q50", "unit": "ms", "thresholds": {"warn": 100}},
            "p95": {"query": "q95"},  # no unit: seconds
        },
    )
    out = _rows(
        group,
        rate=vector(({"route": "/a"}, 1.0)),
        p50=vector(({"route": "/a"}, 120.0)),
        p95=vector(({"route": "/a"}, 2.5)),
        p99=vector(({"route": "/a"}, 2.5)),  # no p99 query in the pack: seconds, no thresholds
    )
    [row] = out.rows
    assert row.group_display == "Core API"
    assert _cell(row, "p50") == (120.0, "120 ms", "warn", "red.api.p50")
    assert _cell(row, "p95") == (2.5, "2.50s", "none", "red.api.p95")
    assert _cell(row, "p99") == (2.5, "2.50s", "none", "red.api.p99")


def test_two_series_on_one_row_show_the_worse_for_each_direction_and_say_so() -> None:
    group = _group(rate={"query": "r", "unit": "req/s", "thresholds": {"warn": 1, "direction": "below"}})
    out = _rows(
        group,
        rate=vector(({"route": "/a", "pod": "1"}, 4.0), ({"route": "/a", "pod": "2"}, 0.5)),
        errors=vector(({"route": "/a", "pod": "1"}, 0.2), ({"route": "/a", "pod": "2"}, 0.0)),
    )
    [row] = out.rows
    assert _cell(row, "rate") == (0.5, "0.5/s", "warn", "red.api.rate")  # low traffic is the worse
    assert _cell(row, "errors") == (0.2, "20.0%", "crit", "red.api.errors")
    assert out.notes == [
        "red.api.rate: 2 series share the row '/a'; the worse value is shown",
        "red.api.errors: 2 series share the row '/a'; the worse value is shown",
    ]


def test_the_note_of_a_group_split_by_labels_no_series_carries_names_each_label() -> None:
    group = _group(by=["method", "route"])
    out = _rows(group, rate=vector(({}, 3.0)))
    assert out.notes == [
        "red.api.rate: no series carries `method`, `route` (the group's by), so every series is in one "
        "row: run `opsconsole packs doctor`"
    ]


def test_any_traffic_without_an_error_series_is_zero_errors() -> None:
    out = _rows(_group(), rate=vector(({"route": "/slow"}, 0.5)))
    [row] = out.rows
    assert _cell(row, "errors") == (0.0, "0%", "ok", "red.api.errors")


def test_the_error_history_is_zero_where_there_was_traffic_and_no_error_series() -> None:
    rates = [(t, [math.nan, 0.0, 0.5, 2.0][i % 4]) for i, t in enumerate(SLOTS)]
    errors_b = [(t, 0.25) for i, t in enumerate(SLOTS) if i % 4 == 3]  # errors only at the busiest points
    ranged = {
        "rate": matrix(({"route": "/a"}, rates), ({"route": "/b"}, rates)),
        "errors": matrix(({"route": "/b"}, errors_b)),
        "p99": matrix(({"route": "/b"}, [(t, 0.1) for t in SLOTS])),
    }
    out = _rows(
        _group(),
        ranged,
        rate=vector(({"route": "/a"}, 2.0), ({"route": "/b"}, 2.0)),
        errors=vector(({"route": "/b"}, 0.25)),
    )
    a, b = out.rows
    expected_rate = [[None, 0.0, 0.5, 2.0][i % 4] for i in range(1, 31)]
    assert a.history["rate"] == b.history["rate"] == expected_rate
    # No traffic (NaN: no data, or 0 req/s) stays no data; traffic without an error series is 0%.
    assert a.history["errors"] == [None if r is None or r == 0 else 0.0 for r in expected_rate]
    assert b.history["errors"] == [
        0.25 if r == 2.0 else None if r is None or r == 0 else 0.0 for r in expected_rate
    ]
    assert a.history["p99"] == [] and b.history["p99"] == [0.1] * 30
    assert set(a.history) == {"rate", "errors", "p99"}


def test_without_an_error_range_the_rows_have_no_error_history() -> None:
    ranged = {"rate": matrix(({"route": "/a"}, [(t, 1.0) for t in SLOTS]))}
    out = _rows(_group(), ranged, rate=vector(({"route": "/a"}, 1.0)))
    [row] = out.rows
    assert row.history == {"rate": [1.0] * 30}


def test_a_rate_answer_of_nan_alone_is_no_traffic_not_one_row_for_everything() -> None:
    out = _rows(_group(), rate=vector(({}, math.nan)))
    assert (out.rows, out.notes) == ([], [])
    assert out.empty[:2] == ["red.api.rate", "red.api.errors"]
