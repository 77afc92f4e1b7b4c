"""Traces: a waterfall of one trace (critical path, collapse, span details) and a trace search.

Span names, tags and log fields come from the traced services: the models made them terminal-safe
(backends/jaeger_models), and they are drawn as plain text, never markup.
The waterfall draws only the lines on screen, so a 5,000-span trace scrolls like a short one.
Broken traces are drawn whole: what was repaired is marked ⚠ on the span and said under the title.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from opsconsole.backends.jaeger_models import Span, Trace
from opsconsole.core.trace_layout import Waterfall, WaterfallRow, build_waterfall
from opsconsole.core.trace_navigation import WaterfallCursor
from opsconsole.core.value_format import format_micros
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.themes import ConsoleTheme
from opsconsole.ui.trace_details import (
    ReferenceIndex,
    ReferenceTarget,
    span_details,
    span_references,
    trace_warnings,
)


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
        name = f"{span.service}: {span.operation or '(no name)'}"
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
            title.append(f"{root.service}: {root.operation or '(no name)'} · ")
        title.append(f"{format_micros(trace.duration_us)} · {len(trace.spans)} spans · ")
        title.append(
            f"{trace.error_count} errors",
            style=self.console_theme.style("crit" if trace.error_count else "ok"),
        )
        title.append(f" · {', '.join(s for s in trace.services)}")
        title.append("   █ critical path  ▒ other spans  ✖ error", style=self.console_theme.style("muted"))
        yield Static(title, id="trace-title")
        yield Static(self._problems_line(), id="trace-problems", classes="" if trace.problems else "-none")
        yield TraceView(trace, self.console_theme, id="waterfall")
        with Vertical(id="span-panel"):
            yield ReferenceList(id="span-refs", classes="-none")
            yield Static(id="span-details")
        yield KeyFooter()

    def _problems_line(self) -> Text:
        """Up to two problems, one line each, and how many more (``w`` lists them all)."""
        problems = self.trace.problems
        shown = problems if len(problems) <= 3 else problems[:2]
        lines = [f"⚠ {problem}" for problem in shown]
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
