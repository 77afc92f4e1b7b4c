"""Enter on a row and the pivots from it: detail screens, an alert's fields, SLO histories, an
entity's logs from before an alert began, traces by id or by search.

Each screen opens at once and fills itself from the refresh service in a worker; a backend error
is a toast or a line on that screen, never a crash. Each screen's module is imported when it first
opens: none is on the console's first frame.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, assert_never

from opsconsole.backends.errors import BackendError
from opsconsole.core.dashboard import AlertView, Detail, SloRow
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.search_text import TraceQuery, parse_trace_query
from opsconsole.refresh.pivots import alert_entity
from opsconsole.ui.pane_table import (
    AgentRowKey,
    AlertGroupRowKey,
    AlertRowKey,
    LogLineKey,
    MoreRowsKey,
    NoticeRowKey,
    RedRowKey,
    ResourceRowKey,
    RowTarget,
    SloRowKey,
)

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp
    from opsconsole.ui.trace_search_screen import TraceSearchScreen

PIVOT_LEAD_SECONDS = 300.0  # alert → logs starts this long before the alert began
PIVOT_BACKLOG = 5000


class DrillFlows:
    """The drill-downs and pivots of one console app."""

    def __init__(self, app: OpsConsoleApp) -> None:
        self.app = app

    def drill(self, ref: RowTarget) -> None:
        """Enter on a row: detail screen for agents and services, all fields for the rest."""
        app = self.app
        match ref:
            case AgentRowKey(row=row):
                health = app.service.pack.health
                labels = {health.entity.type_labels[0]: row.entity_type} if health else {}
                self.open_detail(f"{row.entity_type} {row.display}", None, labels, row.entity)
            case RedRowKey(row=red):
                self.open_detail(f"{red.group_display} {red.key}", red.group, red.labels, None)
            case AlertRowKey(alert=alert):
                self.alert_logs(alert)
            case SloRowKey(slo=slo):
                self.open_slos([slo])
            case LogLineKey(line=line):
                from opsconsole.ui.screens import FieldsScreen

                app.push_screen(FieldsScreen("log line", sorted(line.fields.items())))
            case MoreRowsKey():
                app.action_filter()  # the rows not drawn are reached by narrowing
            case ResourceRowKey() | AlertGroupRowKey() | NoticeRowKey():
                pass  # nothing behind them to open
            case _:
                assert_never(ref)

    def show_alert(self, alert: AlertView) -> None:
        """Every field of one alert: state, history, silences, inhibitors, labels, links (the
        screen opens at once and asks the refresh service for them itself)."""
        from opsconsole.ui.screens import FieldsScreen

        app = self.app
        service = app.service

        def load() -> Awaitable[list[tuple[str, str]]]:
            return service.alert_fields(alert)

        title = f"{alert.alertname} ({alert.fingerprint})"
        app.push_screen(FieldsScreen(title, load=load, theme=app.console_theme))

    def open_slos(self, slos: list[SloRow]) -> None:
        """The SLO screen, each SLO's budget history loaded after it opens."""
        from opsconsole.ui.slo_screen import SloScreen

        app = self.app
        app.push_screen(SloScreen(slos, app.console_theme, app.service.slo_history))

    def open_detail(self, title: str, group: str | None, labels: dict[str, str], entity: str | None) -> None:
        """The detail screen of a RED row or an entity."""
        from opsconsole.ui.screens import DetailScreen

        app = self.app
        service = app.service

        def load() -> Awaitable[Detail]:
            return service.detail(group=group, labels=labels, entity=entity)

        app.push_screen(DetailScreen(title, app.console_theme, load))

    # -- pivots: logs and traces ----------------------------------------------------------------

    def row_entity(self, ref: RowTarget | None) -> tuple[str | None, str | None]:
        """(entity type, entity) of a health row, RED row or alert."""
        pack = self.app.service.pack
        match ref:
            case AgentRowKey(row=row):
                return row.entity_type, row.entity
            case RedRowKey(row=red) if pack.health is not None:
                kind = next((red.labels[k] for k in pack.health.entity.type_labels if k in red.labels), None)
                return kind, None
            case AlertRowKey(alert=alert):
                return alert_entity(pack, alert.labels)
        return None, None

    def alert_logs(self, alert: AlertView) -> None:
        """Enter on an alert: its entity's logs from a few minutes before it began."""
        app = self.app
        kind, entity = alert_entity(app.service.pack, alert.labels)
        if kind is None and entity is None:
            app.notify(
                f"{alert.alertname} names no entity the pack maps to logs; showing its details",
                severity="warning",
            )
            self.show_alert(alert)
            return
        self.open_logs(
            kind, entity, start=alert.starts_at - PIVOT_LEAD_SECONDS, why=f"{alert.alertname} began"
        )

    def entity_logs(self, ref: RowTarget | None) -> None:
        """l: logs of the selected agent, service row or alert."""
        kind, entity = self.row_entity(ref)
        if kind is None:
            self.app.notify("select an agent, a RED row of an agent type, or an alert", severity="warning")
            return
        self.open_logs(kind, entity)

    def entity_traces(self, ref: RowTarget | None) -> None:
        """T: trace search for the selected agent, service row or alert."""
        kind, entity = self.row_entity(ref)
        service = self.app.service.trace_service(kind, entity) if kind else None
        if service is None:
            self.app.notify(
                "no trace service for this row (the pack's traces section maps them)", severity="warning"
            )
            return
        self.open_trace_search(TraceQuery(service))

    def open_logs(
        self, entity_type: str | None, entity: str | None, *, start: float | None = None, why: str = ""
    ) -> None:
        """A full-screen tail narrowed to an entity, from ``start`` when given."""
        from opsconsole.ui.logs_screen import LogsScreen

        app = self.app
        request = app.service.tail_request(
            entity_type=entity_type, entity=entity, start=start, backlog=PIVOT_BACKLOG if start else 200
        )
        if request is None:
            app.notify("this pack has no entity log selector (logs.entity_selector)", severity="warning")
            return
        title = request.title
        if start is not None:
            began = datetime.fromtimestamp(start + PIVOT_LEAD_SECONDS, UTC).strftime("%H:%M:%S")
            title += f" · from {PIVOT_LEAD_SECONDS // 60:.0f} min before {why or 'the start'} ({began}Z)"
        title += f" · {request.logql}"
        screen = LogsScreen(title, LogBuffer(app.options.log_buffer), app.console_theme, app.tails.stop)
        app.push_screen(screen)
        app.tails.start(app.service, screen.view, request, screen.set_status)
        if start is not None:
            # Once the backlog is in, put the cursor where the alert began, the lead-up above it.
            app.tails.jump_when_loaded(screen.view, int((start + PIVOT_LEAD_SECONDS) * 1e9))

    def open_trace(self, trace_id: str, focus_span: str | None = None) -> None:
        """The waterfall of one trace, the cursor on ``focus_span`` if given (loaded in the
        background; errors are toasts)."""
        from opsconsole.ui.trace_screens import TraceScreen

        app = self.app

        async def load() -> None:
            try:
                trace = await app.service.trace(trace_id)
            except BackendError as exc:
                app.notify(f"trace {trace_id}: {exc.message}", severity="error")
                return
            if not trace.spans:
                app.notify(f"trace {trace_id} has no spans", severity="warning")
                return
            await app.push_screen(TraceScreen(trace, app.console_theme, focus_span))

        app.run_worker(load(), group="detail")

    def open_trace_search(self, query: TraceQuery) -> None:
        """Recent traces of a service, refined from the search line."""
        from opsconsole.ui.trace_search_screen import TraceSearchScreen

        screen = TraceSearchScreen(query.text(), self.app.console_theme)
        self.app.push_screen(screen)
        self.search_traces(screen, query.text())

    def search_traces(self, screen: TraceSearchScreen, text: str) -> None:
        """Run the search line ``text`` and show what it found on ``screen``."""
        app = self.app

        async def load() -> None:
            try:
                query = parse_trace_query(text)
                page = await app.service.find_traces(
                    query.service,
                    operation=query.operation,
                    min_duration=query.min_duration,
                    errors_only=query.errors_only,
                    lookback=query.lookback_seconds,
                )
            except ValueError as exc:
                screen.show([], str(exc))
                return
            except BackendError as exc:
                screen.show([], exc.message)
                return
            if screen.is_attached:
                screen.show(page.traces, warnings=page.warnings)

        app.run_worker(load(), group="detail")
