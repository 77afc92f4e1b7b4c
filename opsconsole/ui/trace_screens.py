"""Traces: a waterfall of one trace (critical path, collapse, span details) and a trace search.

Span names, tags and log fields come from the traced services: untrusted, sanitised, plain text.
The waterfall draws only the lines on screen, so a 5,000-span trace scrolls like a short one.
Broken traces are drawn whole: what was repaired is marked ⚠ on the span and said under the title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from opsconsole.backends.jaeger_models import CHILD_OF, Span, SpanReference, Trace
from opsconsole.core.trace_layout import Waterfall, WaterfallRow, build_waterfall
from opsconsole.core.trace_navigation import WaterfallCursor
from opsconsole.core.untrusted_text import sanitize
from opsconsole.core.value_format import format_micros
from opsconsole.ui.themes import ConsoleTheme


class TraceView(ScrollView, can_focus=True):
    """The waterfall: one line per visible span, drawn on demand.

    The keys are :class:`~opsconsole.core.trace_navigation.WaterfallCursor`'s; this widget draws
    its rows and keeps the cursor on screen.
    """

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
        Binding("enter", "references", "References"),
        Binding("w", "warnings", "Warnings"),
    ]

    class Moved(Message):
        """The cursor is on another span (``index``: its position in the trace's spans)."""

        def __init__(self, span: Span, index: int) -> None:
            super().__init__()
            self.span = span
            self.index = index

    class ReferencesWanted(Message):
        """Enter: the span's references should take the keys."""

    class WarningsWanted(Message):
        """w: every warning about the trace should be shown."""

    def __init__(self, trace: Trace, theme: ConsoleTheme, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trace = trace
        self.console_theme = theme
        self.waterfall: Waterfall = build_waterfall(trace.spans, trace.forest)
        self.nav = WaterfallCursor(self.waterfall)

    @property
    def rows(self) -> list[WaterfallRow]:
        """The visible rows."""
        return self.nav.rows

    @property
    def cursor(self) -> int:
        """The cursor's position among the visible rows."""
        return self.nav.cursor

    @cursor.setter
    def cursor(self, position: int) -> None:
        self.nav.move_to(position)
        self._follow_cursor()

    @property
    def collapsed(self) -> set[int]:
        """Spans (input indexes) whose children are hidden."""
        return self.nav.collapsed

    def on_mount(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.nav.rows))
        self._follow_cursor()

    def _follow_cursor(self) -> None:
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if self.nav.cursor < top:
            self.scroll_to(y=self.nav.cursor, animate=False, immediate=True)
        elif self.nav.cursor >= top + height:
            self.scroll_to(y=self.nav.cursor - height + 1, animate=False, immediate=True)
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        row = self.nav.current
        if row is not None:
            self.post_message(self.Moved(self.trace.spans[row.index], row.index))

    def render_line(self, y: int) -> Strip:
        """One span: tree label and duration on the left, its bar on the timeline on the right."""
        width = self.scrollable_content_region.width
        position = self.scroll_offset.y + y
        if position >= len(self.nav.rows):
            return Strip.blank(width, self.rich_style)
        row = self.nav.rows[position]
        span = self.trace.spans[row.index]
        theme = self.console_theme
        waterfall = self.waterfall
        base = self.rich_style + (Style(reverse=True) if position == self.nav.cursor else Style())
        # Two fifths of the width, but half of a narrow screen: at 80 columns names need the room.
        label_width = min(80, max(34, width * 2 // 5, min(width // 2, 48)))
        marker = ("▸ " if row.index in self.nav.collapsed else "▾ ") if row.has_children else "  "
        flawed = "⚠ " if waterfall.marks.get(row.index) or span.notes else ""
        error = "✖ " if span.is_error else ""
        name = f"{sanitize(span.service)}: {sanitize(span.operation) or '(no name)'}"
        start_us = waterfall.starts[row.index]
        repaired = any(m.kind == "no_start" for m in waterfall.marks.get(row.index, ()))
        offset = ("≈+" if repaired else "+") + format_micros(start_us - waterfall.start_us)
        timing = offset.rjust(9) + " " + format_micros(max(0, span.duration_us)).rjust(8)
        indent = "  " * min(row.depth, 20)
        label_style = base + (theme.style("crit") if span.is_error else Style(bold=row.critical))
        room = label_width - 19
        head = f"{indent}{marker}"[:room]
        rest = set_cell_size(f"{flawed}{error}{name}", room - len(head))
        bar_width = max(1, width - label_width - 1)
        total = max(1, waterfall.duration_us)
        start = (start_us - waterfall.start_us) * bar_width // total
        length = max(1, max(0, span.duration_us) * bar_width // total)
        start = max(0, min(start, bar_width - 1))
        length = min(length, bar_width - start)
        bar_style = theme.style("crit" if span.is_error else "info" if row.critical else "muted")
        bar_char = "█" if row.critical else "▒"
        flaw_style = label_style + theme.style("warn") if flawed and not span.is_error else label_style
        return Strip(
            [
                Segment(head, label_style),
                Segment(rest, flaw_style),
                Segment(" " + timing + " ", label_style),
                Segment(" " * start, base),
                Segment(bar_char * length, base + bar_style),
                Segment(" " * (bar_width - start - length + 1), base),
            ],
            width,
        ).crop(0, width)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor."""
        self.nav.move(delta)
        self._follow_cursor()

    def action_toggle_span(self) -> None:
        """space: collapse or expand the span under the cursor."""
        if self.nav.toggle():
            self._relayout()

    def action_collapse(self) -> None:
        """left: collapse this span, or go to its parent."""
        self.nav.collapse_or_parent()
        self._relayout()

    def action_expand(self) -> None:
        """right: expand this span."""
        self.nav.expand()
        self._relayout()

    def action_collapse_all(self) -> None:
        """C: every span with children collapsed (the roots stay)."""
        self.nav.collapse_all()
        self._relayout()

    def action_expand_all(self) -> None:
        """E: everything expanded."""
        self.nav.expand_all()
        self._relayout()

    def action_next_error(self) -> None:
        """e: the next span marked as an error (expanding what hides it)."""
        spans = self.trace.spans
        if self.nav.next_matching(lambda index: spans[index].is_error) is None:
            self.notify("no error spans in this trace", timeout=2)
            return
        self._relayout()

    def show_span(self, index: int) -> None:
        """Put the cursor on span ``index`` (input order), expanding what hides it."""
        self.nav.reveal(index)
        self._relayout()

    def action_references(self) -> None:
        """enter: the span's references (Enter on one goes there)."""
        self.post_message(self.ReferencesWanted())

    def action_warnings(self) -> None:
        """w: every warning about this trace, below."""
        self.post_message(self.WarningsWanted())


@dataclass(frozen=True)
class ReferenceTarget:
    """Where a line of the references list leads: a span of this trace, or another trace."""

    trace_id: str
    span_id: str
    index: int | None  # the span in this trace, when it is here


@dataclass(frozen=True)
class ReferenceIndex:
    """Built once per trace, so moving the cursor over a 10,000-span trace stays cheap: where each
    span id is, and which spans reference it other than as their parent."""

    first_with: dict[str, int]
    incoming: dict[str, list[tuple[int, SpanReference]]]

    @classmethod
    def of(cls, trace: Trace) -> ReferenceIndex:
        """Index ``trace``."""
        first_with: dict[str, int] = {}
        incoming: dict[str, list[tuple[int, SpanReference]]] = {}
        for index, span in enumerate(trace.spans):
            first_with.setdefault(span.span_id, index)
            for ref in span.references:
                if ref.trace_id != span.trace_id:
                    continue
                if ref.span_id == span.parent_id and ref.ref_type == CHILD_OF:
                    continue  # a plain child: the tree shows it
                incoming.setdefault(ref.span_id, []).append((index, ref))
        return cls(first_with, incoming)


def span_references(
    span: Span, trace: Trace, index: ReferenceIndex | None = None
) -> list[tuple[Text, ReferenceTarget]]:
    """The span's references (→, as sent) and the spans that reference it other than as their
    parent (←), each with where Enter leads."""
    index = index or ReferenceIndex.of(trace)

    def describe(span_id: str) -> str:
        position = index.first_with.get(span_id)
        if position is None:
            return f"span {span_id} (not in this trace)"
        target = trace.spans[position]
        return f"{sanitize(target.service)}: {sanitize(target.operation) or '(no name)'} ({span_id})"

    out: list[tuple[Text, ReferenceTarget]] = []
    for ref in span.references:
        attributes = ", ".join(f"{sanitize(k)}={sanitize(v)}" for k, v in sorted(ref.attributes.items()))
        extra = f" {{{attributes}}}" if attributes else ""
        role = " · parent" if ref.span_id == span.parent_id and ref.trace_id == span.trace_id else ""
        if ref.trace_id != trace.trace_id:
            text = f"→ {ref.ref_type} trace {ref.trace_id} span {ref.span_id} (another trace){extra}"
            out.append((Text(text), ReferenceTarget(ref.trace_id, ref.span_id, None)))
            continue
        text = f"→ {ref.ref_type} {describe(ref.span_id)}{role}{extra}"
        out.append(
            (Text(text), ReferenceTarget(ref.trace_id, ref.span_id, index.first_with.get(ref.span_id)))
        )
    if span.trace_id == trace.trace_id:
        for position, ref in index.incoming.get(span.span_id, []):
            other = trace.spans[position]
            if other is span:
                continue
            text = f"← {ref.ref_type} from {describe(other.span_id)}"
            out.append((Text(text), ReferenceTarget(trace.trace_id, other.span_id, position)))
    return out


def span_details(span: Span, trace: Trace, waterfall: Waterfall, index: int) -> Table:
    """Everything about span ``index``: timing, ids, what was repaired, tags, events, process."""
    marks = waterfall.marks.get(index, ())
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    start = waterfall.starts[index]
    offset = format_micros(start - waterfall.start_us)
    if any(m.kind == "no_start" for m in marks):
        offset = f"≈+{offset} (no start time: estimated)"
    else:
        offset = f"+{offset}"
    table.add_row("span", Text(f"{sanitize(span.service)}: {sanitize(span.operation) or '(no name)'}"))
    table.add_row("timing", Text(f"{offset}, {format_micros(max(0, span.duration_us))}"))
    parent = span.parent_id or "—"
    if any(m.kind == "orphan" for m in marks):
        parent += " (not in this trace)"
    elif any(m.kind in ("cycle", "self_parent") for m in marks):
        parent += " (ignored: a parent cycle)"
    table.add_row("ids", Text(f"span {span.span_id} · parent {parent}"))
    for mark in marks:
        table.add_row(Text("⚠ repaired"), Text(mark.text))
    for note in span.notes:
        table.add_row(Text("⚠ data"), Text(sanitize(note)))
    for warning in span.warnings:
        table.add_row("warning", Text(sanitize(warning)))
    for key, value in sorted(span.tags.items()):
        table.add_row(Text(f"tag {sanitize(key)}"), Text(sanitize(value)))
    for log in span.logs:
        stamp = (
            f"+{format_micros(log.timestamp_us - waterfall.start_us)}"
            if log.timestamp_us > 0
            else "(no time)"
        )
        fields = " ".join(f"{sanitize(k)}={sanitize(v)}" for k, v in sorted(log.fields.items()))
        table.add_row(Text(f"event {stamp}"), Text(fields))
    for key, value in sorted(span.process_tags.items()):
        table.add_row(Text(f"process {sanitize(key)}"), Text(sanitize(value)))
    return table


def trace_warnings(trace: Trace) -> Table:
    """Every warning about the trace: Jaeger's own, then what the console read or repaired."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for problem in trace.problems:
        table.add_row("⚠", Text(sanitize(problem)))
    if not trace.problems:
        table.add_row("", Text("no warnings about this trace"))
    return table


class ReferenceList(OptionList):
    """The selected span's references; Enter follows one, Esc goes back to the waterfall."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Waterfall")]

    def action_back(self) -> None:
        """Esc: back to the waterfall."""
        self.screen.query_one(TraceView).focus()


class TraceScreen(Screen[None]):
    """One trace as a waterfall with the critical path in solid bars and the span's details below.

    What is wrong with the trace (Jaeger's warnings, data the console had to repair) is said
    under the title; ``w`` lists all of it. Enter on a span focuses its references; Enter on one
    opens that span, or that trace when it is another one.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    TraceScreen #trace-title { height: auto; padding: 0 1; text-style: bold; }
    TraceScreen #trace-problems { height: auto; max-height: 3; padding: 0 1; text-wrap: nowrap;
        text-overflow: ellipsis; }
    TraceScreen #trace-problems.-none { display: none; }
    TraceScreen TraceView { height: 1fr; overflow-x: hidden; }
    TraceScreen #span-panel { height: 35%; min-height: 6; max-height: 14;
        border-top: solid $panel-lighten-2; }
    TraceScreen #span-refs { height: auto; max-height: 4; border: none; padding: 0 1; }
    TraceScreen #span-refs.-none { display: none; }
    TraceScreen #span-details { height: 1fr; padding: 0 1; overflow-y: auto; }
    """

    class TraceRequested(Message):
        """Enter on a reference to a span of another trace."""

        def __init__(self, trace_id: str, span_id: str) -> None:
            super().__init__()
            self.trace_id = trace_id
            self.span_id = span_id

    def __init__(self, trace: Trace, theme: ConsoleTheme, focus_span: str | None = None) -> None:
        super().__init__()
        self.trace = trace
        self.console_theme = theme
        self.focus_span = focus_span
        self.targets: list[ReferenceTarget] = []
        self.reference_index = ReferenceIndex.of(trace)

    def compose(self) -> Any:
        trace = self.trace
        root = trace.root
        title = Text(f"trace {trace.trace_id} · ")
        if root is not None:
            title.append(f"{sanitize(root.service)}: {sanitize(root.operation) or '(no name)'} · ")
        title.append(f"{format_micros(trace.duration_us)} · {len(trace.spans)} spans · ")
        title.append(
            f"{trace.error_count} errors",
            style=self.console_theme.style("crit" if trace.error_count else "ok"),
        )
        title.append(f" · {', '.join(sanitize(s) for s in trace.services)}")
        title.append("   █ critical path  ▒ other spans  ✖ error", style=self.console_theme.style("muted"))
        yield Static(title, id="trace-title")
        yield Static(self._problems_line(), id="trace-problems", classes="" if trace.problems else "-none")
        yield TraceView(trace, self.console_theme, id="waterfall")
        with Vertical(id="span-panel"):
            yield ReferenceList(id="span-refs", classes="-none")
            yield Static(id="span-details")
        yield Footer()

    def _problems_line(self) -> Text:
        """Up to two problems, one line each, and how many more (``w`` lists them all)."""
        problems = self.trace.problems
        shown = problems if len(problems) <= 3 else problems[:2]
        lines = [f"⚠ {sanitize(problem)}" for problem in shown]
        if len(problems) > len(shown):
            lines.append(f"⚠ … and {len(problems) - len(shown)} more (w lists them all)")
        return Text(
            "\n".join(lines), style=self.console_theme.style("warn"), no_wrap=True, overflow="ellipsis"
        )

    def on_mount(self) -> None:
        view = self.query_one(TraceView)
        view.focus()
        if self.focus_span:
            index = next((i for i, s in enumerate(self.trace.spans) if s.span_id == self.focus_span), None)
            if index is not None:
                view.show_span(index)

    @on(TraceView.Moved)
    def _show_span(self, event: TraceView.Moved) -> None:
        view = self.query_one(TraceView)
        details = span_details(event.span, self.trace, view.waterfall, event.index)
        self.query_one("#span-details", Static).update(details)
        references = span_references(event.span, self.trace, self.reference_index)
        self.targets = [target for _, target in references]
        refs = self.query_one("#span-refs", ReferenceList)
        refs.clear_options()
        refs.add_options([Option(text) for text, _ in references])
        refs.set_class(not references, "-none")

    @on(TraceView.ReferencesWanted)
    def _focus_references(self) -> None:
        refs = self.query_one("#span-refs", ReferenceList)
        if not self.targets:
            self.notify("this span has no references", timeout=2)
            return
        refs.highlighted = 0
        refs.focus()

    @on(TraceView.WarningsWanted)
    def _show_warnings(self) -> None:
        self.query_one("#span-details", Static).update(trace_warnings(self.trace))

    @on(OptionList.OptionSelected, "#span-refs")
    def _follow(self, event: OptionList.OptionSelected) -> None:
        target = self.targets[event.option_index] if event.option_index < len(self.targets) else None
        if target is None:
            return
        view = self.query_one(TraceView)
        if target.trace_id != self.trace.trace_id:
            self.post_message(self.TraceRequested(target.trace_id, target.span_id))
        elif target.index is None:
            self.notify(f"span {target.span_id} is not in this trace", severity="warning", timeout=3)
        else:
            view.focus()
            view.show_span(target.index)


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

    def show(self, traces: list[Trace], error: str = "", warnings: Sequence[str] = ()) -> None:
        """Fill the results (or say why there are none, or what Jaeger's answer left out)."""
        self.traces = traces
        table = self.query_one("#trace-results", DataTable)
        table.clear()
        theme = self.console_theme
        for index, trace in enumerate(traces):
            root = trace.root
            started = datetime.fromtimestamp(trace.start_us / 1e6, UTC).strftime("%H:%M:%S")
            table.add_row(
                Text(started),
                Text(
                    ("⚠ " if trace.problems else "")
                    + (f"{sanitize(root.service)}: {sanitize(root.operation)}" if root else "—")
                ),
                Text(format_micros(trace.duration_us), justify="right"),
                Text(str(len(trace.spans)), justify="right"),
                Text(str(trace.error_count), style=theme.style("crit" if trace.error_count else "ok")),
                Text(", ".join(sanitize(s) for s in trace.services)),
                key=str(index),
            )
        status = error and Text(f"⚠ {error}", style=theme.style("crit"))
        if not status:
            status = Text(f"{len(traces)} traces, newest first · {self.search}")
            for warning in warnings:
                status.append(f" · △ Jaeger: {sanitize(warning)}", style=theme.style("warn"))
        self.query_one("#search-status", Static).update(status)

    @on(DataTable.RowSelected, "#trace-results")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if index < len(self.traces):
            self.post_message(self.TraceChosen(self.traces[index]))
