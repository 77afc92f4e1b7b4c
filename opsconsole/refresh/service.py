"""Run the active pack's queries for every pane, concurrently, and build the :class:`Dashboard`.

Each pane fails on its own: a pane whose backend errors keeps its last good rows and shows the error
with the age of the data, while the other panes keep updating. The panes themselves are built in
:mod:`opsconsole.refresh.panes`, the drill-downs in :mod:`opsconsole.refresh.drill`; this module
orchestrates them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from opsconsole.core.alert_grouping import alerts_per_entity
from opsconsole.core.dashboard import (
    PANES,
    AlertView,
    BackendStatus,
    BudgetHistory,
    Dashboard,
    Detail,
    LogRow,
    PaneStatus,
)
from opsconsole.packs.rate_window import RateWindow
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backend_health import BackendHealth, error_text
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes import AlertsPane, LogsPane, Pane, PaneRun, RefreshSettings, SloPane, pane_table
from opsconsole.refresh.pivots import entity_logql, entity_service
from opsconsole.refresh.queries import PackQueries
from opsconsole.refresh.query_batch import QueryBatch
from opsconsole.refresh.range_memory import RangeMemory
from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache

if TYPE_CHECKING:
    # Imported where used: traces are fetched on demand, and a snapshot neither tails logs nor
    # drills down, so it imports none of Jaeger's models, the live tail or the drill-downs.
    from opsconsole.backends.jaeger_models import Trace, TraceSearchPage
    from opsconsole.backends.loki_models import LogEntry
    from opsconsole.core.log_buffer import LogBuffer
    from opsconsole.refresh.drill import DrillDown
    from opsconsole.refresh.log_tail import LogTail, TailRequest

NS = 1_000_000_000


@dataclass
class RefreshStats:
    """Requests asked by panes vs. sent after de-duplication, for the last refresh."""

    asked: int = 0
    sent: int = 0
    duration: float = 0.0
    reused: int = 0  # queries answered by an existing recording rule
    kept: int = 0  # range answers reused from an earlier refresh (their window had not moved)


@dataclass
class RefreshService:
    """Owns the clients of one context and the last good dashboard."""

    context_name: str
    pack: QueryPack
    backends: BackendSet
    overrides: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    # What the screen chose (range, alert grouping, log polling): passed to refresh(), kept for
    # the drill-downs that follow it. Snapshots keep the defaults (15 min, the pack's grouping, polling).
    settings: RefreshSettings = field(default_factory=RefreshSettings)
    stats: RefreshStats = field(default_factory=RefreshStats)
    refresh_interval: float = 5.0  # instant queries' rate windows cover one refresh plus a scrape
    scrape_intervals: ScrapeIntervalCache = field(default_factory=ScrapeIntervalCache)
    # Called with every board before it is returned (a recording, see opsconsole.recording).
    observers: list[Callable[[Dashboard], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.queries = PackQueries(
            self.pack,
            self.overrides,
            refresh_interval=self.refresh_interval,
            scrape_intervals=self.scrape_intervals,
        )
        self.backend_health = BackendHealth()
        self.slo_pane = SloPane(self.queries)
        self.alerts_pane = AlertsPane(self.backend_health)
        self.logs_pane = LogsPane()
        self.panes: tuple[Pane, ...] = pane_table(self.slo_pane, self.alerts_pane, self.logs_pane)
        self._drill: DrillDown | None = None  # built on the first drill-down (see drill)
        self._last: Dashboard | None = None
        self._asked_alone: set[str] = set()  # values a union request cannot answer exactly (QueryBatch)
        self._ranges = RangeMemory()  # range answers reused while their window has not moved
        self._started: tuple[RefreshSettings, asyncio.Future[Dashboard]] | None = None  # start_refresh
        # A required variable nobody set: no query is sent, every pane says what to set.
        self.missing = self.queries.missing

    @property
    def drill(self) -> DrillDown:
        """The drill-downs (detail, SLO history, alert fields, links) of this service."""
        if self._drill is None:
            from opsconsole.refresh.drill import DrillDown

            self._drill = DrillDown(self.queries, self.backends, self.clock)
        return self._drill

    @property
    def range_seconds(self) -> float:
        """The range of the last refresh (and of the drill-downs opened after it)."""
        return self.settings.range_seconds

    @property
    def poll_logs(self) -> bool:
        """Whether the refresh asks Loki (off in the console, which tails Loki itself)."""
        return self.settings.poll_logs

    # -- queries ------------------------------------------------------------------------------

    def text(self, query_id: str, step: float | None = None, **extra: str) -> str:
        """The expanded text of one pack query (see :meth:`PackQueries.text`)."""
        return self.queries.text(query_id, step, **extra)

    def rate_window(self, query_id: str, step: float | None = None, **extra: str) -> RateWindow:
        """The ``$rate_window`` of one query at ``step`` (the refresh interval when None)."""
        return self.queries.rate_window(query_id, step, **extra)

    def links(
        self, labels: Mapping[str, str], *, entity: str | None = None, entity_type: str | None = None
    ) -> list[tuple[str, str]]:
        """The pack's runbook and dashboard links for an alert's labels or an entity."""
        return self.drill.links(labels, entity=entity, entity_type=entity_type)

    def query_texts(self) -> dict[str, str]:
        """Every query id with its text as the console runs it (for the detail and help views)."""
        return self.queries.texts()

    def log_row(self, entry: LogEntry) -> LogRow:
        """One Loki entry as the pack's log row."""
        from opsconsole.refresh.log_tail import entry_row

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
            narrowed = entity_logql(self.pack, self.queries.values, entity_type, entity)
            if narrowed is None:
                return None
            logql, title = narrowed, f"Logs of {entity or entity_type}"
        if line_filter:
            logql = f"{logql} {line_filter}"
        from opsconsole.refresh.log_tail import TailRequest

        start_ns = None if start is None else int(start * NS)
        return TailRequest(logql, title, start_ns, backlog)

    def log_tail(self, request: TailRequest, buffer: LogBuffer, *, live: bool = True) -> LogTail | None:
        """A tail filling ``buffer`` (run it with ``await tail.run()``); None without Loki."""
        if self.backends.loki is None or self.pack.logs is None:
            return None
        from opsconsole.refresh.log_tail import LogTail

        return LogTail(
            self.backends.loki, request, self.pack.logs.fields, buffer, clock=self.clock, live=live
        )

    def trace_service(self, entity_type: str | None, entity: str | None = None) -> str | None:
        """The Jaeger service of an entity (the pack's ``traces.service``)."""
        return entity_service(self.pack, self.queries.values, entity_type, entity)

    async def trace(self, trace_id: str) -> Trace:
        """One trace by id (raises :class:`BackendError`, e.g. not found)."""
        from opsconsole.refresh import traces

        return await traces.trace(self.backends, trace_id)

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
        from opsconsole.refresh import traces

        return await traces.find_traces(
            self.backends,
            service,
            now=self.clock(),
            operation=operation,
            min_duration=min_duration,
            errors_only=errors_only,
            lookback=lookback,
            limit=limit,
        )

    # -- the refresh --------------------------------------------------------------------------

    def start_refresh(self, settings: RefreshSettings) -> None:
        """Begin a refresh now, on the running loop, for the next :meth:`refresh` to collect.

        The console starts its first refresh before Textual is imported and the app built, so
        its requests are on the wire meanwhile. The next ``refresh`` asked with equal settings
        returns that board (or raises what it raised), once; asked with other settings it is
        cancelled and a new one runs, so a screen never draws an answer to another question.
        """
        self._started = (settings, asyncio.ensure_future(self._refresh(settings)))

    async def refresh(self, settings: RefreshSettings | None = None) -> Dashboard:
        """One refresh of every pane with ``settings`` (the last ones when None); never raises for
        backend trouble."""
        started, self._started = self._started, None
        if started is not None:
            early_settings, early = started
            if settings is None or settings == early_settings:
                return await early
            early.cancel()
            await asyncio.gather(early, return_exceptions=True)
        return await self._refresh(settings)

    async def _refresh(self, settings: RefreshSettings | None) -> Dashboard:
        if settings is not None:
            self.settings = settings
        started = time.perf_counter()
        now = self.clock()
        if self.missing is not None:
            return self._asks_for_variables(now)
        last = self._last
        prom = self.backends.prometheus
        wanted = self.settings.panes  # a recording (an observer) keeps every pane
        built = [p for p in self.panes if wanted is None or self.observers or p.name in wanted]
        # Alertmanager's pane needs nothing of the server's scrape intervals: it is asked now,
        # beside the config request, rather than after it (its own run has no query batch).
        early_run = PaneRun(now, self.settings, self.queries, self.backends, None)
        early = {
            p.name: asyncio.ensure_future(p.build(early_run)) for p in built if p.backend == "alertmanager"
        }
        try:
            await self.queries.update_intervals(self.backends, now)
        except BaseException:
            for task in early.values():
                task.cancel()
            await asyncio.gather(*early.values(), return_exceptions=True)
            raise
        batch = (
            QueryBatch(
                prom,
                self.slo_pane.recorded,
                self._asked_alone,
                ranges=self._ranges,
                asked_at=now,
                settle=self.queries.longest_scrape_interval(),
            )
            if prom
            else None
        )
        run = PaneRun(now, self.settings, self.queries, self.backends, batch)

        async def build(pane: Pane) -> PaneOutput:
            return await (early[pane.name] if pane.name in early else pane.build(run))

        asked = {p.backend for p in built}
        asked_prometheus = "prometheus" in asked
        # The exported_* check (every few minutes) only adds notices: it runs beside the panes.
        answers: list[PaneOutput | BaseException]
        answers, _ = await asyncio.gather(
            asyncio.gather(*(build(pane) for pane in built), return_exceptions=True),
            self.queries.check_renamed_labels(self.backends, now),
        )
        if batch:
            await batch.drain()
            self.stats = RefreshStats(
                batch.asked, batch.sent, time.perf_counter() - started, len(batch.reused), batch.kept
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
        prom_errors: list[BaseException] = []
        for pane, answer in zip(built, answers, strict=True):
            previous = last.pane_status(pane.name) if last else PaneStatus()
            if isinstance(answer, BaseException):
                if pane.backend == "prometheus":
                    prom_errors.append(answer)
                if pane.backend == "loki":
                    self.backend_health.mark("loki", None, answer)
                pane.put(board, pane.rows(last) if last else [])
                pane.put_outside(board, pane.outside(last) if last else [])
                board.status[pane.name] = replace(previous, error=error_text(answer), error_at=now)
            else:
                pane.put(board, answer.rows)
                pane.put_outside(board, answer.extra)
                board.status[pane.name] = PaneStatus(
                    updated_at=now,
                    queries=answer.queries,
                    empty=tuple(answer.empty),
                    notes=tuple(answer.notes),
                    warnings=tuple(self.logs_pane.warnings) if pane.backend == "loki" else (),
                )
                # Without polling nothing was asked of Loki: its freshness is the tail's (note_log_tail).
                if pane.backend == "loki" and self.backends.loki and self.poll_logs:
                    self.backend_health.mark("loki", now, None)
        board.notices = self._notices(board)
        if prom and asked_prometheus:  # no pane asked it: its freshness is not this refresh's to vouch for
            self.backend_health.mark(
                "prometheus", None if prom_errors else now, prom_errors[0] if prom_errors else None
            )
        board.silences = list(self.alerts_pane.silences)
        board.notices.extend(self.queries.renamed)
        pinned = alerts_per_entity(board.alerts)
        board.health = [replace(row, alerts=pinned.get(row.entity, 0)) for row in board.health]
        board.backends = self.backend_health.statuses(
            self.backends,
            loki_asked=self.poll_logs,
            prometheus_asked=asked_prometheus,
            alertmanager_asked="alertmanager" in asked,
        )
        self._last = board
        for observe in self.observers:
            observe(board)
        return board

    def note_log_tail(self, ok_at: float | None, error: str | None) -> bool:
        """What the console's live tail last saw of Loki, for the header's freshness of Loki (the
        refresh does not ask Loki when the console tails it: ``poll_logs`` is off).

        The last board takes it at once, not at the next refresh: when the tail first answered
        after the refresh had listed the backends, the header left Loki out until a refresh, and
        with no timer (``auto_refresh`` off) for good. True when what the header shows of Loki
        changed (listed, answered, failing), so the console redraws its header; a newer answer
        time alone updates the board quietly (the header shows ages as of its last drawing)."""
        health = self.backend_health
        health.note("loki", ok_at, error)
        board, loki = self._last, self.backends.loki
        if board is None or loki is None or ("loki" not in health.ok_at and "loki" not in health.errors):
            return False
        status = BackendStatus(
            "loki", "loki", loki.endpoint.url, health.ok_at.get("loki"), health.errors.get("loki")
        )
        before = next((b for b in board.backends if b.name == "loki"), None)
        if before == status:
            return False
        board.backends = [*(b for b in board.backends if b.name != "loki"), status]  # Loki last, as listed
        return before is None or _header_state(before) != _header_state(status)

    def _notices(self, board: Dashboard) -> list[str]:
        """Whole-screen notices: a pack none of whose metric queries found anything is the wrong
        pack for this Prometheus, or needs its variables set; say how to find out."""
        metric_panes = [board.pane_status(p.name) for p in self.panes if p.backend == "prometheus"]
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
        board.backends = self.backend_health.statuses(self.backends, loki_asked=self.poll_logs)
        self._last = board
        for observe in self.observers:
            observe(board)
        return board

    # -- drill-downs --------------------------------------------------------------------------

    async def detail(
        self, *, group: str | None, labels: Mapping[str, str], entity: str | None = None
    ) -> Detail:
        """Charts, alerts, logs and queries for one RED row or one entity (see :meth:`DrillDown.detail`)."""
        from opsconsole.refresh.drill import DrillContext

        now = self.clock()
        await self.queries.update_intervals(self.backends, now)
        ctx = DrillContext(now, self.range_seconds, self._last, list(self.logs_pane.rows))
        return await self.drill.detail(ctx, group=group, labels=labels, entity=entity)

    async def slo_history(self, name: str, points: int = 60) -> BudgetHistory:
        """Budget left across the SLO's window (see :class:`BudgetHistory`), in ``points`` steps."""
        plan = next((p for p in self.slo_pane.plans if p.name == name), None)
        return await self.drill.slo_history(plan, name, points)

    async def alert_fields(self, alert: AlertView) -> list[tuple[str, str]]:
        """Every field of one alert, its firing history asked now (see :meth:`DrillDown.alert_fields`)."""
        from opsconsole.refresh.drill import DrillContext

        ctx = DrillContext(self.clock(), self.range_seconds, self._last, ())
        return await self.drill.alert_fields(ctx, alert)


def _header_state(status: BackendStatus) -> tuple[bool, bool]:
    """What the header shows of a backend besides its age: failing, and answered yet."""
    return bool(status.error), status.last_success is not None
