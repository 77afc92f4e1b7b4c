"""A pane's table and its rows: what a row stands for (one small frozen class per kind of row, so
the flows dispatch on its type and mypy checks each field), keys kept unique, the border's note on
empty queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.widgets import DataTable

from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    HealthRow,
    LogRow,
    PaneStatus,
    RedRow,
    SaturationRow,
    SloRow,
)


@dataclass(frozen=True)
class PaneRow:
    """What a table row stands for, so Enter and the row keys know what they act on."""


@dataclass(frozen=True)
class AgentRowKey(PaneRow):
    """A health row: one agent instance (or entity)."""

    row: HealthRow


@dataclass(frozen=True)
class ResourceRowKey(PaneRow):
    """A shared resource's saturation among the health rows."""

    row: SaturationRow


@dataclass(frozen=True)
class RedRowKey(PaneRow):
    """A RED row: one service or route of a group."""

    row: RedRow


@dataclass(frozen=True)
class AlertRowKey(PaneRow):
    """One alert."""

    alert: AlertView


@dataclass(frozen=True)
class AlertGroupRowKey(PaneRow):
    """The header row of a group of two or more alerts."""

    group: AlertGroupView


@dataclass(frozen=True)
class SloRowKey(PaneRow):
    """One SLO."""

    slo: SloRow


@dataclass(frozen=True)
class LogLineKey(PaneRow):
    """A line of the live tail."""

    line: LogRow


@dataclass(frozen=True)
class NoticeRowKey(PaneRow):
    """The row that says why a pane is empty."""

    text: str


@dataclass(frozen=True)
class MoreRowsKey(PaneRow):
    """The last row, counting the rows not drawn."""

    count: int


RowTarget = (
    AgentRowKey
    | ResourceRowKey
    | RedRowKey
    | AlertRowKey
    | AlertGroupRowKey
    | SloRowKey
    | LogLineKey
    | NoticeRowKey
    | MoreRowsKey
)
"""Every kind of row a pane draws: ``match`` on it (mypy checks the cases)."""


def honesty(*statuses: PaneStatus) -> str:
    """`` · 2 of 7 queries empty (…)`` and the first note, for a pane's border."""
    parts = [s.emptiness() for s in statuses if s.emptiness() and not s.error]
    notes = [n for s in statuses for n in s.notes]
    if notes:
        parts.append(f"⚠ {notes[0]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""))
    return "".join(f" · {p}" for p in parts)


def unique_keys(
    rows: list[tuple[str, RowTarget, list[Text]]],
) -> list[tuple[str, RowTarget, list[Text]]]:
    """Rows with keys made unique: two rows may end up with one key (label values that differ only
    in control characters clean to the same text), and a table refuses a key twice. Both rows stay."""
    seen: dict[str, int] = {}
    out = []
    for key, ref, row in rows:
        count = seen.get(key, 0)
        seen[key] = count + 1
        out.append((key if not count else f"{key}\x1f#{count}", ref, row))
    return out


class PaneTable(DataTable[Text]):
    """A table with vim keys on top of the arrows, whose cells can change without repainting the
    rest of it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    _repaint_rows_only = False

    def update_cells(self, cells: Iterable[tuple[str, int, Text]]) -> None:
        """Put new values into cells (row key, column position, value) and repaint only their rows.

        ``DataTable.update_cell`` repaints the whole table for each cell: on the live demo a refresh
        changes a few figures per pane, and repainting whole tables every few seconds was most of
        what the idle console drew. The values go in through ``update_cell``; the whole-table
        repaint it asks for is left out, and the rows that changed are repainted instead. The
        caller keeps the column widths (a cell wider than its column is cut like any other).

        The table's render caches are keyed by a count of updates: after an update no entry made
        before it can be used again, yet each stays until newer ones push it out (up to 10,000
        cells and 1,000 rows and lines a table). They are emptied here, as ``clear`` empties them,
        so no stale rendering is kept. The widget's own cache of drawn lines is kept (``clear``
        empties that too): the screen asks the table for all its lines at each frame, and those
        not repainted here come from that cache; emptied, the whole table was rendered again.
        """
        rows: set[int] = set()
        self._repaint_rows_only = True
        try:
            for key, column, value in cells:
                row = self.get_row_index(key)
                self.update_cell_at(Coordinate(row, column), value)
                rows.add(row)
        finally:
            self._repaint_rows_only = False
        if rows:
            for cache in (self._row_render_cache, self._cell_render_cache, self._line_cache):
                cache.clear()
            self._row_renderable_cache.clear()
        for row in sorted(rows):
            self.refresh_row(row)

    def set_column_widths(self, widths: Sequence[int], rows: Iterable[tuple[str, list[Text]]]) -> None:
        """Give the columns new widths and put every row's cells (cut to them) in again, keeping
        the rows: what a rebuild (``clear``, ``add_row``) draws, without its layout pass.

        A rebuild sets the table's virtual size afresh, and a new virtual size lays the whole
        screen out and repaints every widget on it (some 60 ms on the idle console, where RED's
        columns widen now and then as its figures and sparklines grow). The table's place and
        height do not depend on its columns' widths: the new width is set as Textual's own
        scrolling sets it, and a scrollbar appearing or going still lays the screen out.
        """
        for column, width in zip(self.ordered_columns, widths, strict=True):
            column.width = width
        keys = [column.key for column in self.ordered_columns]
        self._repaint_rows_only = True
        try:
            for row_key, cells in rows:
                for column_key, value in zip(keys, cells, strict=False):
                    self.update_cell(row_key, column_key, value)
        finally:
            self._repaint_rows_only = False
        self._clear_caches()
        size = Size(
            sum(column.get_render_width(self) for column in self.ordered_columns)
            + self._row_label_column_width,
            self.virtual_size.height,
        )
        scroll_update = getattr(self, "_scroll_update", None)  # Textual's, not public API
        if size != self.virtual_size and scroll_update is not None:
            self.set_reactive(DataTable.virtual_size, size)
            scroll_update(size)
        elif size != self.virtual_size:
            self.virtual_size = size  # correct, only noisier
        self.refresh()

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        """As ``Widget.refresh``, but within :meth:`update_cells` a repaint of the whole table is
        left to the rows it names."""
        if self._repaint_rows_only and not regions and not layout and not recompose:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
