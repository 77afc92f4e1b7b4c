"""Nothing a pane shows is silently merged, masked, emptied or filtered: row identity and namesakes,
"since" over every state, 0% for traffic without an error series, empty-query notices, SLO data
coverage, the budget chart's grid, and the alerts the pack's matchers leave out."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.dashboard import Dashboard, PaneStatus
from opsconsole.packs.schema import QueryPack, RedGroup
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.red_rows import red_group_rows
from opsconsole.refresh.service import RefreshService
from tests.support.health_results import GRID, NOW, STEP, health_pane_rows, matrix, vector


def test_targets_without_a_pod_name_are_named_by_instance_and_namesakes_are_never_merged() -> None:
    npa = {"agent_type": "npa", "kubernetes_pod_name": "npa-1"}
    out = health_pane_rows(
        {
            "health.up": vector(
                ({**npa, "job": "npa", "instance": "10.0.0.1:8090"}, 0.0),  # down
                ({**npa, "job": "progressive-agents", "instance": "10.0.0.1:8090"}, 1.0),  # same pod, 2nd job
                ({"agent_type": "wpa", "job": "wpa", "instance": "10.0.0.2:8090"}, 1.0),
                ({"job": "postgres", "instance": "postgres-exporter:9187"}, 1.0),
            ),
            "health.health": vector(),
            "health.signals.memory": vector(
                ({**npa, "job": "npa", "instance": "10.0.0.1:8090"}, 900.0),
                ({**npa, "instance": "10.0.0.1:8090"}, 1.0),  # no job: cannot tell which row
            ),
        }
    )
    rows = {r.display: r for r in out.rows}
    assert set(rows) == {
        "npa-1 (job=npa)",
        "npa-1 (job=progressive-agents)",
        "10.0.0.2:8090",
        "postgres-exporter:9187",
    }
    assert rows["npa-1 (job=npa)"].state == "down"  # the down namesake is not masked by the up one
    assert rows["npa-1 (job=progressive-agents)"].state == "ok"
    assert rows["10.0.0.2:8090"].entity_label == "instance"
    assert rows["postgres-exporter:9187"].entity_type == "postgres"  # falls back to job
    assert len({r.row_id for r in out.rows}) == 4
    assert any("told apart by job" in n for n in out.notes)
    assert any("health.signals.memory: 1 series name no" in n for n in out.notes)
    assert out.empty == ["health.health"]


def test_two_samples_on_one_row_show_the_worse_and_say_so() -> None:
    pod = {"agent_type": "npa", "kubernetes_pod_name": "npa-1", "instance": "a"}
    out = health_pane_rows(
        {
            "health.up": vector((pod, 1.0)),
            "health.health": vector(({**pod, "version": "5.0.0"}, 1.0), ({**pod, "version": "5.0.1"}, 0.0)),
            "health.signals.memory": vector((pod, 100.0)),
        }
    )
    [row] = out.rows
    assert row.health is not None and row.health.value == 0.0  # the unhealthy one, not the last one
    assert row.state == "unhealthy"
    assert any("health.health: 2 series share the agent 'npa-1'" in n for n in out.notes)


def test_since_counts_every_state_the_row_shows_not_only_up_and_down() -> None:
    pod = {"agent_type": "npa", "kubernetes_pod_name": "npa-1", "instance": "a"}
    turned = NOW - 90  # unhealthy for the last 90 s, up all along
    up_points = [(t, 1.0) for t in GRID]
    health_points = [(t, 1.0 if t < turned else 0.0) for t in GRID]
    out = health_pane_rows(
        {
            "health.up": vector((pod, 1.0)),
            "health.health": vector((pod, 0.0)),
            "health.signals.memory": vector((pod, 100.0)),
        },
        {
            "health.up": matrix((pod, up_points)),
            "health.health": matrix((pod, health_points)),
            "health.signals.memory": matrix((pod, [(t, 100.0) for t in GRID])),
        },
    )
    [row] = out.rows
    assert row.state == "unhealthy"
    assert row.since_exact
    assert NOW - row.since == pytest.approx(90, abs=STEP)  # not ">15m"


def _red(rate: QueryResult, errors: QueryResult) -> Any:
    group = RedGroup.model_validate(
        {
            "by": ["route"],
            "rate": "r",
            "errors": {"query": "e", "unit": "ratio", "thresholds": {"warn": 0.01, "crit": 0.05}},
            "duration": {"histogram": "h"},
        }
    )
    empty = vector()
    instant = {"rate": rate, "errors": errors, "p50": empty, "p95": empty, "p99": empty}
    return red_group_rows(
        "api", group, instant, {p: matrix() for p in ("rate", "errors", "p99")}, (NOW - 900, NOW, 30)
    )


def test_traffic_without_an_error_series_is_zero_errors_and_no_traffic_is_no_data() -> None:
    out = _red(vector(({"route": "/a"}, 4.0), ({"route": "/idle"}, 0.0)), vector())
    rows = {r.key: r for r in out.rows}
    assert (
        rows["/a"].errors.value == 0.0 and rows["/a"].errors.text == "0%" and rows["/a"].errors.level == "ok"
    )
    assert rows["/idle"].errors.value is None and rows["/idle"].errors.text == "—"  # 0/0 stays no data
    assert "red.api.errors" not in out.empty  # the healthy "no 5xx yet" is not an empty query
    silent = _red(vector(), vector())
    assert silent.empty[:2] == ["red.api.rate", "red.api.errors"]


def test_red_rows_with_the_same_shown_key_keep_distinct_ids() -> None:
    group = RedGroup.model_validate(
        {"by": ["method", "route"], "rate": "r", "errors": "e", "duration": {"histogram": "h"}}
    )
    empty = vector()
    rate = vector(({"method": "GET /a", "route": "b"}, 1.0), ({"method": "GET", "route": "/a b"}, 2.0))
    instant = {"rate": rate, "errors": empty, "p50": empty, "p95": empty, "p99": empty}
    out = red_group_rows("api", group, instant, {}, (NOW - 900, NOW, 30))
    assert [r.key for r in out.rows] == ["GET /a b", "GET /a b"]
    assert len({r.row_id for r in out.rows}) == 2


def test_a_pane_whose_queries_all_return_nothing_says_so() -> None:
    assert PaneStatus(queries=7, empty=tuple(f"q{i}" for i in range(7))).emptiness() == (
        "0 of 7 queries returned data: run `opsconsole packs doctor`"
    )
    partial = PaneStatus(queries=5, empty=("health.signals.restarts",))
    assert partial.emptiness() == "1 of 5 queries empty (restarts)"
    assert not partial.all_empty and PaneStatus().emptiness() == ""


def test_the_alerts_title_never_says_zero_firing_while_alerts_fire_outside() -> None:
    from opsconsole.core.dashboard import AlertGroupView, AlertView

    def alert(name: str, state: str = "firing") -> AlertView:
        return AlertView(name, name, "critical", state, NOW, "", {"alertname": name}, {})  # type: ignore[arg-type]

    board = Dashboard("c", "p", NOW, 900)
    board.alerts_outside = [
        AlertGroupView((("alertname", "X"),), (alert("X"), alert("Y"), alert("Z", "silenced")))
    ]
    assert board.alerts_title() == "0 firing, 2 outside this pack, `A` to show all"
    board.alerts = [AlertGroupView((("alertname", "A"),), (alert("A"),))]
    assert board.alerts_title(showing_all=True).startswith("3 firing, all alerts")


class _FakePrometheus:
    """Answers range queries the way Prometheus does through the client: at start, start+step, …
    with start and end rounded to whole seconds (prometheus-api-client rounds them)."""

    def __init__(self, begins: float) -> None:
        self.begins = begins
        self.asked: list[tuple[str, float, float, float]] = []

    async def query_range(self, promql: str, start: float, end: float, step: float) -> QueryResult:
        self.asked.append((promql, start, end, step))
        start, end = round(start), round(end)
        points = []
        t = float(start)
        while t <= end:
            if t >= self.begins:
                points.append((t, 1.0))
            t += step
        return matrix(({}, points)) if points else QueryResult(result_type="matrix")

    async def query(self, promql: str, at: float | None = None) -> QueryResult:
        return vector(({}, 0.01)) if "error" in promql or "5.." in promql else vector(({}, 1.0))


PACK = QueryPack.model_validate(
    {
        "apiVersion": "opsconsole.dev/v1",
        "kind": "QueryPack",
        "metadata": {"name": "t"},
        "slos": {
            "avail": {
                "objective": 0.999,
                "window": "30d",
                "ratio": {"bad": 'sum(rate(x{code=~"5.."}[$window]))', "total": "sum(rate(x[$window]))"},
            }
        },
    }
)


@pytest.mark.parametrize("minutes", [3, 9, 22, 600])
def test_slo_data_coverage_is_measured_to_the_minute(minutes: int) -> None:
    """With 3 to 9 minutes of history a 30d SLO read "(1m data)" (−0.36 s); with 22, 18.75."""
    from opsconsole.refresh.query_batch import QueryBatch

    fake = _FakePrometheus(NOW - minutes * 60)
    service = RefreshService("t", PACK, BackendSet(), clock=lambda: NOW)
    seconds = asyncio.run(
        service.slo_pane.data_seconds(QueryBatch(fake), service.slo_pane.pack_plans[0], NOW)
    )  # type: ignore[arg-type]
    assert seconds is not None
    assert seconds == pytest.approx(minutes * 60, abs=60)
    # And it keeps growing with the clock while the start is cached.
    later = asyncio.run(
        service.slo_pane.data_seconds(QueryBatch(fake), service.slo_pane.pack_plans[0], NOW + 120)
    )  # type: ignore[arg-type]
    assert later == pytest.approx(seconds + 120, abs=1)


def test_the_budget_chart_finds_every_point_the_server_returns() -> None:
    """The client rounds start/end to whole seconds: points asked at fractional times were never
    found, so the chart said "no data" in every live session."""
    fake = _FakePrometheus(NOW - 40 * 86400)
    now = NOW + 0.637  # a live clock is never on a whole second
    service = RefreshService("t", PACK, BackendSet(prometheus=fake), clock=lambda: now)  # type: ignore[arg-type]
    history = asyncio.run(service.slo_history("avail"))
    assert history.error == ""
    assert history.times and all(t == math.floor(t) for t in history.times)
    assert all(v is not None for v in history.remaining)


def test_saturation_series_the_legend_cannot_tell_apart_are_named_by_every_label() -> None:
    from opsconsole.backends.prometheus_models import InstantSample, QueryResult
    from opsconsole.packs.schema import Query
    from opsconsole.refresh.saturation_rows import saturation_rows

    spec = Query(query="pool_usage", legend=["instance"])
    result = QueryResult(
        result_type="vector",
        vector=[
            InstantSample(metric={"instance": "db:9187", "pool": "main"}, value=(0.0, "0.5")),
            InstantSample(metric={"instance": "db:9187", "pool": "replica"}, value=(0.0, "0.9")),
        ],
    )
    out = saturation_rows({"pool": spec}, {"saturation.pool": result})
    assert sorted(r.series for r in out.rows) == [
        "instance=db:9187, pool=main",
        "instance=db:9187, pool=replica",
    ]
    assert len({r.row_id for r in out.rows}) == 2


def test_a_pane_keeps_both_rows_when_their_keys_clean_to_the_same_text() -> None:
    from rich.text import Text

    from opsconsole.ui.pane_table import NoticeRowKey, RowTarget, unique_keys

    rows: list[tuple[str, RowTarget, list[Text]]] = [
        ("h:npa", NoticeRowKey("1"), [Text("a")]),
        ("h:npa", NoticeRowKey("2"), [Text("b")]),
    ]
    kept = unique_keys(rows)
    assert [ref for _, ref, _ in kept] == [NoticeRowKey("1"), NoticeRowKey("2")]
    assert len({key for key, _, _ in kept}) == 2


def test_a_red_group_split_by_a_label_no_series_carries_says_its_one_row_is_everything() -> None:
    # `sum by (route) (…)` over series without `route`: Prometheus sums them all into one series.
    out = _red(vector(({}, 40.0)), vector(({}, 0.4)))
    [row] = out.rows
    assert row.key == "api" and row.rate.value == 40.0
    assert out.notes == [
        "red.api.rate: no series carries `route` (the group's by), so every series is in one row: "
        "run `opsconsole packs doctor`"
    ]
    # One series carrying the label is enough for rows to be told apart: no note.
    partly = _red(vector(({"route": "/a"}, 4.0), ({}, 1.0)), vector())
    assert {r.key for r in partly.rows} == {"/a", "api"}
    assert all("no series carries" not in n for n in partly.notes)
    # No traffic at all is an empty query, said as one, not this.
    assert all("no series carries" not in n for n in _red(vector(), vector()).notes)
