"""The trace search: recent traces of a service, refined from an editable search line.

Services, operations and Jaeger's warnings are model text, already terminal-safe
(backends/jaeger_models); the search line's errors are the console's own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from opsconsole.backends.jaeger_models import Trace
from opsconsole.core.value_format import format_micros
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.sized_table import SizedDataTable
from opsconsole.ui.themes import ConsoleTheme


class TraceSearchScreen(Screen[None]):
    """Recent traces of one service; the line at the top refines the search."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("slash", "edit_search", "Edit search"),  # Tab reaches it too
    ]
    DEFAULT_CSS = """
    TraceSearchScreen #search-help { height: auto; padding: 0 1; color: $text-muted; }
    TraceSearchScreen #search-status { height: 1; padding: 0 1; }
    TraceSearchScreen DataTable { height: 1fr; }
    """

    class SearchRequested(Message):
        """The search line was submitted."""

        def __init__(self, screen: TraceSearchScreen, text: str) -> None:
            super().__init__()
            self.screen = screen
            self.text = text

    class TraceChosen(Message):
        """Enter on a result."""

        def __init__(self, trace: Trace) -> None:
            super().__init__()
            self.trace = trace

    def __init__(self, search: str, theme: ConsoleTheme) -> None:
        super().__init__()
        self.search = search
        self.console_theme = theme
        self.traces: list[Trace] = []

    def compose(self) -> Any:
        with Vertical():
            yield Static(
                Text(
                    "service=NAME op=OPERATION min=200ms errors since=1h  (Enter searches; "
                    "Enter on a trace opens it)"
                ),
                id="search-help",
            )
            yield Input(self.search, id="trace-search")
            yield Static(Text("searching…"), id="search-status")
            table = SizedDataTable(cursor_type="row", id="trace-results")
            yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#trace-results", DataTable)
        table.add_columns("Started", "Root", "Duration", "Spans", "Errors", "Services")
        table.focus()

    def action_edit_search(self) -> None:
        """/: to the search line, the way / starts a search everywhere else."""
        self.query_one("#trace-search", Input).focus()

    @on(Input.Submitted, "#trace-search")
    def _submitted(self, event: Input.Submitted) -> None:
        self.search = event.value
        self.query_one("#search-status", Static).update(Text("searching…"))
        self.post_message(self.SearchRequested(self, event.value))
        self.query_one("#trace-results", DataTable).focus()

    def show(self, traces: list[Trace], error: str = "", warnings: Sequence[str] = ()) -> None:
        """Fill the results (or say why there are none, or what Jaeger's answer left out)."""
        self.traces = traces
        table = next(self.query("#trace-results").results(DataTable), None)
        if table is None:  # closed while the search ran (its widgets go before the screen does)
            return
        table.clear()
        theme = self.console_theme
        for index, trace in enumerate(traces):
            root = trace.root
            started = datetime.fromtimestamp(trace.start_us / 1e6, UTC).strftime("%H:%M:%S")
            table.add_row(
                Text(started),
                Text(
                    ("⚠ " if trace.problems else "") + (f"{root.service}: {root.operation}" if root else "—")
                ),
                Text(format_micros(trace.duration_us), justify="right"),
                Text(str(len(trace.spans)), justify="right"),
                Text(str(trace.error_count), style=theme.style("crit" if trace.error_count else "ok")),
                Text(", ".join(trace.services)),
                key=str(index),
            )
        status = error and Text(f"⚠ {error}", style=theme.style("crit"))
        if not status:
            status = Text(f"{len(traces)} traces, newest first · {self.search}")
            for warning in warnings:
                status.append(f" · △ Jaeger: {warning}", style=theme.style("warn"))
        self.query_one("#search-status", Static).update(status)

    @on(DataTable.RowSelected, "#trace-results")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if index < len(self.traces):
            self.post_message(self.TraceChosen(self.traces[index]))
