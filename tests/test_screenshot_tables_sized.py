"""Pictures are taken once every table has sized its columns to its rows (the trace search was
once pictured with its results cut to the headers' widths on a loaded machine)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from opsconsole.ui.screenshots import tables_sized

LONG = "progressive-framework-v5: POST /api/agents/npa"


class _OneTable(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable()
        table.add_columns("Root")
        yield table


def column_width(table: DataTable[Any]) -> int:
    return next(iter(table.columns.values())).get_render_width(table)


def _drawn(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


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
        assert LONG in _drawn(app)


async def test_a_frame_drawn_before_the_table_sized_its_columns_is_not_pictured() -> None:
    """On a starved process the screen can draw the new row before the table's idle widens its
    column; the table keeps that narrow line until the resize that follows the widening reaches it.
    A picture taken as soon as the widths are known showed the stale line."""
    app = _OneTable()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        table: DataTable[Any] = app.query_one(DataTable)
        table.add_row(LONG)
        assert LONG not in _drawn(app)  # drawn (and kept) at the header's width
        # The table's idle widens the column before the screen has laid it out again (the order a
        # loaded machine gave): the widths are known, the line drawn above is still the one kept.
        await table._on_idle(events.Idle())
        assert column_width(table) >= len(LONG) and LONG not in _drawn(app)
        await tables_sized(pilot)
        assert LONG in _drawn(app)
