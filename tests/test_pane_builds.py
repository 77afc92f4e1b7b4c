"""The health, RED and saturation panes built from a refresh, in process: the step and window of
their range queries (what the sparklines and "since" are read on), every group's rows and counts
added up, and a pack without the section or a context without Prometheus said as such."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.health import health_pane
from opsconsole.refresh.panes.red import red_pane
from opsconsole.refresh.panes.run import PaneRun, RefreshSettings
from opsconsole.refresh.panes.saturation import saturation_pane
from opsconsole.refresh.service import RefreshService
from tests.support.health_results import NOW, matrix, vector

POD = {"agent_type": "npa", "pod": "npa-1"}
PACK = {
    "apiVersion": "opsconsole.dev/v1",
    "kind": "QueryPack",
    "metadata": {"name": "t"},
    "health": {
        "entity": {"type_label": "agent_type", "instance_label": "pod"},
        "up": "up_agent",
        "signals": {"memory": {"query": "mem_bytes", "thresholds": {"warn": 800}}},
    },
    "red": {
        "groups": {
            "api": {
                "by": ["route"],
                "rate": "rate_req",
                "errors": "err_ratio",
                "duration": {"histogram": "lat"},
            },
            "jobs": {
                "display": "Jobs",
                "rate": "rate_jobs",
                "errors": "err_jobs",
                "duration": {"histogram": "jlat"},
            },
        }
    },
    "saturation": {"pool": {"query": "pool_usage", "unit": "ratio"}},
}


class FakeBatch:
    """Answers by the metric a query names (over a range, its level: a figure or one by time);
    records the range queries' window and step, and every text asked with its settle time."""

    def __init__(
        self, instant: dict[str, QueryResult], level: dict[str, float | Callable[[float], float]]
    ) -> None:
        self.answers, self.level = instant, level
        self.ranges: list[tuple[str, float, float, float]] = []
        self.asked: list[tuple[str, str, float | None]] = []  # (instant or range, PromQL, settle)

    async def instant(self, promql: str, at: float) -> QueryResult:
        assert at == NOW
        self.asked.append(("instant", promql, None))
        return next((r for name, r in self.answers.items() if name in promql), vector())

    async def range(
        self, promql: str, start: float, end: float, step: float, settle: float | None = None
    ) -> QueryResult:
        self.asked.append(("range", promql, settle))
        name = next((n for n in self.level if n in promql), None)
        self.ranges.append((name or promql, start, end, step))
        if name is None:
            return QueryResult(result_type="matrix")
        labels = POD if name in ("up_agent", "mem_bytes") else {"route": "/a"}
        level = self.level[name]
        points, t = [], start
        while t <= end:
            points.append((t, level(t) if callable(level) else level))
            t += step
        return matrix((labels, points))


def _run(
    pack: dict[str, Any],
    batch: FakeBatch | None,
    range_seconds: float = 900.0,
    overrides: dict[str, str] | None = None,
) -> PaneRun:
    service = RefreshService(
        "t", QueryPack.model_validate(pack), BackendSet(), clock=lambda: NOW, overrides=overrides or {}
    )
    return PaneRun(NOW, RefreshSettings(range_seconds=range_seconds), service.queries, BackendSet(), batch)  # type: ignore[arg-type]


def _build(pane: Any, run: PaneRun) -> PaneOutput:
    out: PaneOutput = asyncio.run(pane(run))
    return out


def test_the_health_pane_reads_since_on_a_grid_of_four_points_a_column() -> None:
    batch = FakeBatch(
        {"up_agent": vector((POD, 1.0)), "mem_bytes": vector((POD, 900.0))},
        {"up_agent": 1.0, "mem_bytes": 900.0},
    )
    out = _build(health_pane, _run(PACK, batch))
    # 900 s over 30 columns x 4: a 15 s step (the scrape interval), from 900 s ago to now.
    assert sorted(batch.ranges) == [("mem_bytes", NOW - 900, NOW, 15.0), ("up_agent", NOW - 900, NOW, 15.0)]
    [row] = out.rows
    assert (row.entity, row.state, row.signals["memory"].level) == ("npa-1", "degraded", "warn")
    assert (row.since, row.since_exact) == (NOW - 900, False)  # degraded over the whole range
    assert (out.queries, out.empty) == (2, [])

    batch = FakeBatch({"up_agent": vector((POD, 1.0))}, {"up_agent": 1.0})
    out = _build(health_pane, _run(PACK, batch, range_seconds=6 * 3600))
    assert {r[1:] for r in batch.ranges} == {(NOW - 6 * 3600, NOW, 180.0)}  # 21,600 s / 120
    assert out.empty == ["health.signals.memory"]


def test_the_red_pane_adds_up_every_groups_rows_counts_and_notes() -> None:
    batch = FakeBatch(
        {"rate_req": vector(({"route": "/a"}, 2.0)), "err_ratio": vector(({"route": "/a"}, 0.5))},
        {"rate_req": 2.0, "err_ratio": 0.5},
    )
    out = _build(red_pane, _run(PACK, batch))
    assert [(r.group, r.group_display, r.key) for r in out.rows] == [("api", "api", "/a")]
    [row] = out.rows
    assert row.history["rate"] == [2.0] * 30 and row.history["errors"] == [0.5] * 30
    # Rate, errors and p99 over the range, for each group, on a 30 s step (900 s over 30 points).
    assert len(batch.ranges) == 6
    assert {r[1:] for r in batch.ranges} == {(NOW - 900, NOW, 30.0)}
    assert out.queries == 10
    assert out.empty == [
        "red.api.p50",
        "red.api.p95",
        "red.api.p99",
        "red.jobs.rate",
        "red.jobs.errors",
        "red.jobs.p50",
        "red.jobs.p95",
        "red.jobs.p99",
    ]
    jobs = FakeBatch({"rate_jobs": vector(({}, 3.0))}, {})
    both = _build(red_pane, _run(PACK, jobs))
    assert [(r.group, r.group_display, r.key) for r in both.rows] == [("jobs", "Jobs", "jobs")]
    assert both.notes == []


def test_the_saturation_pane_asks_each_query_once() -> None:
    batch = FakeBatch({"pool_usage": vector(({"pool": "main"}, 0.5))}, {})
    out = _build(saturation_pane, _run(PACK, batch))
    assert [(r.name, r.series, r.value.text) for r in out.rows] == [("pool", "", "50.0%")]
    assert (out.queries, out.empty, batch.ranges) == (1, [], [])


def test_a_pack_without_the_section_has_no_rows_and_asks_nothing() -> None:
    bare = {k: v for k, v in PACK.items() if k not in ("health", "red", "saturation")}
    batch = FakeBatch({}, {})
    for pane in (health_pane, red_pane, saturation_pane):
        out = _build(pane, _run(bare, batch))
        assert (out.rows, out.queries, out.empty, out.notes) == ([], 0, [], [])
    assert batch.ranges == []


def test_without_prometheus_each_pane_says_so() -> None:
    for pane in (health_pane, red_pane, saturation_pane):
        with pytest.raises(BackendError, match=r"^no Prometheus configured for this context$") as raised:
            _build(pane, _run(PACK, None))
        assert (raised.value.backend, raised.value.kind.name) == ("prometheus", "NOT_CONFIGURED")


def test_each_pane_is_registered_with_its_backend_and_puts_its_rows_in_its_place() -> None:
    from opsconsole.core.dashboard import Dashboard
    from opsconsole.refresh.panes import pane_table

    service = RefreshService("t", QueryPack.model_validate(PACK), BackendSet(), clock=lambda: NOW)
    table = pane_table(service.slo_pane, service.alerts_pane, service.logs_pane)
    assert [(p.name, p.backend) for p in table] == [
        ("health", "prometheus"),
        ("saturation", "prometheus"),
        ("red", "prometheus"),
        ("slo", "prometheus"),
        ("alerts", "alertmanager"),
        ("logs", "loki"),
    ]
    assert [p.build for p in table[3:]] == [service.slo_pane, service.alerts_pane, service.logs_pane]
    assert [p.build for p in table[:3]] == [health_pane, saturation_pane, red_pane]
    board = Dashboard("c", "t", NOW, 900)
    for pane in table:
        pane.put(board, [f"row of {pane.name}"])
        pane.put_outside(board, None)
        assert pane.rows(board) == [f"row of {pane.name}"], pane.name
    assert (board.health, board.saturation, board.red, board.slos, board.alerts, board.logs) == tuple(
        [f"row of {name}"] for name in ("health", "saturation", "red", "slo", "alerts", "logs")
    )
    assert board.alerts_outside == []  # none given: an empty list, never None
    alerts = table[4]
    alerts.put_outside(board, ["outside"])
    assert alerts.outside(board) == ["outside"] and table[0].outside(board) is None


def test_the_health_pane_reads_since_up_to_the_last_point_of_its_range() -> None:
    """Memory went over its warning level at the last scrape but one: "since" is that scrape,
    exactly, read on the range's own grid to its end."""
    batch = FakeBatch(
        {"up_agent": vector((POD, 1.0)), "mem_bytes": vector((POD, 900.0))},
        {"up_agent": 1.0, "mem_bytes": lambda t: 900.0 if t >= NOW - 15 else 100.0},
    )
    [row] = _build(health_pane, _run(PACK, batch)).rows
    assert (row.state, row.since, row.since_exact) == ("degraded", NOW - 15, True)


def test_range_queries_take_the_ranges_rate_window_and_wait_out_their_scrape_interval() -> None:
    """Over a range, ``$rate_window`` follows the range's step (a 6 h range: 180 s for the health
    pane, 720 s for RED), not the refresh's; and a range answer is kept only once the scrape
    interval of what it reads (15 s here) has passed after its end."""
    pack = copy.deepcopy(PACK)
    pack["health"]["signals"]["memory"]["query"] = "rate(mem_bytes[$rate_window])"
    pack["red"]["groups"]["api"]["rate"] = "sum by (route) (rate(rate_req[$rate_window]))"
    for pane, metric, instant, ranged in (
        (health_pane, "mem_bytes", "rate(mem_bytes[1m])", "rate(mem_bytes[3m15s])"),
        (
            red_pane,
            "rate_req",
            "sum by (route) (rate(rate_req[1m]))",
            "sum by (route) (rate(rate_req[12m15s]))",
        ),
    ):
        batch = FakeBatch({}, {})
        _build(pane, _run(pack, batch, 6 * 3600, {"scrape_interval": "15s"}))
        assert {(kind, promql) for kind, promql, _ in batch.asked if metric in promql} == {
            ("instant", instant),
            ("range", ranged),
        }
        assert {settle for kind, _, settle in batch.asked if kind == "range"} == {15.0}, pane.__name__


def test_the_red_pane_keeps_the_notes_of_every_group() -> None:
    shared = ({"route": "/a", "pod": "1"}, 2.0), ({"route": "/a", "pod": "2"}, 1.0)
    batch = FakeBatch(
        {"rate_req": vector(*shared), "rate_jobs": vector(({"pod": "1"}, 3.0), ({"pod": "2"}, 1.0))}, {}
    )
    out = _build(red_pane, _run(PACK, batch))
    assert out.notes == [
        "red.api.rate: 2 series share the row '/a'; the worse value is shown",
        "red.jobs.rate: 2 series share the row '(no labels)'; the worse value is shown",
    ]
