"""Pictures are taken once every table has sized its columns to its rows (the trace search was
once pictured with its results cut to the headers' widths on a loaded machine)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from opsconsole.ui.screenshots import tables_sized
from opsconsole.ui.sized_table import SizedDataTable

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


class _OneSizedTable(App[None]):
    def __init__(self, table: DataTable[Any]) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        self.table.add_columns("Root")
        yield self.table


async def _row_line_after_widening(table: DataTable[Any]) -> str:
    """The row's line drawn before the column widened (cached), then again once it has: the
    second drawing, at the same place and look, as a string."""
    app = _OneSizedTable(table)
    async with app.run_test(size=(80, 10)) as pilot:
        table.focus()
        await pilot.pause()
        table.add_row(LONG)
        style = table.rich_style
        before = table._render_line(1, 0, 80, style).text  # a paint before the table's idle
        assert LONG not in before
        new_rows, table._new_rows = set(table._new_rows), set()
        table._update_dimensions(new_rows)  # what the idle does: the column widens
        assert column_width(table) >= len(LONG)
        return table._render_line(1, 0, 80, style).text


async def test_a_row_drawn_before_its_column_widened_is_drawn_again() -> None:
    """Textual caches a row's rendering under keys without the column widths: a plain DataTable
    gives back the row cut to the header's width (the trace search's "03:59:5  prog", kept until
    the cursor moved); ours draws it again at the new width."""
    assert LONG not in await _row_line_after_widening(DataTable())
    assert LONG in await _row_line_after_widening(SizedDataTable())
