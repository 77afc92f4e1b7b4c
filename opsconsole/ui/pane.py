"""A pane of the main screen: a bordered table whose columns fit its width (the least important
hidden first, and named in the border), with its status and age in the border. The five panes
(``ui/panes.py``) each fill it from a slice of the :class:`Dashboard`; none does I/O."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.containers import Vertical
from textual.content import Content
from textual.events import Resize
from textual.geometry import Region
from textual.widget import Widget

from opsconsole.core.dashboard import Dashboard, PaneName, PaneStatus
from opsconsole.core.durations import format_duration
from opsconsole.core.short_names import short_name
from opsconsole.ui.column_fit import CELL_PADDING, ColumnFit, ColumnSpec, fit_columns
from opsconsole.ui.drawn import drawn_signature
from opsconsole.ui.pane_table import MoreRowsKey, NoticeRowKey, PaneTable, RowTarget, honesty, unique_keys
from opsconsole.ui.symbols import UNICODE, Symbols
from opsconsole.ui.themes import ConsoleTheme

TITLES: dict[PaneName, str] = {
    "health": "Agent health",
    "red": "RED",
    "alerts": "Active alerts",
    "slo": "SLO budgets",
    "logs": "Log tail",
}


class Pane(Vertical):
    """A bordered pane: title, freshness/error in the subtitle, a table of rows."""

    DEFAULT_CSS = """
    Pane { border: round $panel-lighten-2; height: 1fr; }
    Pane:focus-within { border: round $primary; }
    Pane.-error { border: round $error; }
    Pane > PaneTable { height: 1fr; background: $surface; }
    """

    name_: PaneName = "health"
    columns: tuple[str, ...] = ()
    # Column header -> (priority, shrink_to) for :func:`fit_columns`: priority 0 is never hidden,
    # higher goes first; shrink_to is how far long text may be cut with an ellipsis instead.
    priorities: ClassVar[dict[str, tuple[int, int | None]]] = {}
    other_priority = (3, None)  # columns a pack adds (health signals): after the named ones
    name_columns: ClassVar[frozenset[str]] = frozenset()  # cut in the middle: a pod's suffix tells it apart
    # Column header -> a shorter header for a column drawn narrower than its header.
    short_headers: ClassVar[dict[str, str]] = {}
    symbols: Symbols = UNICODE  # the console's choice (ASCII for a terminal that is not UTF-8)
    ALLOW_MAXIMIZE = True
    # Nobody reads ten thousand rows at 3 a.m.; drawing them costs a second per keystroke.
    # The worst rows come first, the rest are counted in a last row and reached by filtering.
    max_rows = 1000

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(id=f"pane-{self.name_}", classes="pane", **kwargs)
        self.border_title = TITLES[self.name_]
        self._border_texts: tuple[str, str | None] = (TITLES[self.name_], None)
        self.filter_text = ""
        self.refs: dict[str, RowTarget] = {}
        self._rows: list[tuple[str, RowTarget, list[Text]]] = []
        self._drawn: tuple[tuple[str, ...], ColumnFit, list[tuple[str, list[object]]]] | None = None
        self._subtitle = ""  # the status part of the border's subtitle; hidden columns follow
        self.fit = ColumnFit(tuple(range(len(self.columns))), (), ())
        # The rows, width and columns last fitted, and each column's widest cell since (_fit).
        self._widest: tuple[tuple[object, ...], list[int]] | None = None
        self.table = PaneTable(cursor_type="row", zebra_stripes=False, id=f"table-{self.name_}")

    def compose(self) -> Any:
        yield self.table

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self, event: Resize) -> None:
        """A new width may fit more or fewer columns."""
        self._draw()

    @property
    def focus_target(self) -> Widget:
        """The widget that takes the keys when this pane is active."""
        return self.table

    def set_columns(self, columns: tuple[str, ...]) -> None:
        """Replace the columns (packs differ in their health signals)."""
        self.columns = columns

    def column_specs(self) -> list[ColumnSpec]:
        """Every column with its priority (see :attr:`priorities`)."""
        return [ColumnSpec(label, *self.priorities.get(label, self.other_priority)) for label in self.columns]

    def _more_cell(self, more: int) -> Text:
        return Text(f"… {more:,} more rows not drawn: / to filter", style="italic")

    def _keep(self, row: list[Text]) -> bool:
        if not self.filter_text:
            return True
        needle = self.filter_text.lower()
        return any(needle in c.plain.lower() for c in row)

    def _keep_ref(self, ref: RowTarget) -> bool:
        """Whether the filter matches what the row stands for beyond what its cells show."""
        return False

    def fill(self, rows: list[tuple[str, RowTarget, list[Text]]], more: int = 0) -> None:
        """Replace the rows, keeping the cursor on the same row key when it still exists.

        Rows that look exactly as drawn already are left alone: over SSH, a refresh that changes
        nothing must write nothing to the terminal. At most ``max_rows`` rows are drawn; ``more``
        (rows the caller did not even build) and any cut here are summed up in a last row.
        """
        kept = unique_keys(
            [(key, ref, row) for key, ref, row in rows if self._keep(row) or self._keep_ref(ref)]
        )
        if len(kept) > self.max_rows:
            more += len(kept) - self.max_rows
            kept = kept[: self.max_rows]
        if more:
            kept.append(("more", MoreRowsKey(more), [self._more_cell(more)]))
        self._rows = kept
        self._draw()

    def _room(self) -> int | None:
        """Cells across for the table's columns, or None before the pane has a size (hidden tab)."""
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return None
        if len(self._rows) + 1 > height:  # the header row and the rows: a vertical scrollbar
            width -= self.table.styles.scrollbar_size_vertical
        return width

    def _fit(self) -> ColumnFit:
        specs = self.column_specs()
        room = self._room()
        if room is None:  # not on screen: keep the last fit, the next resize decides
            return self.fit if len(self.fit.shown) + len(self.fit.hidden) == len(specs) else _all(specs)
        if self._rows and all(key == "notice" for key, _, _ in self._rows):
            # A notice alone speaks across the pane, in the one column drawn (there is no row to
            # put in the others): cut to the first column's width it read "⚠ 0 …".
            return ColumnFit((0,), (max(room - CELL_PADDING, 1),), ())
        # A message row (a notice, "… more rows") speaks across the row: it does not size a column.
        measured = [row for key, _, row in self._rows if key not in ("more", "notice")]
        natural = [
            max([len(spec.label), *(row[i].cell_len for row in measured if i < len(row))])
            for i, spec in enumerate(specs)
        ]
        # Steady columns: while the same rows are drawn at the same width, a column is as wide as
        # its widest figure since they came, so "9.8/s" turning "10.2/s" and back does not move
        # the columns (each move rebuilds and repaints the table). Other rows, another width or
        # other columns start afresh.
        steady = (tuple(key for key, _, _ in self._rows), room, self.columns)
        if self._widest is not None and self._widest[0] == steady and len(self._widest[1]) == len(natural):
            natural = [max(now, before) for now, before in zip(natural, self._widest[1], strict=True)]
        self._widest = (steady, natural)
        return fit_columns(specs, natural, room)

    def _draw(self) -> None:
        """Put the rows into the table with the columns that fit, unless it shows them already.

        When the columns and the rows (their keys, in order) are as drawn, only the cells whose
        look changed are put in, and only their rows are repainted: a refresh of live data moves a
        few figures, and the rest of the table stays on screen as it is. Anything else (a row
        added, gone or moved, a column hidden or wider) rebuilds the table.
        """
        fit = self._fit()
        drawn = (
            self.columns,
            fit,
            [(key, [drawn_signature(cell) for cell in row]) for key, _, row in self._rows],
        )
        self.refs = {key: ref for key, ref, _ in self._rows}
        before = self._drawn
        if before is not None and self.table.row_count == len(before[2]) and drawn[:2] == before[:2]:
            if drawn[2] == before[2]:
                return
            if _same_shape(before[2], drawn[2]):
                self._drawn = drawn
                self._update_cells(fit, before[2], drawn[2])
                return
        if (
            before is not None
            and self.table.row_count == len(before[2])
            and drawn[0] == before[0]
            and _only_widths_differ(before[1], fit)
            and _same_shape(before[2], drawn[2])
        ):
            # Wider or narrower columns over the same rows: the cells go in again at the new
            # widths, without the rebuild's layout pass (see PaneTable.set_column_widths).
            self.fit = fit
            self._drawn = drawn
            self.table.set_column_widths(
                fit.widths, [(key, self._shown(row, fit)) for key, _, row in self._rows]
            )
            return
        table = self.table
        current = None
        if table.row_count and table.cursor_row < table.row_count:
            current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if before is None or drawn[:2] != before[:2]:
            self.fit = fit
            table.clear(columns=True)
            for index, width in zip(fit.shown, fit.widths or [None] * len(fit.shown), strict=True):
                table.add_column(self._header(self.columns[index], width), width=width)
            self._show_subtitle()
        else:
            table.clear()
        self._drawn = drawn
        for key, _, row in self._rows:
            table.add_row(*self._shown(row, fit), key=key)
        if current in self.refs:
            table.move_cursor(row=table.get_row_index(current), animate=False)

    def _header(self, label: str, width: int | None) -> Text:
        """A column's header for its width: its short form where the long one does not fit, else
        cut with an ellipsis as the cells are (cut bare, "Empty in (1h)" read "Empty in (")."""
        short = self.short_headers.get(label)
        if width is not None and len(label) > width and short is not None:
            label = short
        return Text(label, no_wrap=True, overflow="ellipsis")

    def _shown(self, row: list[Text], fit: ColumnFit) -> list[Text]:
        """A row's cells as the table draws them: the columns shown, each cut to its width."""
        widths = dict(zip(fit.shown, fit.widths, strict=False))
        return [
            _cut(row[i], widths.get(i), self.columns[i] in self.name_columns)
            for i in fit.shown
            if i < len(row)
        ]

    def _update_cells(
        self, fit: ColumnFit, before: list[tuple[str, list[object]]], after: list[tuple[str, list[object]]]
    ) -> None:
        """Put into the table the shown cells that look different from ``before``."""
        changed: list[tuple[str, int, Text]] = []
        for (key, old), (_, new), (_, _, row) in zip(before, after, self._rows, strict=True):
            if old == new:
                continue
            cut = self._shown(row, fit)
            shown = [i for i in fit.shown if i < len(row)]
            changed += [(key, at, cut[at]) for at, i in enumerate(shown) if old[i] != new[i]]
        self.table.update_cells(changed)

    def selected(self) -> RowTarget | None:
        """The row under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        ref = self.refs.get(key or "")
        return None if ref is None or isinstance(ref, MoreRowsKey) else ref

    def column_index(self, label: str) -> int | None:
        """Where the column ``label`` is in the table as drawn (None: hidden at this width)."""
        shown = [self.columns[i] for i in self.fit.shown]
        return shown.index(label) if label in shown else None

    def set_border(self, *, title: str | None = None, subtitle: str | None = None) -> None:
        """Change the border texts only when they differ (each change repaints the border).

        Set as ``Text``: a string would be read as markup, and a subtitle can quote a server.
        """
        if title is not None and title != self._border_texts[0]:
            self._border_texts = (title, self._border_texts[1])
            self.border_title = Text(title)
        if subtitle is not None:
            self._subtitle = subtitle
            self._show_subtitle()

    def _show_subtitle(self) -> None:
        """The status, then the columns this width hides: hidden, never silently."""
        note = self.fit.hidden_note()
        subtitle = f"{self._subtitle} · {note}" if note and self._subtitle else note or self._subtitle
        if subtitle != self._border_texts[1]:
            self._border_texts = (self._border_texts[0], subtitle)
            self._set_border_subtitle(Text(subtitle))

    def _set_border_subtitle(self, subtitle: Text) -> None:
        """The subtitle, repainting the bottom border line only.

        Textual's ``border_subtitle`` repaints the whole pane, every line of its border and the
        table's background under it: the log pane's subtitle counts lines, and changed with each
        line arriving. The row repainted is the one the subtitle is drawn on (Textual's own
        conversion of the text, then its private attribute; without it, the public way).
        """
        width, height = self.outer_size
        if not hasattr(self, "_border_subtitle") or not self.is_mounted or height < 1 or width < 1:
            self.border_subtitle = subtitle
            return
        self._border_subtitle = self.render_str(Content.from_rich_text(subtitle)).expand_tabs(4).split()[0]
        x, y = self.content_offset  # refresh() takes regions within the content; the border is outside
        self.refresh(Region(-x, height - 1 - y, width, 1))

    def status_text(self, status: PaneStatus, now: float, count: int, *more: PaneStatus) -> str:
        """Row count and data age, or the error with the age of the data kept; then what is empty
        or not shown as asked (``more``: statuses of other models drawn in this pane)."""
        age = status.age(now)
        if status.error:
            kept = f"showing data from {format_duration(age)} ago" if age is not None else "no data yet"
            text = f"⚠ {status.error[:90]} — {kept}"
        else:
            rows = f"{count} rows" if count else "no rows"
            text = f"{rows} · {format_duration(age) if age is not None else '…'}"
            if status.warnings:
                text += f" · △ {status.warnings[-1][:90]}"
        text += honesty(status, *more)
        return f"/{self.filter_text} · {text}" if self.filter_text else text

    def show_status(self, status: PaneStatus, now: float, count: int, *more: PaneStatus) -> None:
        """Subtitle: row count and data age, or the error with the age of the data kept."""
        self.set_class(bool(status.error), "-error")
        self.set_border(subtitle=self.status_text(status, now, count, *more))

    def _notice_row(self, status: PaneStatus, theme: ConsoleTheme) -> list[tuple[str, RowTarget, list[Text]]]:
        """A pane with nothing to show says why in its body too, where the eye is: every query
        empty, or else the first note (up series naming no row: the border cuts it short)."""
        text = status.emptiness() if status.all_empty else (status.notes[0] if status.notes else "")
        if not text or status.error:
            return []
        cell = Text(f"⚠ {text}", style=theme.style("warn"), no_wrap=True, overflow="ellipsis")
        return [("notice", NoticeRowKey(text), [cell, *(Text("") for _ in self.columns[1:])])]

    def render_dashboard(self, board: Dashboard, theme: ConsoleTheme) -> None:
        """Show ``board``'s slice for this pane."""
        raise NotImplementedError


def _same_shape(before: list[tuple[str, list[object]]], after: list[tuple[str, list[object]]]) -> bool:
    """Whether two drawings have the same rows (keys, in order) of the same number of cells."""
    return len(before) == len(after) and all(
        old_key == new_key and len(old) == len(new)
        for (old_key, old), (new_key, new) in zip(before, after, strict=True)
    )


def _only_widths_differ(before: ColumnFit, after: ColumnFit) -> bool:
    """Whether two fits show the same columns, each with a width, and differ in widths only."""
    return (
        before.shown == after.shown
        and before.hidden == after.hidden
        and len(before.widths) == len(after.widths) == len(after.shown)
        and before.widths != after.widths
    )


def _all(specs: list[ColumnSpec]) -> ColumnFit:
    """Every column at its natural width (before the pane has been given a size)."""
    return ColumnFit(tuple(range(len(specs))), (), ())


def _middle_cut(name: str, width: int) -> str:
    """A name cut to ``width`` in the middle; one already cut (``npa-deployment-…-x2k4p``) loses
    more of its head, keeping its one ellipsis and the tail that tells it apart."""
    head, mark, tail = name.partition("…")
    if mark and len(tail) + 2 <= width:
        return head[: width - len(tail) - 1] + mark + tail
    return short_name(name, width)


def _cut(cell: Text, width: int | None, middle: bool) -> Text:
    """A cell that ends in an ellipsis where its column is narrower (a name: cut in the middle,
    keeping the tail that tells pods apart); never wrapped."""
    if middle and width is not None and cell.cell_len > width:
        cell = Text(_middle_cut(cell.plain, width), style=cell.style)
    else:
        cell = cell.copy()  # the row as built stays as it was measured and compared
    cell.no_wrap = True
    cell.overflow = "ellipsis"
    return cell
