"""Pictures are taken once every table has sized its columns to its rows (the trace search was
once pictured with its results cut to the headers' widths on a loaded machine)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from opsconsole.ui.screenshots import tables_sized

LONG = "progressive-framework-v5: POST /api/agents/npa"


class _OneTable(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable()
        table.add_columns("Root")
        yield table


async def test_a_table_filled_just_before_the_picture_is_waited_for() -> None:
    app = _OneTable()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        table: DataTable[Any] = app.query_one(DataTable)
        table.add_row(LONG)
        # The state a picture taken now would show: the row in, the column still the header's width.
        column = next(iter(table.columns.values()))
        assert column.get_render_width(table) < len(LONG)
        await tables_sized(pilot)
        assert column.get_render_width(table) >= len(LONG)
        assert LONG in "".join(strip.text for strip in app.screen._compositor.render_strips())
