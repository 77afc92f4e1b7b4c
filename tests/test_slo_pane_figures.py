"""The SLO pane's figures from its queries' answers, in process: the error ratio from bad, good or
ratio queries over the SLO's window and each burn window, "no bad series" with traffic as 0 bad
events, a ratio outside 0 to 1 shown at the nearer end with the sentence that says why, the
day-long window's ratio kept for a minute with its sentence, and a latency SLI that cannot be
computed said instead of figures."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import Mapping
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus_models import QueryResult, RuleGroup
from opsconsole.core.slo import BurnRule
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun, RefreshSettings
from opsconsole.refresh.service import RefreshService
from tests.support.health_results import NOW, matrix, vector

SLOS = {
    "bad": {
        "display": "Checkout",
        "objective": 0.999,
        "window": "30d",
        "ratio": {"bad": "sum(rate(bad[$window]))", "total": "sum(rate(total[$window]))"},
    },
    "good": {
        "objective": 0.99,
        "window": "7d",
        "ratio": {"good": "sum(rate(good[$window]))", "total": "sum(rate(total[$window]))"},
    },
    "ratio": {"objective": 0.99, "window": "1h", "error_ratio": "err:ratio[$window]"},
}


class FakeBatch:
    """The SLO pane's side of a query batch: values by (metric, window) from ``answers``, every
    text asked recorded; ``buckets`` answers the latency check's ``count by (le)``."""

    def __init__(
        self, answers: Mapping[tuple[str, str], float | None], buckets: tuple[str, ...] = ()
    ) -> None:
        self.answers = dict(answers)
        self.now = NOW
        self.began: float | None = None  # where the SLI's data begins (None: before the window)
        self.buckets = buckets
        self.asked: list[str] = []
        self.instants: list[str] = []
        self.probes: list[str] = []  # how far back each SLI's data goes (none here: the whole window)
        self.recorded: dict[str, str] = {}
        self.found: dict[str, QueryResult] = {}  # what discovery's instant queries find

    def instant_value(self, promql: str, at: float) -> Any:
        assert at == self.now, (promql, at)
        self.asked.append(promql)
        sloth = re.fullmatch(r'slo:sli_error:ratio_rate(\w+)\{sloth_id="(.+)"\}', promql)
        if sloth:
            value = self.answers.get((f"sloth/{sloth[2]}", sloth[1]))

            async def recorded() -> float | None:
                return value

            return recorded()
        found = re.search(r"(\w+(?::\w+)?)(?:\{[^}]*\})?\[(\w+)\]", promql)
        assert found is not None, promql
        value = self.answers.get((found[1], found[2]))

        async def answer() -> float | None:
            return value

        return answer()

    async def instant(self, promql: str, at: float) -> QueryResult:
        assert at == self.now, (promql, at)
        self.instants.append(promql)
        if promql.startswith("count by (le)"):
            return vector(*(({"le": le}, 3.0) for le in self.buckets))
        return self.found.get(promql, vector())

    async def range(
        self, promql: str, start: float, end: float, step: float, settle: float = 0.0
    ) -> QueryResult:
        self.probes.append(promql)
        if self.began is None:
            return QueryResult(result_type="matrix")
        points, t = [], start
        while t <= end:
            if t >= self.began:
                points.append((t, 1.0))
            t += step
        return matrix(({}, points)) if points else QueryResult(result_type="matrix")


def _pane(slos: Mapping[str, Any]) -> Any:
    pack = QueryPack.model_validate(
        {
            "apiVersion": "opsconsole.dev/v1",
            "kind": "QueryPack",
            "metadata": {"name": "t"},
            "variables": {"job": "api"},
            "slos": dict(slos),
        }
    )
    return RefreshService("t", pack, BackendSet(), clock=lambda: NOW).slo_pane


def _build(pane: Any, batch: FakeBatch, now: float = NOW) -> PaneOutput:
    batch.now = now
    run = PaneRun(now, RefreshSettings(), pane.queries, BackendSet(), batch)  # type: ignore[arg-type]
    return asyncio.run(pane(run))


def _every_window(
    metric: str, value: float | None, windows: tuple[str, ...]
) -> dict[tuple[str, str], float | None]:
    return {(metric, w): value for w in windows}


WINDOWS = ("30d", "7d", "1h", "5m", "30m", "2h", "6h", "1d", "3d")


def test_bad_good_and_ratio_queries_give_the_error_ratio_over_every_window() -> None:
    answers = {
        **_every_window("total", 1000.0, WINDOWS),
        **_every_window("bad", 0.5, WINDOWS),
        **_every_window("good", 980.0, WINDOWS),
        **_every_window("err:ratio", 0.002, WINDOWS),
        ("bad", "5m"): 30.0,  # a burst in the last five minutes
    }
    batch = FakeBatch(answers)
    out = _build(_pane(SLOS), batch)
    assert sorted(set(batch.probes)) == ["count(err:ratio)", "count(total)"]
    rows = {r.name: r for r in out.rows}
    assert [r.figures.data_seconds for r in out.rows] == [None, None, None]
    bad = rows["bad"].figures
    assert (rows["bad"].display, bad.sli, bad.consumed, bad.status) == (
        "Checkout",
        0.9995,
        pytest.approx(0.5),
        "ok",
    )
    assert bad.burn_rates["5m"] == pytest.approx(30.0) and bad.burn_rates["1h"] == pytest.approx(0.5)
    good = rows["good"].figures
    assert (good.sli, good.consumed) == (pytest.approx(0.98), pytest.approx(2.0))
    assert good.status == "exhausted"
    ratio = rows["ratio"].figures
    assert (ratio.sli, ratio.consumed, ratio.status) == (pytest.approx(0.998), pytest.approx(0.2), "ok")
    assert (out.queries, out.empty, out.notes) == (3, [], [])


def test_no_bad_series_with_traffic_is_no_bad_event_and_no_traffic_is_no_data() -> None:
    answers = {**_every_window("total", 1000.0, WINDOWS), ("total", "7d"): 0.0}
    out = _build(_pane({k: SLOS[k] for k in ("bad", "good")}), FakeBatch(answers))
    rows = {r.name: r for r in out.rows}
    assert (rows["bad"].figures.sli, rows["bad"].figures.consumed, rows["bad"].figures.status) == (
        1.0,
        0.0,
        "ok",
    )
    assert out.notes == []  # no bad event is a ratio of 0, not one outside 0 to 1
    # good/total with no traffic over the window is no data, said as an empty query.
    assert (rows["good"].figures.sli, rows["good"].figures.status) == (None, "no data")
    assert out.empty == ["slos.good"]


def test_a_good_query_without_series_is_no_good_event() -> None:
    answers = _every_window("total", 1000.0, WINDOWS)
    out = _build(_pane({"good": SLOS["good"]}), FakeBatch(answers))
    [row] = out.rows
    assert (row.figures.sli, row.figures.status) == (0.0, "exhausted")


@pytest.mark.parametrize(
    ("slo", "answers", "said"),
    [
        (
            "bad",
            {"total": 100.0, "bad": 120.0},
            "the error ratio is 1.2, shown as 1 (every event bad): the bad events outnumber the events",
        ),
        (
            "bad",
            {"total": 100.0, "bad": -5.0},
            "the error ratio is -0.05, shown as 0: the bad events are fewer than none",
        ),
        (
            "good",
            {"total": 100.0, "good": 130.0},
            "the error ratio is -0.3, shown as 0: the good events outnumber the events",
        ),
        (
            "good",
            {"total": 100.0, "good": -20.0},
            "the error ratio is 1.2, shown as 1 (every event bad): the good events are fewer than none",
        ),
        (
            "ratio",
            {"err:ratio": 1.5},
            "the error ratio is 1.5, shown as 1 (every event bad): its ratio query gives more than 1",
        ),
        (
            "ratio",
            {"err:ratio": -0.25},
            "the error ratio is -0.25, shown as 0: its ratio query gives less than 0",
        ),
    ],
)
def test_a_ratio_outside_0_to_1_is_shown_at_the_nearer_end_and_said(
    slo: str, answers: dict[str, float], said: str
) -> None:
    every = {(metric, w): v for metric, v in answers.items() for w in WINDOWS}
    out = _build(_pane({slo: SLOS[slo]}), FakeBatch(every))
    [row] = out.rows
    window = SLOS[slo]["window"]
    high = "(every event bad)" in said
    assert row.figures.sli == (0.0 if high else 1.0)
    assert out.notes == [f"{row.display}: over {window}, {said}; check what its queries count"]


def test_a_ratio_outside_0_to_1_in_a_burn_window_only_names_that_window() -> None:
    answers = {
        **_every_window("total", 100.0, WINDOWS),
        **_every_window("bad", 1.0, WINDOWS),
        ("bad", "30m"): 150.0,
    }
    out = _build(_pane({"bad": SLOS["bad"]}), FakeBatch(answers))
    [row] = out.rows
    assert row.figures.sli == pytest.approx(0.99)
    assert out.notes == [
        "Checkout: over 30m, the error ratio is 1.5, shown as 1 (every event bad): the bad events outnumber "
        "the events; check what its queries count"
    ]


def test_a_day_long_windows_ratio_is_kept_for_a_minute_with_its_sentence() -> None:
    pane = _pane({"bad": SLOS["bad"]})
    answers = {
        **_every_window("total", 100.0, WINDOWS),
        **_every_window("bad", 1.0, WINDOWS),
        ("bad", "30d"): 150.0,
    }
    batch = FakeBatch(answers)
    first = _build(pane, batch)
    assert "sum(rate(bad[30d]))" in batch.asked
    assert first.rows[0].figures.sli == 0.0
    said = first.notes
    assert said and said[0].startswith("Checkout: over 30d, the error ratio is 1.5")

    batch = FakeBatch({**answers, ("bad", "30d"): 2.0})
    kept = _build(pane, batch, NOW + 59)
    # Day-long windows (30d, 1d, 3d) are kept; the shorter ones are asked again.
    assert [q for q in batch.asked if "bad" in q] == [
        f"sum(rate(bad[{w}]))" for w in ("5m", "30m", "1h", "2h", "6h")
    ]
    assert kept.rows[0].figures.sli == 0.0 and kept.notes == said

    batch = FakeBatch({**answers, ("bad", "30d"): 2.0})
    later = _build(pane, batch, NOW + 60)
    assert "sum(rate(bad[30d]))" in batch.asked
    assert later.rows[0].figures.sli == pytest.approx(0.98) and later.notes == []
    # The ratio asked again is possible: kept now, it keeps no sentence of the one before.
    kept_again = _build(pane, FakeBatch({**answers, ("bad", "30d"): 2.0}), NOW + 61)
    assert kept_again.rows[0].figures.sli == pytest.approx(0.98) and kept_again.notes == []


def test_a_latency_sli_without_its_bucket_says_why_instead_of_figures() -> None:
    latency = {
        "objective": 0.99,
        "window": "1h",
        "latency": {"histogram": "h", "selector": '{job="$job"}', "threshold": 0.3},
    }
    pane = _pane({"lat": latency})
    batch = FakeBatch({}, buckets=("0.5", "0.1", "0.25", "+Inf"))
    out = _build(pane, batch)
    assert 'count by (le) (h_bucket{job="api"})' in batch.instants
    [row] = out.rows
    problem = (
        "threshold 0.3s is not a bucket boundary of h (le: 0.1, 0.25, 0.5); "
        "a share under it cannot be computed exactly"
    )
    assert (row.problem, row.figures.sli, row.figures.status, row.figures.data_seconds) == (
        problem,
        None,
        "no data",
        None,
    )
    assert (out.empty, out.notes) == ([], [f"lat: {problem}"])
    none = _build(_pane({"lat": latency}), FakeBatch({}))
    assert none.notes == ["lat: no h_bucket series match the SLO's selector"]
    fine = _build(_pane({"lat": latency}), FakeBatch({}, buckets=("0.1", "0.3", "+Inf")))
    assert (fine.rows[0].problem, fine.empty, fine.notes) == ("", ["slos.lat"], [])
    # With its bucket, the share of requests under the threshold: good under it, total all.
    answers = {**_every_window("h_bucket", 990.0, WINDOWS), **_every_window("h_count", 1000.0, WINDOWS)}
    measured = _build(_pane({"lat": latency}), FakeBatch(answers, buckets=("0.1", "0.3", "+Inf")))
    [row] = measured.rows
    assert (row.problem, row.figures.sli, row.figures.consumed) == (
        "",
        pytest.approx(0.99),
        pytest.approx(1.0),
    )


def test_a_packs_own_burn_rules_decide_the_status() -> None:
    slo = {
        **SLOS["ratio"],
        "window": "30d",
        "burn_rules": [{"long": "1h", "short": "5m", "factor": 2, "severity": "ticket"}],
    }
    answers = {
        **_every_window("err:ratio", 0.001, WINDOWS),
        ("err:ratio", "1h"): 0.03,
        ("err:ratio", "5m"): 0.05,
    }
    out = _build(_pane({"ratio": slo}), FakeBatch(answers))
    [row] = out.rows
    assert (row.source, row.figures.status, row.figures.firing_rule) == (
        "pack",
        "ticket",
        BurnRule("1h", "5m", 2.0, "ticket"),
    )
    assert row.rules == (BurnRule("1h", "5m", 2.0, "ticket"),)
    assert row.figures.consumed == pytest.approx(0.1)  # 0.001 of 0.01 over the 30 days


def test_an_slo_sloth_left_in_prometheus_gets_its_row_from_its_recorded_ratios() -> None:
    pane = _pane({"ratio": SLOS["ratio"]})
    batch = FakeBatch(
        {
            **_every_window("err:ratio", 0.001, WINDOWS),
            **_every_window("sloth/checkout", 0.0005, WINDOWS),
            ("sloth/checkout", "28d"): 0.0005,
            ("sloth/checkout", "5m"): 0.02,
        }
    )
    batch.found = {
        'slo:objective:ratio{sloth_id!=""}': vector(
            ({"sloth_id": "checkout", "sloth_service": "shop", "sloth_slo": "checkout"}, 0.999)
        ),
        'slo:time_period:days{sloth_id!=""}': vector(({"sloth_id": "checkout"}, 28.0)),
    }
    out = _build(pane, batch)
    assert [(r.name, r.display, r.source, r.window) for r in out.rows] == [
        ("ratio", "ratio", "pack", "1h"),
        ("sloth/checkout", "shop checkout", "sloth", "28d"),
    ]
    sloth = out.rows[1].figures
    assert (sloth.sli, sloth.consumed, sloth.status) == (0.9995, pytest.approx(0.5), "ok")
    assert sloth.burn_rates["5m"] == pytest.approx(20.0) and sloth.burn_rates["1h"] == pytest.approx(0.5)
    assert sloth.window_seconds == 28 * 86400
    # Looked for again every five minutes, not at every refresh: found SLOs stay until then.
    batch.found = {}
    assert [r.name for r in _build(pane, batch, NOW + 299).rows] == ["ratio", "sloth/checkout"]
    assert [r.name for r in _build(pane, batch, NOW + 300).rows] == ["ratio"]


@pytest.mark.parametrize(
    ("answers", "sli"),
    [
        ({"total": 100.0, "bad": 100.0}, 0.0),  # every event bad: 1, not outside 0 to 1
        ({"total": 0.0, "bad": 5.0}, None),  # a counter reset: no traffic, no data
        ({"bad": 5.0}, None),  # no total series at all
    ],
)
def test_a_ratio_at_the_ends_or_without_traffic_is_not_called_impossible(
    answers: dict[str, float], sli: float | None
) -> None:
    every = {(metric, w): v for metric, v in answers.items() for w in WINDOWS}
    out = _build(_pane({"bad": SLOS["bad"]}), FakeBatch(every))
    [row] = out.rows
    assert (row.figures.sli, out.notes) == (sli, [])


def test_a_ratio_query_without_an_answer_is_no_data() -> None:
    out = _build(_pane({"ratio": SLOS["ratio"]}), FakeBatch({}))
    [row] = out.rows
    assert (row.figures.sli, row.figures.status, out.empty, out.notes) == (
        None,
        "no data",
        ["slos.ratio"],
        [],
    )


def test_the_row_says_its_objective_queries_and_how_far_back_its_data_goes() -> None:
    pane = _pane({"bad": SLOS["bad"]})
    batch = FakeBatch({**_every_window("total", 1000.0, WINDOWS), **_every_window("bad", 1.0, WINDOWS)})
    batch.began = NOW - 3 * 3600  # three hours of data in a 30-day window
    [row] = _build(pane, batch).rows
    assert (row.objective, row.window) == (0.999, "30d")
    assert row.queries == (("bad [30d]", "sum(rate(bad[30d]))"), ("total [30d]", "sum(rate(total[30d]))"))
    assert row.figures.data_seconds == pytest.approx(3 * 3600, abs=60)


def test_less_than_one_event_a_second_without_bad_series_is_no_bad_event() -> None:
    answers = {**_every_window("total", 0.5, WINDOWS)}
    [row] = _build(_pane({"bad": SLOS["bad"]}), FakeBatch(answers)).rows
    assert (row.figures.sli, row.figures.status) == (1.0, "ok")


def test_where_the_data_begins_is_probed_again_every_ten_minutes() -> None:
    pane = _pane({"bad": SLOS["bad"]})
    answers = {**_every_window("total", 1000.0, WINDOWS), **_every_window("bad", 1.0, WINDOWS)}
    batch = FakeBatch(answers)
    batch.began = NOW - 3600
    [row] = _build(pane, batch).rows
    assert batch.probes and row.figures.data_seconds == pytest.approx(3600, abs=60)
    batch = FakeBatch(answers)
    batch.began = NOW - 3600
    [row] = _build(pane, batch, NOW + 599).rows
    assert batch.probes == []  # kept: the span is measured from it to now
    assert row.figures.data_seconds == pytest.approx(3600 + 599, abs=60)
    batch = FakeBatch(answers)
    batch.began = NOW + 100  # retention dropped the first hour (and some)
    [row] = _build(pane, batch, NOW + 600).rows
    assert batch.probes and row.figures.data_seconds == pytest.approx(500, abs=60)


class _StuckProbes(FakeBatch):
    """Prometheus as a refresh that fails finds it: the ratio queries naming ``failing`` are
    refused, and the data probes never answer (each one stopped is recorded)."""

    def __init__(self, answers: Mapping[tuple[str, str], float | None], failing: str) -> None:
        super().__init__(answers)
        self.failing = failing
        self.stopped: list[str] = []

    def instant_value(self, promql: str, at: float) -> Any:
        if self.failing not in promql:
            return super().instant_value(promql, at)

        async def refused() -> float | None:
            raise BackendError("prometheus", FailureKind.SERVER_ERROR, "query failed")

        return refused()

    async def range(
        self, promql: str, start: float, end: float, step: float, settle: float = 0.0
    ) -> QueryResult:
        self.probes.append(promql)
        try:
            await asyncio.Event().wait()  # never set: no answer
        except asyncio.CancelledError:
            self.stopped.append(promql)
            raise
        raise AssertionError("the probe was answered")


def test_a_refresh_that_fails_stops_its_slos_data_probes_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One SLO's query fails the refresh while every SLO's data probe is still out: the probes are
    cancelled with it (not left asking Prometheus), and nothing is logged about them."""
    pane = _pane({k: SLOS[k] for k in ("bad", "ratio")})
    batch = _StuckProbes(
        {**_every_window("total", 1000.0, WINDOWS), **_every_window("bad", 1.0, WINDOWS)}, "err:ratio"
    )

    async def refresh() -> list[str]:
        run = PaneRun(NOW, RefreshSettings(), pane.queries, BackendSet(), batch)  # type: ignore[arg-type]
        with pytest.raises(BackendError, match="query failed"):
            await pane(run)
        await asyncio.sleep(0)  # one turn of the event loop: what was cancelled has stopped
        return sorted(batch.stopped)

    with caplog.at_level(logging.WARNING, logger="asyncio"):
        stopped = asyncio.run(refresh())
        gc.collect()  # a failed task whose exception nobody read is logged when it is collected
    assert sorted(batch.probes) == stopped == ["count(err:ratio)", "count(total)"]
    assert [r.getMessage() for r in caplog.records] == []


def test_each_slos_latency_check_and_data_probe_are_asked_once_a_refresh() -> None:
    """Started before discovery, they are the row's own: the row does not ask them again."""
    latency = {
        "objective": 0.99,
        "window": "1h",
        "latency": {"histogram": "h", "selector": '{job="$job"}', "threshold": 0.3},
    }
    answers = {**_every_window("h_bucket", 990.0, WINDOWS), **_every_window("h_count", 1000.0, WINDOWS)}
    batch = FakeBatch(answers, buckets=("0.1", "0.3", "+Inf"))
    [row] = _build(_pane({"lat": latency}), batch).rows
    assert row.figures.sli == pytest.approx(0.99)
    assert [q for q in batch.instants if q.startswith("count by (le)")] == [
        'count by (le) (h_bucket{job="api"})'
    ]
    assert len(batch.probes) == 1


class _Rules:
    """Prometheus' rules API as discovery asks it: ``type`` is matched without case and filters
    to alerting or recording rules; any other type is refused (as Prometheus does)."""

    def __init__(self, *groups: RuleGroup) -> None:
        self.groups = groups

    async def rules(self, rule_type: str | None = None) -> list[RuleGroup]:
        kind = (rule_type or "").lower()
        if kind not in ("", "alert", "record"):
            raise BackendError("prometheus", FailureKind.BAD_REQUEST, f"not supported value {kind!r}")
        wanted = {"alert": "alerting", "record": "recording"}.get(kind)
        return [
            group.model_copy(update={"rules": [r for r in group.rules if wanted in (None, r.type)]})
            for group in self.groups
        ]


class _PyrraAnswers(FakeBatch):
    """Pyrra's recorded availability and burn rates: an error ratio of 0.001 over every window."""

    def instant_value(self, promql: str, at: float) -> Any:
        if "pyrra_availability" not in promql and ":burnrate" not in promql:
            return super().instant_value(promql, at)
        self.asked.append(promql)

        async def recorded() -> float | None:
            return 0.001

        return recorded()


def test_a_pyrra_slo_and_the_recording_rules_are_found_in_prometheus() -> None:
    """Discovery asks Prometheus for its recording rules: Pyrra's burn rates give its SLO's burn
    windows and rules, and a rule that records a pack query's expression is handed to the batch."""
    windows = ("5m", "30m", "1h", "2h", "6h", "1d", "4d")
    rules = [
        {"type": "recording", "name": f"http:burnrate{w}", "query": "x", "labels": {"slo": "api"}}
        for w in windows
    ]
    rules += [
        {"type": "recording", "name": "job:total:rate5m", "query": "sum(rate(total[5m]))"},
        {"type": "alerting", "name": "ApiErrorBudgetBurn", "query": "x > 1", "labels": {"slo": "api"}},
    ]
    pane = _pane({"ratio": SLOS["ratio"]})
    batch = _PyrraAnswers(_every_window("err:ratio", 0.001, WINDOWS))
    batch.found = {
        'pyrra_objective{slo!=""}': vector(({"slo": "api"}, 0.99)),
        'pyrra_window{slo!=""}': vector(({"slo": "api"}, 2419200.0)),
    }
    prometheus = _Rules(RuleGroup.model_validate({"name": "api", "rules": rules}))
    run = PaneRun(NOW, RefreshSettings(), pane.queries, BackendSet(prometheus=prometheus), batch)  # type: ignore[arg-type]
    out = asyncio.run(pane(run))
    assert [(r.name, r.source, r.window) for r in out.rows] == [
        ("ratio", "pack", "1h"),
        ("pyrra/api", "pyrra", "28d"),
    ]
    pyrra = out.rows[1]
    assert pyrra.rules == (
        BurnRule("1h", "5m", 14.0, "page"),
        BurnRule("6h", "30m", 7.0, "page"),
        BurnRule("1d", "2h", 2.0, "ticket"),
        BurnRule("4d", "6h", 1.0, "ticket"),
    )
    assert set(pyrra.figures.burn_rates) == set(windows)
    assert pyrra.figures.sli == pytest.approx(0.999)
    assert list(pane.recorded.values()) == ["job:total:rate5m"]
    assert batch.recorded is pane.recorded
