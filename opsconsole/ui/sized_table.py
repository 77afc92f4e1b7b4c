"""A DataTable that redraws its rows when its columns widen.

Textual's DataTable widens auto-width columns when it next goes idle, and caches each row's
rendering under a key that holds no column width. A row drawn in between (a starved process paints
before the table's idle) stays cut to the headers' widths until something else touches it: the
trace search showed "03:59:5  prog" for good, until the cursor moved. This table drops those rows'
renderings whenever the widths change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class SizedDataTable(DataTable[Any]):
    """A DataTable whose rows are drawn again at the widths its columns have grown to."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = [column.get_render_width(self) for column in self.ordered_columns]
        super()._update_dimensions(new_rows)
        if [column.get_render_width(self) for column in self.ordered_columns] != before:
            # Textual 8.2's (pinned) private caches: rows, cells and lines drawn at the old widths.
            self._clear_caches()
            self.refresh()
