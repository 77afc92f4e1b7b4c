"""Traces: a waterfall of one trace (critical path, collapse, span details) and a trace search.

Span names, tags and log fields come from the traced services: untrusted, sanitised, plain text.
The waterfall draws only the lines on screen, so a 5,000-span trace scrolls like a short one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import DataTable, Footer, Input, Static

from opsconsole.backends.jaeger_models import Span, Trace
from opsconsole.core.trace_layout import Waterfall, WaterfallRow, build_waterfall
from opsconsole.core.untrusted_text import sanitize
from opsconsole.core.value_format import format_micros
from opsconsole.ui.themes import ConsoleTheme


class TraceView(ScrollView, can_focus=True):
    """The waterfall: one line per visible span, drawn on demand."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "cursor(20)", "Page down", show=False),
        Binding("pageup", "cursor(-20)", "Page up", show=False),
        Binding("space", "toggle_span", "Collapse/expand"),
        Binding("left,h", "collapse", "Collapse", show=False),
        Binding("right,l", "expand", "Expand", show=False),
        Binding("e", "next_error", "Next error"),
        Binding("C", "collapse_all", "Collapse all"),
        Binding("E", "expand_all", "Expand all"),
    ]

    class Moved(Message):
        """The cursor is on another span."""

        def __init__(self, span: Span) -> None:
            super().__init__()
            self.span = span

    def __init__(self, trace: Trace, theme: ConsoleTheme, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trace = trace
        self.console_theme = theme
        self.waterfall: Waterfall = build_waterfall(trace.spans)
        self.collapsed: set[int] = set()
        self.rows: list[WaterfallRow] = self.waterfall.visible()
        self.cursor = 0

    def on_mount(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        self.rows = self.waterfall.visible(self.collapsed)
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        if self.rows:
            self.post_message(self.Moved(self.trace.spans[self.rows[self.cursor].index]))

    def render_line(self, y: int) -> Strip:
        """One span: tree label and duration on the left, its bar on the timeline on the right."""
        width = self.scrollable_content_region.width
        position = self.scroll_offset.y + y
        if position >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[position]
        span = self.trace.spans[row.index]
        theme = self.console_theme
        base = self.rich_style + (Style(reverse=True) if position == self.cursor else Style())
        label_width = min(80, max(34, width * 2 // 5))
        marker = ("▸ " if row.index in self.collapsed else "▾ ") if row.has_children else "  "
        error = "✖ " if span.is_error else ""
        label = (
            f"{'  ' * min(row.depth, 20)}{marker}{error}{sanitize(span.service)}: {sanitize(span.operation)}"
        )
        offset = "+" + format_micros(span.start_us - self.waterfall.start_us)
        timing = offset.rjust(9) + " " + format_micros(span.duration_us).rjust(8)
        left = set_cell_size(label, label_width - 19) + " " + timing + " "
        bar_width = max(1, width - label_width - 1)
        total = max(1, self.waterfall.duration_us)
        start = (span.start_us - self.waterfall.start_us) * bar_width // total
        length = max(1, span.duration_us * bar_width // total)
        start = min(start, bar_width - 1)
        length = min(length, bar_width - start)
        bar_style = theme.style("crit" if span.is_error else "info" if row.critical else "muted")
        bar_char = "█" if row.critical else "▒"
        label_style = base + (theme.style("crit") if span.is_error else Style(bold=row.critical))
        return Strip(
            [
                Segment(left, label_style),
                Segment(" " * start, base),
                Segment(bar_char * length, base + bar_style),
                Segment(" " * (bar_width - start - length + 1), base),
            ],
            width,
        ).crop(0, width)

    def _move(self, index: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, index))
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
        self.refresh()
        self._announce()

    def action_cursor(self, delta: int) -> None:
        """Move the cursor."""
        self._move(self.cursor + delta)

    def _current(self) -> WaterfallRow | None:
        return self.rows[self.cursor] if self.rows else None

    def action_toggle_span(self) -> None:
        """space: collapse or expand the span under the cursor."""
        row = self._current()
        if row is not None and row.has_children:
            self.collapsed ^= {row.index}
            self._relayout()

    def action_collapse(self) -> None:
        """left: collapse this span, or go to its parent."""
        row = self._current()
        if row is None:
            return
        if row.has_children and row.index not in self.collapsed:
            self.collapsed.add(row.index)
            self._relayout()
            return
        parent = self.waterfall.parent_of[row.index]
        for position, candidate in enumerate(self.rows):
            if candidate.index == parent:
                self._move(position)
                break

    def action_expand(self) -> None:
        """right: expand this span."""
        row = self._current()
        if row is not None and row.index in self.collapsed:
            self.collapsed.discard(row.index)
            self._relayout()

    def action_collapse_all(self) -> None:
        """C: every span with children collapsed (the roots stay)."""
        self.collapsed = {r.index for r in self.waterfall.rows if r.has_children}
        self.cursor = 0
        self._relayout()

    def action_expand_all(self) -> None:
        """E: everything expanded."""
        self.collapsed = set()
        self._relayout()

    def action_next_error(self) -> None:
        """e: the next span marked as an error (expanding what hides it)."""
        spans = self.trace.spans
        order = [r.index for r in self.waterfall.rows]
        current = self.rows[self.cursor].index if self.rows else -1
        start = order.index(current) + 1 if current in order else 0
        for index in [*order[start:], *order[:start]]:
            if spans[index].is_error:
                parent = self.waterfall.parent_of[index]
                while parent is not None:
                    self.collapsed.discard(parent)
                    parent = self.waterfall.parent_of[parent]
                self._relayout()
                self._move(next(p for p, r in enumerate(self.rows) if r.index == index))
                return
        self.notify("no error spans in this trace", timeout=2)


def span_details(span: Span, trace: Trace) -> Table:
    """Everything about one span: timing, tags, events and the process."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    offset = format_micros(span.start_us - trace.start_us)
    table.add_row("span", Text(f"{sanitize(span.service)}: {sanitize(span.operation)}"))
    table.add_row("timing", Text(f"+{offset}, {format_micros(span.duration_us)}"))
    table.add_row("ids", Text(f"span {span.span_id} · parent {span.parent_id or '—'}"))
    for key, value in sorted(span.tags.items()):
        table.add_row(Text(f"tag {sanitize(key)}"), Text(sanitize(value)))
    for log in span.logs:
        stamp = format_micros(log.timestamp_us - trace.start_us)
        fields = " ".join(f"{sanitize(k)}={sanitize(v)}" for k, v in sorted(log.fields.items()))
        table.add_row(Text(f"event +{stamp}"), Text(fields))
    for key, value in sorted(span.process_tags.items()):
        table.add_row(Text(f"process {sanitize(key)}"), Text(sanitize(value)))
    for warning in span.warnings:
        table.add_row("warning", Text(sanitize(warning)))
    return table


class TraceScreen(Screen[None]):
    """One trace as a waterfall with the critical path in solid bars and the span's details below."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    TraceScreen #trace-title { height: auto; padding: 0 1; text-style: bold; }
    TraceScreen TraceView { height: 1fr; overflow-x: hidden; }
    TraceScreen #span-details { height: 12; border-top: solid $panel-lighten-2; padding: 0 1;
        overflow-y: auto; }
    """

    def __init__(self, trace: Trace, theme: ConsoleTheme) -> None:
        super().__init__()
        self.trace = trace
        self.console_theme = theme

    def compose(self) -> Any:
        trace = self.trace
        root = trace.root
        title = Text(f"trace {trace.trace_id} · ")
        if root is not None:
            title.append(f"{sanitize(root.service)}: {sanitize(root.operation)} · ")
        title.append(f"{format_micros(trace.duration_us)} · {len(trace.spans)} spans · ")
        title.append(
            f"{trace.error_count} errors",
            style=self.console_theme.style("crit" if trace.error_count else "ok"),
        )
        title.append(f" · {', '.join(sanitize(s) for s in trace.services)}")
        title.append("   █ critical path  ▒ other spans  ✖ error", style=self.console_theme.style("muted"))
        yield Static(title, id="trace-title")
        yield TraceView(trace, self.console_theme, id="waterfall")
        yield Static(id="span-details")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TraceView).focus()

    @on(TraceView.Moved)
    def _show_span(self, event: TraceView.Moved) -> None:
        self.query_one("#span-details", Static).update(span_details(event.span, self.trace))


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
            table: DataTable[Text] = DataTable(cursor_type="row", id="trace-results")
            yield table
        yield Footer()

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

    def show(self, traces: list[Trace], error: str = "") -> None:
        """Fill the results (or say why there are none)."""
        self.traces = traces
        table = self.query_one("#trace-results", DataTable)
        table.clear()
        theme = self.console_theme
        for index, trace in enumerate(traces):
            root = trace.root
            started = datetime.fromtimestamp(trace.start_us / 1e6, UTC).strftime("%H:%M:%S")
            table.add_row(
                Text(started),
                Text(f"{sanitize(root.service)}: {sanitize(root.operation)}" if root else "—"),
                Text(format_micros(trace.duration_us), justify="right"),
                Text(str(len(trace.spans)), justify="right"),
                Text(str(trace.error_count), style=theme.style("crit" if trace.error_count else "ok")),
                Text(", ".join(sanitize(s) for s in trace.services)),
                key=str(index),
            )
        status = error and Text(f"⚠ {error}", style=theme.style("crit"))
        self.query_one("#search-status", Static).update(
            status or Text(f"{len(traces)} traces, newest first · {self.search}")
        )

    @on(DataTable.RowSelected, "#trace-results")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if index < len(self.traces):
            self.post_message(self.TraceChosen(self.traces[index]))
