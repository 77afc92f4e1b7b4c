"""A log view over a :class:`LogBuffer` that renders only the lines on screen.

Built on Textual's line API: each visible line is drawn from the buffer when Textual asks for it,
so 50,000 lines scroll, filter and search as fast as 50. Log text is untrusted and already
sanitised; it is drawn as plain segments, never parsed as markup.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import UTC, datetime
from math import ceil
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

from opsconsole.core.dashboard import LogRow
from opsconsole.core.log_buffer import LogBuffer, LogFilter, matches
from opsconsole.core.log_parse import LEVEL_ORDER
from opsconsole.core.short_names import short_name
from opsconsole.ui.cells import LOG_LEVEL
from opsconsole.ui.themes import ConsoleTheme

LEVEL_CYCLE = ("", "debug", "info", "warn", "error")
ENTITY_WIDTH = 14
KEPT_STRIPS = 512  # drawn lines kept for the next frames: a tall view is some 100 lines


class SteadyScrollBar(ScrollBar):
    """A scrollbar that draws itself again only when its look changes.

    Following the tail, the view scrolls at each arrival and Textual repaints its scrollbar each
    time; with more than a few screens of lines the thumb is one cell, pinned at the bottom, and
    the repaint drew the same cells again (a few milliseconds a frame, a frame a second). The
    lines drawn last are given again while the look (size, thumb in eighths of a cell, colours,
    hover and grab) and the part asked for are the same.
    """

    _drawn: tuple[tuple[object, ...], list[Strip]] | None = None

    def _look(self) -> tuple[object, ...]:
        # The thumb as ScrollBarRender.render_bar places it: start and end in eighths of a cell.
        size = self.size.height if self.vertical else self.size.width
        virtual = ceil(self.window_virtual_size)
        window = ceil(self.window_size if self.window_size < self.window_virtual_size else 0)
        thumb: tuple[int, int] | None = None
        if window and size and virtual and size != virtual:
            steps = len(ScrollBarRender.VERTICAL_BARS if self.vertical else ScrollBarRender.HORIZONTAL_BARS)
            thumb_size = max(1, window / (virtual / size))
            start = int((size - thumb_size) * (self.position / (virtual - window)) * steps)
            thumb = (start, start + ceil(thumb_size * steps))
        parent = self.parent
        styles = parent.styles if parent is not None else self.styles
        return (
            self.size,
            thumb,
            self.mouse_over,
            bool(self.grabbed),
            styles.scrollbar_background,
            styles.scrollbar_color,
            styles.scrollbar_background_hover,
            styles.scrollbar_color_hover,
            styles.scrollbar_background_active,
            styles.scrollbar_color_active,
            parent.background_colors if isinstance(parent, Widget) else None,
            self.screen.styles.scrollbar_color.a == 0,
            self.renderer,
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines drawn last when they would be drawn the same, else drawn anew."""
        look = (self._look(), crop)
        if self._drawn is not None and self._drawn[0] == look:
            return self._drawn[1]
        strips = super().render_lines(crop)
        self._drawn = (look, strips)
        return strips


class LogView(ScrollView, can_focus=True):
    """Time, level, entity and message per line; a cursor line; follow, pause, filter, search."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "follow", "Follow", show=False),
        Binding("enter", "open", "Trace/fields", show=False),
        Binding("v,i", "fields", "Fields", show=False),
        Binding("n", "search_next(1)", "Next match", show=False),
        Binding("N", "search_next(-1)", "Prev match", show=False),
        Binding("L", "cycle_level", "Level filter", show=False),
        Binding("f", "line_filter", "LogQL filter", show=False),
    ]
    DEFAULT_CSS = """
    LogView { background: $surface; overflow-x: hidden; }
    """

    class Opened(Message):
        """Enter (``trace=True`` when the line has a trace id) or ``v`` on a line."""

        def __init__(self, view: LogView, row: LogRow, trace: bool) -> None:
            super().__init__()
            self.view = view
            self.row = row
            self.trace = trace

    class LineFilterRequested(Message):
        """``f``: the user wants to type a LogQL line filter for this view's tail."""

        def __init__(self, view: LogView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, buffer: LogBuffer, theme: ConsoleTheme, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.buffer = buffer
        self.console_theme = theme
        # Called when what the view's status line says changes (following, paused, filters):
        # the tails show it then, instead of looking four times a second (LogTails.wake).
        self.on_change: Callable[[], None] | None = None
        self._row_filter = LogFilter()
        self.search = ""
        self._follow = True
        self._paused = False
        self.cursor_seq: int | None = None
        self._paused_at = 0
        self._filtered: list[int] = []
        self._scanned = 0
        self._shown_upto = 0
        self.pending_top_seq: int | None = None  # scroll this line to the top once laid out
        self._strips: dict[tuple[object, ...], Strip] = {}  # lines drawn lately (render_line)
        self._strips_theme: ConsoleTheme | None = None
        self._frame_style: Style | None = None  # the view's own style, worked out once a frame

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar, created as Textual does (``Widget.vertical_scrollbar``) but
        repainting only when its look changes (:class:`SteadyScrollBar`)."""
        if self._vertical_scrollbar is None:
            bar = SteadyScrollBar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def on_mount(self) -> None:
        # A tail started with its screen may have news before the view was on screen, when there
        # was nowhere to show it: shown now.
        self._changed()

    @property
    def follow(self) -> bool:
        """Whether the view moves to each newest line."""
        return self._follow

    @follow.setter
    def follow(self, value: bool) -> None:
        if value != self._follow:
            self._follow = value
            self._changed()

    @property
    def paused(self) -> bool:
        """Whether the view stands still while lines arrive (they are counted)."""
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        if value != self._paused:
            self._paused = value
            self._changed()

    @property
    def row_filter(self) -> LogFilter:
        """Which rows are shown (levels and text)."""
        return self._row_filter

    @row_filter.setter
    def row_filter(self, value: LogFilter) -> None:
        if value != self._row_filter:
            self._row_filter = value
            self._changed()

    # -- what is visible ----------------------------------------------------------------------

    @property
    def upto(self) -> int:
        """The newest sequence number shown (frozen while paused)."""
        return self._paused_at if self.paused else self.buffer.last_seq

    @property
    def unseen(self) -> int:
        """Lines that arrived while paused (counted, not lost)."""
        return self.buffer.last_seq - self._paused_at if self.paused else 0

    def _visible_count(self) -> int:
        if self.row_filter.active:
            return len(self._filtered)
        first = self.buffer.first_seq
        return max(0, self.upto - first + 1)

    def _seq_at(self, index: int) -> int | None:
        if index < 0:
            return None
        if self.row_filter.active:
            return self._filtered[index] if index < len(self._filtered) else None
        seq = self.buffer.first_seq + index
        return seq if seq <= self.upto else None

    def _index_of(self, seq: int) -> int | None:
        if self.row_filter.active:
            position = bisect.bisect_left(self._filtered, seq)
            return position if position < len(self._filtered) and self._filtered[position] == seq else None
        if self.buffer.first_seq <= seq <= self.upto:
            return seq - self.buffer.first_seq
        return None

    def visible_rows(self) -> list[LogRow]:
        """Every row the view would show (for tests and copying), oldest first."""
        rows = []
        for index in range(self._visible_count()):
            seq = self._seq_at(index)
            row = self.buffer.get(seq) if seq is not None else None
            if row is not None:
                rows.append(row)
        return rows

    def _rescan(self) -> None:
        """Bring the filtered index up to date: drop evicted lines, add new ones that pass."""
        first = self.buffer.first_seq
        if self._filtered and self._filtered[0] < first:
            del self._filtered[: bisect.bisect_left(self._filtered, first)]
        start = max(self._scanned + 1, first)
        for seq in range(start, self.upto + 1):
            row = self.buffer.get(seq)
            if row is not None and self.row_filter.accepts(row):
                self._filtered.append(seq)
        self._scanned = max(self._scanned, self.upto)

    def sync(self) -> None:
        """Take in what the buffer received; follow the newest line unless paused or scrolled away."""
        if self.row_filter.active:
            self._rescan()
        count = self._visible_count()
        size = Size(self.scrollable_content_region.width, count)
        if size != self.virtual_size:
            # Growing by a few lines is not a layout change: a layout pass repaints every
            # scrollbar on the screen, which was the largest share of what a live console wrote to
            # the terminal. Textual still lays out when the scrollbar appears or goes.
            scroll_update = getattr(self, "_scroll_update", None)  # Textual's, not public API
            if scroll_update is None:
                self.virtual_size = size  # correct, only noisier
            else:
                self.set_reactive(LogView.virtual_size, size)
                scroll_update(size)
        if self.pending_top_seq is not None:
            self._apply_pending_top()
        elif self.follow and not self.paused and count:
            self.cursor_seq = self._seq_at(count - 1)
            bottom = max(0, count - self.size.height)
            if self.scroll_y != bottom:  # scrolling in place still repaints the scrollbar
                self.scroll_to(y=bottom, animate=False, immediate=True)
        if self._shown_upto != self.upto:
            self._shown_upto = self.upto
            self.refresh()

    def _apply_pending_top(self) -> None:
        """Scroll so the pending line is at the top, once the layout allows it."""
        index = self._index_of(self.pending_top_seq) if self.pending_top_seq is not None else None
        if index is None:
            self.pending_top_seq = None
            return
        if self.size.height and self.max_scroll_y >= min(index, self.virtual_size.height - self.size.height):
            self.scroll_to(y=index, animate=False, immediate=True)
            if self.scroll_y == min(index, self.max_scroll_y):
                self.pending_top_seq = None

    def set_filter(self, row_filter: LogFilter) -> None:
        """Show only rows passing ``row_filter`` (rebuilt from the whole buffer)."""
        self.row_filter = row_filter
        self._filtered, self._scanned = [], 0
        self.sync()
        self._keep_cursor_visible()
        self.refresh()

    def set_paused(self, paused: bool) -> None:
        """Pause (the view stops moving; new lines are counted) or resume following."""
        self.paused = paused
        if paused:
            self._paused_at = self.buffer.last_seq
        else:
            self.follow = True
        self.sync()
        self.refresh()

    # -- drawing ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines a frame asks for, the view's style worked out once for all of them.

        ``rich_style`` walks every ancestor's styles each time it is read, and each line read it
        once or twice: idle, the tail scrolls the view a frame a second, and that walk was a third
        of what drawing its lines cost."""
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        """One screen line, drawn from the buffer on demand."""
        style = self._frame_style if self._frame_style is not None else self.rich_style
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        seq = self._seq_at(index)
        row = self.buffer.get(seq) if seq is not None else None
        if row is None:
            return Strip.blank(width, style)
        # A line that arrives scrolls the view: every visible line is asked for again, and most
        # were drawn the frame before. A line's strip depends on these and on the theme only
        # (the row's own fields, not its number: a cleared buffer numbers its rows from 1 again).
        if self._strips_theme is not self.console_theme or len(self._strips) >= KEPT_STRIPS:
            self._strips_theme = self.console_theme
            self._strips.clear()
        selected = seq == self.cursor_seq
        focused = selected and self.has_focus
        key = (
            row.ts_ns,
            row.level,
            row.entity,
            row.message,
            width,
            selected,
            focused,
            self.search,
            style,
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = Strip(self._segments(row, width, style, selected=selected), width)
        return strip

    def _segments(self, row: LogRow, width: int, base: Style, *, selected: bool) -> list[Segment]:
        theme = self.console_theme
        if selected:
            base = base + Style(reverse=True, bold=self.has_focus)
        muted = base + theme.style("muted")
        stamp = datetime.fromtimestamp(row.ts_ns / 1e9, UTC).strftime("%H:%M:%S.%f")[:12]
        if row.level == "gap":
            text = set_cell_size(f"{stamp} {row.message}", width)
            return [Segment(text, muted + Style(italic=True))]
        level_name = LOG_LEVEL.get(row.level, "none" if row.level in ("debug", "trace") else "info")
        level = (row.level or "—").upper()[:5].ljust(5)
        entity = set_cell_size(short_name(row.entity or "—", ENTITY_WIDTH), ENTITY_WIDTH)
        segments = [
            Segment(stamp + " ", muted),
            Segment(level + " ", base + theme.style(level_name)),
            Segment(entity + " ", base),
        ]
        used = cell_len(stamp) + 1 + 6 + ENTITY_WIDTH + 1
        message_style = base + theme.style("crit") if level_name == "crit" else base
        segments += self._highlighted(set_cell_size(row.message, max(0, width - used)), message_style)
        return segments

    def _highlighted(self, text: str, style: Style) -> list[Segment]:
        if not self.search:
            return [Segment(text, style)]
        out, folded, needle, position = [], text.casefold(), self.search.casefold(), 0
        while needle and (found := folded.find(needle, position)) >= 0:
            out.append(Segment(text[position:found], style))
            out.append(Segment(text[found : found + len(needle)], style + Style(reverse=True, bold=True)))
            position = found + len(needle)
        out.append(Segment(text[position:], style))
        return out

    # -- cursor and keys ----------------------------------------------------------------------

    def _cursor_index(self) -> int | None:
        return self._index_of(self.cursor_seq) if self.cursor_seq is not None else None

    def _move_to(self, index: int) -> None:
        count = self._visible_count()
        if not count:
            return
        index = max(0, min(count - 1, index))
        self.cursor_seq = self._seq_at(index)
        self.follow = index == count - 1 and not self.paused
        self._keep_cursor_visible()
        self.refresh()

    def _keep_cursor_visible(self) -> None:
        index = self._cursor_index()
        if index is None:
            return
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor line."""
        index = self._cursor_index()
        self._move_to((self._visible_count() - 1 if index is None else index) + delta)

    def action_cursor_page(self, pages: int) -> None:
        """Move a screenful."""
        self.action_cursor(pages * max(1, self.size.height - 1))

    def action_top(self) -> None:
        """The oldest line held (stops following)."""
        self._move_to(0)
        self.follow = False

    def action_follow(self) -> None:
        """The newest line, and follow from now on."""
        if self.paused:
            self.set_paused(False)
        self.follow = True
        self._move_to(self._visible_count() - 1)

    def jump_to_time(self, ts_ns: int) -> bool:
        """Cursor on the first line at or after ``ts_ns`` with a third of a screen of lead-up
        above it; following stops. False when every line is older."""
        count = self._visible_count()
        for index in range(count):
            seq = self._seq_at(index)
            row = self.buffer.get(seq) if seq is not None else None
            if row is not None and row.ts_ns >= ts_ns:
                self.follow = False
                self.cursor_seq = seq
                # Scrolled by sync() once laid out: lines just taken in are not scrollable before.
                self.pending_top_seq = self._seq_at(max(0, index - max(1, self.size.height) // 3))
                self.sync()
                self.refresh()
                return True
        return False

    def selected(self) -> LogRow | None:
        """The row under the cursor."""
        return self.buffer.get(self.cursor_seq) if self.cursor_seq is not None else None

    def action_open(self) -> None:
        """Enter: the line's trace when it has one, else all its fields."""
        row = self.selected()
        if row is not None:
            self.post_message(self.Opened(self, row, trace=bool(row.trace_id)))

    def action_fields(self) -> None:
        """v: every field of the line."""
        row = self.selected()
        if row is not None:
            self.post_message(self.Opened(self, row, trace=False))

    def start_search(self, text: str) -> bool:
        """Highlight ``text`` and jump to its newest match at or before the cursor."""
        self.search = text
        self.refresh()
        return not text or self.action_search_next(-1, inclusive=True)

    def action_search_next(self, direction: int, inclusive: bool = False) -> bool:
        """n / N: the next (older with -1, newer with 1) line matching the search."""
        if not self.search:
            return False
        count = self._visible_count()
        index = self._cursor_index()
        index = count - 1 if index is None else index
        step = 1 if direction > 0 else -1
        candidates = range(index if inclusive else index + step, count if step > 0 else -1, step)
        for candidate in candidates:
            seq = self._seq_at(candidate)
            row = self.buffer.get(seq) if seq is not None else None
            if row is not None and matches(row, self.search):
                self._move_to(candidate)
                self.follow = False
                return True
        self.notify(f"no {'newer' if step > 0 else 'older'} line matches {self.search!r}", timeout=2)
        return False

    def action_cycle_level(self) -> None:
        """L: show all levels, then debug and up, info and up, warn and up, error and up."""
        current = self.row_filter.min_level
        following = LEVEL_CYCLE[(LEVEL_CYCLE.index(current) + 1) % len(LEVEL_CYCLE)]
        self.set_filter(LogFilter(min_level=following, text=self.row_filter.text))
        self.notify(f"levels: {following + ' and above' if following else 'all'}", timeout=2)

    def action_line_filter(self) -> None:
        """f: type a LogQL line filter (the tail restarts with it)."""
        self.post_message(self.LineFilterRequested(self))

    def describe_filters(self) -> str:
        """Active level filter and search, for the border."""
        parts = []
        if self.row_filter.min_level:
            parts.append(f"≥{self.row_filter.min_level}")
        if self.search:
            parts.append(f"/{self.search}")
        return " ".join(parts)


__all__ = ["LEVEL_ORDER", "LogView"]
