"""Run the active pack's queries for every pane, concurrently, and build the :class:`Dashboard`.

Each pane fails on its own: a pane whose backend errors keeps its last good rows and shows the error
with the age of the data, while the other panes keep updating.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from opsconsole.backends.alertmanager_models import Alert, Silence
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger_models import Trace, TraceSearchPage
from opsconsole.backends.loki_models import LogEntry
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.alert_grouping import alerts_per_entity, group_alerts
from opsconsole.core.alert_history import AlertHistory, alert_history
from opsconsole.core.alert_matchers import LabelMatcher, parse_matchers
from opsconsole.core.dashboard import (
    PANES,
    AlertView,
    BackendStatus,
    BudgetHistory,
    Dashboard,
    Detail,
    LogRow,
    PaneStatus,
    SilenceView,
    SloRow,
)
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.promql_text import vector_selectors
from opsconsole.core.query_step import align, choose_step
from opsconsole.core.row_keys import first_label
from opsconsole.core.silence_draft import parse_ack
from opsconsole.core.slo import budget_burndown, data_start, error_ratio, evaluate
from opsconsole.packs.exported_labels import matched_labels, notice, probe_queries
from opsconsole.packs.links import pack_links
from opsconsole.packs.rate_window import (
    RateWindow,
    ScrapeIntervals,
    assumed,
    choose_window,
    fixed_window,
    overridden,
    ranged_metrics,
)
from opsconsole.packs.render import missing_variables, pack_queries, pack_values
from opsconsole.packs.schema import HistogramDuration, LatencySli, QueryPack
from opsconsole.packs.variables import expand, format_duration, parse_duration, variables_in
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.health_rows import health_queries, health_rows
from opsconsole.refresh.log_tail import LogTail, TailRequest, entry_row
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.pivots import entity_logql, entity_service
from opsconsole.refresh.query_batch import QueryBatch, recorded_expressions
from opsconsole.refresh.red_rows import HISTORY_POINTS, red_group_rows
from opsconsole.refresh.red_rows import PARTS as RED_PARTS
from opsconsole.refresh.saturation_rows import saturation_rows
from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache
from opsconsole.refresh.slo_plans import SloPlan, pack_plans, pyrra_plans, sloth_plans

SLOW_WINDOW = 86400.0  # SLO windows this long or longer are re-queried at most every TTL seconds
SLOW_WINDOW_TTL = 60.0
COVERAGE_TTL = 600.0  # where an SLI's data begins moves only with retention
COVERAGE_STEPS = 48
COVERAGE_RESOLUTION = 60.0  # seconds: "(3m data)" is exact enough, and a 30d window takes 3 passes
DISCOVERY_TTL = 300.0  # Sloth/Pyrra SLOs and recording rules change with deployments, not refreshes
LOG_BACKLOG = 200
LOG_KEEP = 2000
NS = 1_000_000_000

Samples = dict[tuple[tuple[str, str], ...], float]


def _vector(result: QueryResult, keys: Sequence[str]) -> Samples:
    """Instant vector as ``{(label values of keys): value}`` (NaN dropped: it is no data)."""
    out: Samples = {}
    for sample in result.vector:
        if sample.value is None or math.isnan(sample.value):
            continue
        out[tuple((k, sample.metric.get(k, "")) for k in keys)] = sample.value
    if result.scalar is not None and not keys:
        out[()] = result.scalar[1]
    return out


def _scalar(result: QueryResult) -> float | None:
    values = _vector(result, ())
    return next(iter(values.values()), None) if values else None


def _points(result: QueryResult, times: Sequence[float]) -> list[float | None]:
    """The first series of a range result at ``times`` (None where it has no point)."""
    series = result.matrix[0].values if result.matrix else []
    by_time = {round(t, 3): v for t, v in series if v is not None and v == v}
    return [by_time.get(round(t, 3)) for t in times]


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, BackendError):
        return f"{exc.backend}: {exc.message}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


@dataclass
class RefreshStats:
    """Requests asked by panes vs. sent after de-duplication, for the last refresh."""

    asked: int = 0
    sent: int = 0
    duration: float = 0.0
    reused: int = 0  # queries answered by an existing recording rule


@dataclass
class RefreshService:
    """Owns the clients of one context and the last good dashboard."""

    context_name: str
    pack: QueryPack
    backends: BackendSet
    overrides: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    range_seconds: float = 900.0
    group_by: Sequence[str] | None = None
    stats: RefreshStats = field(default_factory=RefreshStats)
    poll_logs: bool = True  # the console tails Loki itself (LogTail); snapshots poll
    refresh_interval: float = 5.0  # instant queries' rate windows cover one refresh plus a scrape
    scrape_intervals: ScrapeIntervalCache = field(default_factory=ScrapeIntervalCache)

    def __post_init__(self) -> None:
        self._queries = {q.id: q for q in pack_queries(self.pack)}
        self._values = pack_values(self.pack, self.overrides)
        self._last: Dashboard | None = None
        self._logs: deque[LogRow] = deque(maxlen=LOG_KEEP)
        self._log_seen: set[tuple[Any, ...]] = set()
        self._log_warnings: list[str] = []  # Loki's, on this refresh's log queries
        self._log_cursor_ns: int | None = None
        self._backend_ok: dict[str, float] = {}
        self._silences: list[SilenceView] = []
        self._slow_ratios: dict[tuple[str, str], tuple[float, float | None]] = {}
        self._coverage: dict[str, tuple[float, float | None]] = {}
        self._pack_plans = pack_plans(self.pack, self._values)
        self._found_plans: list[SloPlan] = []
        self._discovered_at = -math.inf
        self._recorded: dict[str, str] = {}
        self._backend_err: dict[str, str] = {}
        self._intervals: ScrapeIntervals | None = None
        self._windows: dict[tuple[str, float], RateWindow] = {}
        self._metric_jobs: dict[str, set[str]] = {}
        self._metric_jobs_at = -math.inf
        # A required variable nobody set: no query is sent, every pane says what to set.
        self.missing = missing_variables(self.pack, self._values)
        self._renamed: list[str] = []
        self._renamed_checked = -math.inf

    # -- queries ------------------------------------------------------------------------------

    def text(self, query_id: str, step: float | None = None, **extra: str) -> str:
        """The expanded text of one pack query (``extra`` supplies run-time variables).

        ``$rate_window`` follows the scrape interval of what the query reads and ``step``: the
        range query's step, or the refresh interval for an instant query (see
        :mod:`opsconsole.packs.rate_window`)."""
        window = self.rate_window(query_id, step, **extra)
        return expand(self._queries[query_id].source, {**self._values, **_window_values(window), **extra})

    def rate_window(self, query_id: str, step: float | None = None, **extra: str) -> RateWindow:
        """The ``$rate_window`` of one query at ``step`` (the refresh interval when None)."""
        step = self.refresh_interval if step is None else step
        key = (query_id, step)
        cached = self._windows.get(key)
        if cached is not None and not extra:
            return cached
        if "rate_window" in self.overrides:
            window = fixed_window(self.overrides["rate_window"])
        else:
            intervals = self._scrape_intervals()
            placeholder = {"rate_window": "1m", "scrape_interval": "1m"}
            probe = expand(self._queries[query_id].source, {**self._values, **placeholder, **extra})
            window = choose_window(probe, intervals, step, self._metric_jobs)
        if not extra:
            self._windows[key] = window
        return window

    def _scrape_intervals(self) -> ScrapeIntervals:
        if "scrape_interval" in self.overrides:
            return overridden(parse_duration(self.overrides["scrape_interval"]))
        if self._intervals is None:
            # Not asked yet (no Prometheus, or before the first refresh): Prometheus' default.
            return assumed("not asked yet")
        return self._intervals

    async def _check_renamed_labels(self, now: float) -> None:
        """Every few minutes: do the pack's metrics carry ``exported_namespace`` (or job, pod...)
        instead of the labels its selectors filter on? (a scrape job without honor_labels)"""
        prom = self.backends.prometheus
        if prom is None or now - self._renamed_checked < DISCOVERY_TTL:
            return
        self._renamed_checked = now
        probes = probe_queries(matched_labels(self.query_texts().values()))
        answers = await asyncio.gather(*(prom.query(q, now) for q in probes.values()), return_exceptions=True)
        found = []
        for label, answer in zip(probes, answers, strict=True):
            if isinstance(answer, QueryResult) and answer.vector:
                found.append(notice(label, {s.metric.get("__name__", "") for s in answer.vector}))
        self._renamed = found

    async def _update_intervals(self, now: float) -> None:
        """Ask the server for its scrape intervals (cached for minutes) before queries are built."""
        prom = self.backends.prometheus
        if prom is None or {"rate_window", "scrape_interval"} & set(self.overrides):
            return
        intervals = await self.scrape_intervals.get(prom, now)
        if intervals != self._intervals:
            self._intervals = intervals
            self._windows.clear()
        if now - self._metric_jobs_at >= DISCOVERY_TTL and len(set(intervals.jobs.values())) > 1:
            # Jobs scraped at different paces: which jobs serve each metric read over a range, so
            # a query that names no job gets its own jobs' interval rather than the slowest's.
            self._metric_jobs_at = now
            metrics: set[str] = set()
            for query in self._queries.values():
                if query.language == "promql" and not query.runtime_variables:
                    metrics |= ranged_metrics(
                        expand(query.source, {**self._values, "rate_window": "1m", "scrape_interval": "1m"})
                    )
            if metrics:
                names = "|".join(re.escape(m) for m in sorted(metrics))
                try:
                    found = await prom.query(f'count by (__name__, job) ({{__name__=~"{names}"}})', now)
                except BackendError:
                    return
                jobs: dict[str, set[str]] = {}
                for sample in found.vector:
                    jobs.setdefault(sample.metric.get("__name__", ""), set()).add(
                        sample.metric.get("job", "")
                    )
                if jobs != self._metric_jobs:
                    self._metric_jobs = jobs
                    self._windows.clear()

    def links(
        self, labels: Mapping[str, str], *, entity: str | None = None, entity_type: str | None = None
    ) -> list[tuple[str, str]]:
        """The pack's runbook and dashboard links for an alert's labels or an entity."""
        return pack_links(self.pack, self._values, labels, entity=entity, entity_type=entity_type)

    def query_texts(self) -> dict[str, str]:
        """Every query id with its text as the console runs it (for the detail and help views)."""
        out = {}
        for qid, query in self._queries.items():
            extra = {"window": "30d"} if "window" in query.runtime_variables else {}
            if query.runtime_variables - {"window"}:
                continue
            out[qid] = self.text(qid, None, **extra)
        return out

    # -- panes --------------------------------------------------------------------------------

    async def _health(self, batch: QueryBatch, now: float) -> PaneOutput:
        health = self.pack.health
        if health is None:
            return PaneOutput([])
        step = choose_step(now - self.range_seconds, now, HISTORY_POINTS * 4)
        start, end = align(now - self.range_seconds, now, step)
        specs = health_queries(health)
        instant_q = {qid: batch.instant(self.text(qid), now) for qid in specs}
        ranged_q = {qid: batch.range(self.text(qid, step), start, end, step) for qid in specs}
        instant = {qid: await q for qid, q in instant_q.items()}
        ranged = {qid: await q for qid, q in ranged_q.items()}
        grid = [start + i * step for i in range(int((end - start) // step) + 1)]
        return health_rows(health, instant, ranged, grid)

    async def _saturation(self, batch: QueryBatch, now: float) -> PaneOutput:
        specs = self.pack.saturation
        instant_q = {f"saturation.{n}": batch.instant(self.text(f"saturation.{n}"), now) for n in specs}
        return saturation_rows(specs, {qid: await q for qid, q in instant_q.items()})

    async def _red(self, batch: QueryBatch, now: float) -> PaneOutput:
        if self.pack.red is None:
            return PaneOutput([])
        step = choose_step(now - self.range_seconds, now, HISTORY_POINTS)
        start, end = align(now - self.range_seconds, now, step)
        out = PaneOutput([])
        for name, group in self.pack.red.groups.items():
            ids = {part: f"red.{name}.{part}" for part in RED_PARTS}
            instant_q = {part: batch.instant(self.text(ids[part]), now) for part in RED_PARTS}
            ranged_q = {
                part: batch.range(self.text(ids[part], step), start, end, step)
                for part in ("rate", "errors", "p99")
            }
            instant = {part: await q for part, q in instant_q.items()}
            ranged = {part: await q for part, q in ranged_q.items()}
            part_out = red_group_rows(name, group, instant, ranged, (start, end, step))
            out.rows += part_out.rows
            out.queries += part_out.queries
            out.empty += part_out.empty
            out.notes += part_out.notes
        return out

    async def _slos(self, batch: QueryBatch, now: float) -> PaneOutput:
        await self._discover_slos(batch, now)
        plans = [*self._pack_plans, *self._found_plans]
        rows = list(await asyncio.gather(*(self._slo_row(batch, plan, now) for plan in plans)))
        empty = [f"slos.{r.name}" for r in rows if r.figures.sli is None and not r.problem]
        notes = [f"{r.display}: {r.problem}" for r in rows if r.problem]
        return PaneOutput(rows, queries=len(rows), empty=empty, notes=notes)

    async def _slo_row(self, batch: QueryBatch, plan: SloPlan, now: float) -> SloRow:
        problem = await self._latency_problem(batch, plan.latency, now) if plan.latency else ""
        window_seconds = parse_duration(plan.window)
        windows = list(plan.burn_windows)
        window_ratio: float | None = None
        ratios: list[float | None] = [None] * len(windows)
        data_seconds: float | None = None
        if not problem:
            window_ratio, data_seconds, *ratios = await asyncio.gather(
                self._window_ratio(batch, plan, plan.window, now),
                self._data_seconds(batch, plan, now),
                *(self._window_ratio(batch, plan, w, now) for w in windows),
            )
        figures = evaluate(
            plan.objective,
            window_seconds,
            window_ratio,
            dict(zip(windows, ratios, strict=True)),
            plan.rules,
            data_seconds=data_seconds,
        )
        return SloRow(
            name=plan.name,
            display=plan.display,
            objective=plan.objective,
            window=plan.window,
            figures=figures,
            queries=tuple(
                (f"{part} [{plan.window}]", text) for part, text in plan.texts(plan.window).items()
            ),
            problem=problem,
            source=plan.source,
            rules=plan.rules,
        )

    async def _window_ratio(self, batch: QueryBatch, plan: SloPlan, window: str, now: float) -> float | None:
        """Error ratio over ``window``; day-long and longer windows barely move between refreshes
        but are the costliest queries (a 30d rate over every series): asked at most once a minute."""
        key = (plan.name, window)
        cached = self._slow_ratios.get(key)
        slow = parse_duration(window) >= SLOW_WINDOW
        if slow and cached is not None and now - cached[0] < SLOW_WINDOW_TTL:
            return cached[1]
        texts = plan.texts(window)
        values = {part: _scalar(await batch.instant(text, now)) for part, text in texts.items()}
        value: float | None
        total = values.get("total")
        # A part with no series while there is traffic counted nothing: a 5xx counter appears with
        # the first 5xx, so "no bad series" is 0 bad events, not "no data" (no traffic stays that).
        for part in ("bad", "good"):
            if part in values and values[part] is None and total is not None and total > 0:
                values[part] = 0.0
        if "error_ratio" in values:
            value = error_ratio(values["error_ratio"], 1.0)
        elif "bad" in values:
            value = error_ratio(values["bad"], total)
        else:
            good = values.get("good")
            value = None if good is None or total is None else error_ratio(total - good, total)
        if slow:
            self._slow_ratios[key] = (now, value)
        return value

    async def _data_seconds(self, batch: QueryBatch, plan: SloPlan, now: float) -> float | None:
        """How far back the SLI's series go within the window (None: as far as the window).

        Cheap range queries of ``count(selector)``, 48 steps each: over the window to find the step
        where data begins, then inside that step, again and again until a step is a minute or
        less. Where the data begins moves only with retention, so that instant is kept for a few
        minutes; the span is measured from it to now at every refresh (young data keeps growing).
        """
        cached = self._coverage.get(plan.name)
        if cached is None or now - cached[0] >= COVERAGE_TTL:
            cached = (now, await self._data_began(batch, plan, now))
            self._coverage[plan.name] = cached
        began = cached[1]
        return None if began is None else max(now - began, 0.0)

    async def _data_began(self, batch: QueryBatch, plan: SloPlan, now: float) -> float | None:
        """When the SLI's data begins within the window; None when it spans the window, when there
        is none (that is the "no data" status) or when the SLO has no selector to probe."""
        texts = plan.texts(plan.window)
        source = texts.get("total") or texts.get("error_ratio") or ""
        selectors = vector_selectors(source)
        if not selectors:
            return None
        probe = f"count({selectors[0]})"

        async def present(start: float, end: float) -> tuple[list[float], float]:
            step = float(max(math.ceil((end - start) / COVERAGE_STEPS), 1))
            result = await batch.range(probe, start, end, step)
            return [t for series in result.matrix for t, v in series.values if v == v], step

        start = now - parse_duration(plan.window)
        times, step = await present(start, now)
        found = data_start(times, start, step)
        if found is None or found[0] == found[1]:
            return None
        while step > COVERAGE_RESOLUTION:
            finer, step = await present(found[0], found[1])
            narrowed = data_start(finer, found[0], step)
            if narrowed is None:
                break
            found = narrowed
            if found[0] == found[1]:
                break
        return found[1]

    async def _discover_slos(self, batch: QueryBatch, now: float) -> None:
        """Sloth and Pyrra SLOs in Prometheus, and recording rules a pack query can reuse;
        looked for every few minutes, and a failure keeps what was found before."""
        if now - self._discovered_at < DISCOVERY_TTL:
            return
        self._discovered_at = now
        prom = self.backends.prometheus
        try:
            groups = await prom.rules("record") if prom else []
            sloth_obj, sloth_days, pyrra_obj, pyrra_win = await asyncio.gather(
                batch.instant('slo:objective:ratio{sloth_id!=""}', now),
                batch.instant('slo:time_period:days{sloth_id!=""}', now),
                batch.instant('pyrra_objective{slo!=""}', now),
                batch.instant('pyrra_window{slo!=""}', now),
            )
        except BackendError:
            return
        self._found_plans = [*sloth_plans(sloth_obj, sloth_days), *pyrra_plans(pyrra_obj, pyrra_win, groups)]
        batch.recorded = self._recorded = recorded_expressions(groups)

    async def _latency_problem(self, batch: QueryBatch, sli: LatencySli, now: float) -> str:
        """Why a latency SLI cannot be computed ("" when it can): the threshold must be a bucket."""
        selector = expand(sli.selector, self._values).strip().strip("{}")
        query = f"count by (le) ({sli.histogram}_bucket{{{selector}}})"
        result = await batch.instant(query, now)
        bounds = sorted(
            {float(s.metric["le"]) for s in result.vector if s.metric.get("le") not in (None, "+Inf")}
        )
        if not result.vector:
            return f"no {sli.histogram}_bucket series match the SLO's selector"
        if not any(abs(b - sli.threshold) < 1e-12 for b in bounds):
            shown = ", ".join(f"{b:g}" for b in bounds)
            return (
                f"threshold {sli.threshold:g}s is not a bucket boundary of {sli.histogram} "
                f"(le: {shown}); a share under it cannot be computed exactly"
            )
        return ""

    async def _alerts(self, now: float) -> PaneOutput:
        """The pack's alerts, and those its matchers leave out (counted, shown on `A`).

        Every alert is fetched and the pack's matchers applied here, so what they leave out is
        known without a second request.
        """
        if not self.backends.alertmanagers:
            return PaneOutput([], extra=[])
        matchers = [
            m for text in self.pack.alerts.matchers for m in parse_matchers(expand(text, self._values))
        ]
        peers = self.backends.alertmanagers
        answers = await asyncio.gather(*(am.alerts() for am in peers), return_exceptions=True)
        silence_answers = await asyncio.gather(*(am.silences() for am in peers), return_exceptions=True)
        silences: dict[str, Silence] = {}
        silence_source: dict[str, str] = {}
        for am, found in zip(peers, silence_answers, strict=True):
            if not isinstance(found, BaseException):
                for silence in found:
                    silences.setdefault(silence.id, silence)
                    silence_source.setdefault(silence.id, am.name)
        # Peers of one HA cluster report the same alerts: keep one per (cluster, fingerprint). Peers
        # without a cluster name are taken to be one cluster, the usual way HA peers are listed.
        raw: dict[tuple[str, str], tuple[Alert, str]] = {}
        clusters = {am.endpoint.cluster or "" for am in peers}
        failures = []
        for am, answer in zip(peers, answers, strict=True):
            if isinstance(answer, BaseException):
                failures.append(answer)
                self._mark(f"alertmanager {am.name}", None, answer)
                continue
            self._mark(f"alertmanager {am.name}", now, None)
            for alert in answer:
                raw.setdefault((am.endpoint.cluster or "", alert.fingerprint), (alert, am.name))
        if failures and len(failures) == len(answers):
            raise failures[0]
        views = {sid: _silence_view(s, silence_source[sid], raw.values()) for sid, s in silences.items()}
        self._silences = sorted(views.values(), key=_silence_order)
        group_by = list(self.group_by or self.pack.alerts.group_by)
        mine: list[AlertView] = []
        others: list[AlertView] = []
        for (cluster, _), (alert, source) in raw.items():
            view = self._alert_view(alert, source, views, cluster if len(clusters) > 1 else "")
            (mine if all(m.matches(alert.labels) for m in matchers) else others).append(view)
        return PaneOutput(group_alerts(mine, group_by), extra=group_alerts(others, group_by))

    def _alert_view(
        self, alert: Alert, source: str, silences: Mapping[str, SilenceView], cluster: str = ""
    ) -> AlertView:
        spec = self.pack.alerts
        if alert.silenced:
            state = "silenced"
        elif alert.inhibited:
            state = "inhibited"
        elif alert.status.state == "unprocessed":
            state = "unprocessed"
        else:
            state = "firing"
        labels, annotations = alert.labels, alert.annotations
        return AlertView(
            fingerprint=alert.fingerprint,
            alertname=labels.get("alertname", "?"),
            severity=labels.get("severity", ""),
            state=state,  # type: ignore[arg-type]
            starts_at=alert.starts_at.timestamp(),
            summary=annotations.get("summary") or annotations.get("description", ""),
            labels=labels,
            annotations=annotations,
            entity=_first(labels, spec.entity_instance_labels),
            entity_type=_first(labels, spec.entity_type_labels),
            silenced_by=tuple(alert.status.silenced_by),
            inhibited_by=tuple(alert.status.inhibited_by),
            receivers=tuple(r.name for r in alert.receivers),
            source=source,
            silences=tuple(silences[i] for i in alert.status.silenced_by if i in silences),
            cluster=cluster,
        )

    async def _log_rows(self, now: float) -> PaneOutput:
        loki = self.backends.loki
        if loki is None or self.pack.logs is None or self.pack.logs.selector is None or not self.poll_logs:
            return PaneOutput([])
        query = self.text("logs.tail")
        end_ns = int(now * NS) + 1
        warnings: list[str] = []
        if self._log_cursor_ns is None:
            start_ns = int((now - min(self.range_seconds, 3600)) * NS)
            result = await loki.query_range(query, start_ns, end_ns, limit=LOG_BACKLOG, direction="backward")
            entries = sorted(result.entries, key=lambda e: e.ts_ns)
            warnings = list(result.warnings)
            self._log_seen.update(e.key for e in entries)
        else:
            entries = await loki.lines_since(
                query, self._log_cursor_ns, end_ns, seen=self._log_seen, warnings=warnings
            )
        self._log_warnings = warnings
        if entries:
            self._log_cursor_ns = max(self._log_cursor_ns or 0, entries[-1].ts_ns)
        if self._log_cursor_ns is not None:
            # Only lines at the cursor's nanosecond can come again (the next query starts there,
            # inclusive): keeping every key seen grew by each refresh's lines, up to 8000 of them.
            cursor = self._log_cursor_ns
            self._log_seen = {key for key in self._log_seen if key[0] >= cursor}
        self._logs.extend(self._log_row(e) for e in entries)
        return PaneOutput(list(self._logs), queries=1, empty=[] if self._logs else ["logs.tail"])

    def _log_row(self, entry: LogEntry) -> LogRow:
        assert self.pack.logs is not None
        return entry_row(entry, self.pack.logs.fields)

    # -- log tails and traces -----------------------------------------------------------------

    def tail_request(
        self,
        *,
        entity_type: str | None = None,
        entity: str | None = None,
        start: float | None = None,
        line_filter: str = "",
        backlog: int = 200,
    ) -> TailRequest | None:
        """The pack's log tail, narrowed to an entity (or type) and starting at ``start`` if given."""
        if self.pack.logs is None or self.pack.logs.selector is None or self.missing is not None:
            return None
        logql = self.text("logs.tail")
        title = "Log tail"
        if entity_type is not None:
            narrowed = entity_logql(self.pack, self._values, entity_type, entity)
            if narrowed is None:
                return None
            logql, title = narrowed, f"Logs of {entity or entity_type}"
        if line_filter:
            logql = f"{logql} {line_filter}"
        start_ns = None if start is None else int(start * NS)
        return TailRequest(logql, title, start_ns, backlog)

    def log_tail(self, request: TailRequest, buffer: LogBuffer, *, live: bool = True) -> LogTail | None:
        """A tail filling ``buffer`` (run it with ``await tail.run()``); None without Loki."""
        if self.backends.loki is None or self.pack.logs is None:
            return None
        return LogTail(
            self.backends.loki, request, self.pack.logs.fields, buffer, clock=self.clock, live=live
        )

    def trace_service(self, entity_type: str | None, entity: str | None = None) -> str | None:
        """The Jaeger service of an entity (the pack's ``traces.service``)."""
        return entity_service(self.pack, self._values, entity_type, entity)

    async def trace(self, trace_id: str) -> Trace:
        """One trace by id (raises :class:`BackendError`, e.g. not found)."""
        jaeger = self.backends.jaeger
        if jaeger is None:
            raise BackendError("jaeger", FailureKind.NOT_CONFIGURED, "no Jaeger configured for this context")
        return await jaeger.trace(trace_id)

    async def find_traces(
        self,
        service: str,
        *,
        operation: str | None = None,
        min_duration: str | None = None,
        errors_only: bool = False,
        lookback: float = 3600.0,
        limit: int = 50,
    ) -> TraceSearchPage:
        """Recent traces of ``service``, newest first, with what Jaeger's answer said was wrong
        (raises :class:`BackendError`)."""
        jaeger = self.backends.jaeger
        if jaeger is None:
            raise BackendError("jaeger", FailureKind.NOT_CONFIGURED, "no Jaeger configured for this context")
        now_us = int(self.clock() * 1_000_000)
        return await jaeger.search_page(
            service,
            start_us=now_us - int(lookback * 1_000_000),
            end_us=now_us,
            operation=operation or None,
            tags={"error": "true"} if errors_only else None,
            min_duration=min_duration or None,
            limit=limit,
        )

    def note_log_tail(self, ok_at: float | None, error: str | None) -> None:
        """What the console's live tail last saw of Loki, for the header's freshness of Loki (the
        refresh does not ask Loki when the console tails it: ``poll_logs`` is off)."""
        if error:
            self._backend_err["loki"] = error
        elif ok_at is not None:
            self._backend_ok["loki"] = ok_at
            self._backend_err.pop("loki", None)

    # -- the refresh --------------------------------------------------------------------------

    def _mark(self, backend: str, ok_at: float | None, error: BaseException | None) -> None:
        if error is None and ok_at is not None:
            self._backend_ok[backend] = ok_at
            self._backend_err.pop(backend, None)
        elif error is not None:
            self._backend_err[backend] = _error_text(error)

    async def refresh(self) -> Dashboard:
        """One refresh of every pane; never raises for backend trouble."""
        started = time.perf_counter()
        now = self.clock()
        if self.missing is not None:
            return self._asks_for_variables(now)
        last = self._last
        prom = self.backends.prometheus
        await self._update_intervals(now)
        await self._check_renamed_labels(now)
        batch = QueryBatch(prom, self._recorded) if prom else None

        async def no_prometheus() -> PaneOutput:
            raise BackendError(
                "prometheus", FailureKind.NOT_CONFIGURED, "no Prometheus configured for this context"
            )

        tasks = {
            "health": self._health(batch, now) if batch else no_prometheus(),
            "saturation": self._saturation(batch, now) if batch else no_prometheus(),
            "red": self._red(batch, now) if batch else no_prometheus(),
            "slo": self._slos(batch, now) if batch else no_prometheus(),
            "alerts": self._alerts(now),
            "logs": self._log_rows(now),
        }
        answers: list[PaneOutput | BaseException] = await asyncio.gather(
            *tasks.values(), return_exceptions=True
        )
        if batch:
            await batch.drain()
            self.stats = RefreshStats(
                batch.asked, batch.sent, time.perf_counter() - started, len(batch.reused)
            )
        board = Dashboard(
            context=self.context_name,
            pack=self.pack.metadata.name,
            now=now,
            range_seconds=self.range_seconds,
            queries=self.query_texts(),
            entity_display=self.pack.health.entity.display if self.pack.health else "agent",
            entity_labels=self.pack.health.entity.instance_labels if self.pack.health else (),
            logs_unavailable=self.pack.logs.unavailable or "" if self.pack.logs else "",
        )
        attr = {
            "health": "health",
            "saturation": "saturation",
            "red": "red",
            "slo": "slos",
            "alerts": "alerts",
            "logs": "logs",
        }
        prom_errors: list[BaseException] = []
        for pane, answer in zip(tasks, answers, strict=True):
            previous = last.pane_status(pane) if last else PaneStatus()
            if isinstance(answer, BaseException):
                if pane in ("health", "saturation", "red", "slo"):
                    prom_errors.append(answer)
                if pane == "logs":
                    self._mark("loki", None, answer)
                setattr(board, attr[pane], getattr(last, attr[pane]) if last else [])
                if pane == "alerts":
                    board.alerts_outside = last.alerts_outside if last else []
                board.status[pane] = replace(previous, error=_error_text(answer), error_at=now)
            else:
                setattr(board, attr[pane], answer.rows)
                if pane == "alerts":
                    board.alerts_outside = answer.extra or []
                board.status[pane] = PaneStatus(
                    updated_at=now,
                    queries=answer.queries,
                    empty=tuple(answer.empty),
                    notes=tuple(answer.notes),
                    warnings=tuple(self._log_warnings) if pane == "logs" else (),
                )
                # Without polling nothing was asked of Loki: its freshness is the tail's (note_log_tail).
                if pane == "logs" and self.backends.loki and self.poll_logs:
                    self._mark("loki", now, None)
        board.notices = self._notices(board)
        if prom:
            self._mark("prometheus", None if prom_errors else now, prom_errors[0] if prom_errors else None)
        board.silences = list(self._silences)
        board.notices.extend(self._renamed)
        pinned = alerts_per_entity(board.alerts)
        board.health = [replace(row, alerts=pinned.get(row.entity, 0)) for row in board.health]
        board.backends = self._backend_statuses()
        self._last = board
        return board

    def _notices(self, board: Dashboard) -> list[str]:
        """Whole-screen notices: a pack none of whose metric queries found anything is the wrong
        pack for this Prometheus, or needs its variables set; say how to find out."""
        metric_panes = [board.pane_status(p) for p in ("health", "saturation", "red", "slo")]
        asked = [s for s in metric_panes if s.queries and s.error is None]
        if not asked or not all(s.all_empty for s in asked):
            return []
        return [
            f"No query of pack {self.pack.name!r} returned data from this Prometheus. "
            f"`opsconsole packs doctor --pack {self.pack.name}` says why and what to set. "
            "On a generic stack try `--pack kubernetes` (kube-state-metrics, cAdvisor, node-exporter) "
            "or `--pack otel-http` (OpenTelemetry HTTP server metrics)."
        ]

    def _asks_for_variables(self, now: float) -> Dashboard:
        """The board of a pack whose required variables are unset: each pane says what to set."""
        assert self.missing is not None
        problem = str(self.missing)
        board = Dashboard(self.context_name, self.pack.metadata.name, now, self.range_seconds)
        board.status = {pane: PaneStatus(error=problem, error_at=now) for pane in PANES}
        board.notices.append(problem)
        board.backends = self._backend_statuses()
        self._last = board
        return board

    async def detail(
        self, *, group: str | None, labels: Mapping[str, str], entity: str | None = None
    ) -> Detail:
        """Charts, alerts, logs and queries for one RED row (``group`` + ``labels``) or one entity.

        Series are picked from the pack's own group queries by label, so the chart shows exactly the
        numbers the pane shows, and the queries listed are the ones that produced them.
        """
        now = self.clock()
        await self._update_intervals(now)
        title = " ".join([*labels.values(), *([entity] if entity else [])]) or (group or "")
        detail = Detail(title=title, range_seconds=self.range_seconds)
        prom = self.backends.prometheus
        step = choose_step(now - self.range_seconds, now, 120)
        start, end = align(now - self.range_seconds, now, step)

        def matches(metric: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
            return all(metric.get(k, "") == v for k, v in wanted.items())

        async def chart(
            name: str,
            qid: str,
            legend: str,
            wanted: Mapping[str, str],
            unit: str,
            suffix: str = "",
            identity: Sequence[str] = (),
        ) -> None:
            assert prom is not None
            text = self.text(qid, step)
            window = self.rate_window(qid, step)
            uses_window = "rate_window" in variables_in(self._queries[qid].source)
            note = f"# {window.describe()}\n" if uses_window else ""
            detail.queries[f"{name} {legend}".strip()] = note + text
            detail.units[name] = unit
            try:
                result = await prom.query_range(text, start, end, step)
            except BackendError as exc:
                detail.errors.append(f"{qid}: {exc.message}")
                return
            for series in result.matrix:
                if identity:
                    # An entity is named by the first of the pack's identity labels a series has.
                    found = first_label(series.metric, identity)
                    if found is None or found[1] != entity:
                        continue
                    label = entity or qid
                elif not matches(series.metric, wanted):
                    continue
                else:
                    label = legend or " ".join(series.metric.get(k, "") for k in wanted) or qid
                detail.charts.setdefault(name, []).append((label + suffix, list(series.values)))

        jobs = []
        red = self.pack.red
        if prom is not None and red is not None:
            for name, spec in red.groups.items():
                wanted = {k: labels[k] for k in spec.by if k in labels}
                if group is not None and name != group:
                    continue
                if group is None and (not spec.by or len(wanted) != len(spec.by)):
                    continue
                dur_unit = spec.duration.unit if isinstance(spec.duration, HistogramDuration) else "s"
                # The pack aggregates RED per group row; for one instance say so rather than pretend.
                suffix = " (all instances)" if entity else ""
                jobs.append(chart("rate", f"red.{name}.rate", "", wanted, spec.rate.unit, suffix))
                jobs.append(chart("errors", f"red.{name}.errors", "", wanted, spec.errors.unit, suffix))
                jobs += [
                    chart("latency", f"red.{name}.{q}", q, wanted, dur_unit, suffix)
                    for q in ("p50", "p95", "p99")
                ]
                break
        health = self.pack.health
        if prom is not None and health is not None and entity is not None:
            identity = health.entity.instance_labels
            for signal, signal_spec in health.signals.items():
                qid = f"health.signals.{signal}"
                title = signal_spec.display or signal
                jobs.append(chart(title, qid, "", {}, signal_spec.unit, identity=identity))
        await asyncio.gather(*jobs)
        # Completion order is arbitrary; show charts (and their series) in the order they were asked.
        order = {name: i for i, name in enumerate(detail.units)}
        detail.charts = {
            name: sorted(series, key=lambda s: s[0])
            for name, series in sorted(detail.charts.items(), key=lambda kv: order.get(kv[0], 99))
        }

        last = self._last
        if last is not None:
            for grp in last.alerts:
                for alert in grp.alerts:
                    hit = entity is not None and alert.entity == entity
                    hit = hit or (not entity and all(alert.labels.get(k) == v for k, v in labels.items()))
                    if hit:
                        detail.alerts.append(alert)
        detail.logs = await self._entity_logs(now, entity, labels, detail)
        entity_type = _first(labels, health.entity.type_labels) if health is not None else None
        detail.links = self.links(labels, entity=entity, entity_type=entity_type)
        return detail

    async def slo_history(self, name: str, points: int = 60) -> BudgetHistory:
        """Budget left across the SLO's window (see :class:`BudgetHistory`), in ``points`` steps."""
        plan = next((p for p in [*self._pack_plans, *self._found_plans] if p.name == name), None)
        prom = self.backends.prometheus
        if plan is None or prom is None:
            return BudgetHistory((), (), "burndown", error=f"no SLO {name!r} with a Prometheus to ask")
        now = self.clock()
        window = parse_duration(plan.window)
        # Whole-second steps on a grid of their own multiples: Prometheus (and the client, which
        # rounds start and end to seconds) answer exactly at these instants, so every point is found.
        step = float(math.ceil(max(window / points, 60.0)))
        start, now = align(now - window + step, now, step)
        times = tuple(start + i * step for i in range(points + 1) if start + i * step <= now)
        try:
            if "error_ratio" in plan.templates or plan.per_window:
                text = plan.texts(plan.window).get("error_ratio", "")
                ratios = _points(await prom.query_range(text, start, now, step), times)
                budget = 1.0 - plan.objective
                remaining = tuple(None if r is None else 1.0 - r / budget for r in ratios)
                return BudgetHistory(times, remaining, "rolling")
            texts = plan.texts(format_duration(step))
            parts = dict(
                zip(
                    texts,
                    await asyncio.gather(*(prom.query_range(t, start, now, step) for t in texts.values())),
                    strict=True,
                )
            )
        except BackendError as exc:
            return BudgetHistory((), (), "burndown", error=_error_text(exc))
        total = _points(parts["total"], times)
        if "bad" in parts:
            bad = _points(parts["bad"], times)
        else:
            good = _points(parts["good"], times)
            bad = [None if g is None or t is None else t - g for g, t in zip(good, total, strict=True)]
        return BudgetHistory(times, tuple(budget_burndown(bad, total, plan.objective)), "burndown")

    async def alert_history(self, labels: Mapping[str, str]) -> AlertHistory | None:
        """Firing spells of the alert with ``labels`` over the range, from ``ALERTS``; None if unknown."""
        prom = self.backends.prometheus
        if prom is None:
            return None
        now = self.clock()
        step = choose_step(now - self.range_seconds, now, 240)
        start, end = align(now - self.range_seconds, now, step)
        name = _promql_escape(labels.get("alertname", ""))
        query = f'ALERTS{{alertname="{name}", alertstate="firing"}}'
        try:
            result = await prom.query_range(query, start, end, step)
        except BackendError:
            return None

        # Alertmanager may hold extra (external) labels: a series is this alert when every label
        # it has (but alertstate) agrees with the alert's.
        def same_alert(metric: Mapping[str, str]) -> bool:
            return all(labels.get(k) == v for k, v in metric.items() if k not in ("__name__", "alertstate"))

        points = sorted(p for series in result.matrix if same_alert(series.metric) for p in series.values)
        return alert_history(points, step, self.range_seconds)

    async def _entity_logs(
        self, now: float, entity: str | None, labels: Mapping[str, str], detail: Detail
    ) -> list[LogRow]:
        logs = self.pack.logs
        loki = self.backends.loki
        if entity and logs is not None and logs.selector and logs.entity_selector and loki is not None:
            entity_type = (
                _first(labels, self.pack.health.entity.type_labels) or "" if self.pack.health else ""
            )
            text = self.text("logs.entity", entity=entity, entity_type=entity_type)
            detail.queries["logs"] = text
            try:
                result = await loki.query_range(
                    text, int((now - self.range_seconds) * NS), int(now * NS) + 1, limit=100
                )
            except BackendError as exc:
                detail.errors.append(f"logs: {exc.message}")
            else:
                detail.errors.extend(f"logs: Loki warns: {w}" for w in result.warnings)
                return [self._log_row(e) for e in sorted(result.entries, key=lambda e: e.ts_ns)]
        wanted = {entity} if entity else set(labels.values())
        return [
            row
            for row in self._logs
            if row.entity in wanted or any(row.fields.get(k) == v for k, v in labels.items())
        ][-100:]

    def _backend_statuses(self) -> list[BackendStatus]:
        out = []
        b = self.backends
        named: list[tuple[str, str, str]] = []
        if b.prometheus:
            named.append(("prometheus", "prometheus", b.prometheus.endpoint.url))
        named += [(f"alertmanager {am.name}", "alertmanager", am.endpoint.url) for am in b.alertmanagers]
        # Loki is listed once something asks it: the refresh's log poll or a live tail. The wallboard
        # reads no logs: a green "loki" there would vouch for a server nobody asked.
        if b.loki and (self.poll_logs or "loki" in self._backend_ok or "loki" in self._backend_err):
            named.append(("loki", "loki", b.loki.endpoint.url))
        for name, kind, url in named:
            out.append(
                BackendStatus(name, kind, url, self._backend_ok.get(name), self._backend_err.get(name))
            )
        return out


def _first(labels: Mapping[str, str], names: Sequence[str]) -> str | None:
    found = first_label(labels, names)
    return found[1] if found else None


def _window_values(window: RateWindow) -> dict[str, str]:
    return {"rate_window": window.text, "scrape_interval": format_duration(window.scrape_interval)}


def _promql_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _silence_view(silence: Silence, source: str, alerts: Iterable[tuple[Alert, str]]) -> SilenceView:
    matchers = [
        LabelMatcher(m.name, m.operator, m.value)  # type: ignore[arg-type]
        for m in silence.matchers
    ]
    matching = sum(1 for alert, _ in alerts if all(m.matches(alert.labels) for m in matchers))
    ack = parse_ack(silence.comment, silence.ends_at.timestamp())
    return SilenceView(
        id=silence.id,
        state=silence.status.state,
        matchers=", ".join(m.to_filter() for m in silence.matchers),
        created_by=silence.created_by,
        comment=silence.comment,
        starts_at=silence.starts_at.timestamp(),
        ends_at=silence.ends_at.timestamp(),
        ack_by=ack.who if ack else None,
        matching=matching if silence.status.state != "expired" else 0,
        source=source,
    )


def _silence_order(view: SilenceView) -> tuple[int, float]:
    return {"active": 0, "pending": 1, "expired": 2}[view.state], view.ends_at
