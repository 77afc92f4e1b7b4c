"""A pane with no row says why in its body, not only in its border (which a long reason overflows)."""

from __future__ import annotations

from opsconsole.core.dashboard import Dashboard, PaneStatus
from opsconsole.ui.panes import HealthPane
from opsconsole.ui.themes import load_themes
from tests.support.one_widget import OneWidgetApp

NOTE = (
    "1 up series carries none of the labels pod: not shown "
    "(add the label they have to the pack's entity labels)"
)


async def test_a_health_pane_without_rows_shows_its_note_in_the_body() -> None:
    # A pack whose entity.instance_label the targets lack: every up series is left out, and
    # "what to do" was only in the border, cut off there even zoomed at 120 columns.
    themes, _ = load_themes()
    pane = HealthPane()
    app = OneWidgetApp(pane)
    status = PaneStatus(updated_at=1000.0, queries=4, empty=("health.signals.a",), notes=(NOTE,))
    board = Dashboard("lab", "runtime", 1000.0, 900, status={"health": status})
    async with app.run_test(size=(200, 10)) as pilot:
        pane.render_dashboard(board, themes["dark"])
        await pilot.pause()
        assert pane.table.row_count == 1
        assert pane.table.get_row_at(0)[0].plain == f"⚠ {NOTE}"


async def test_the_notice_of_an_empty_pane_is_drawn_across_it_not_cut_to_a_column() -> None:
    # Cut to the State column's width, "0 of 2 queries returned data: run `opsconsole packs
    # doctor`" read "⚠ 0 …" (so in tests/__snapshots__/test_ui_snapshots/test_empty_data.svg).
    themes, _ = load_themes()
    pane = HealthPane()
    app = OneWidgetApp(pane)
    status = PaneStatus(updated_at=1000.0, queries=2, empty=("health.up", "health.signals.a"))
    board = Dashboard("lab", "checkout", 1000.0, 900, status={"health": status})
    async with app.run_test(size=(100, 10)) as pilot:
        pane.render_dashboard(board, themes["dark"])
        await pilot.pause()
        notice = "⚠ 0 of 2 queries returned data: run `opsconsole packs doctor`"
        assert pane.table.get_row_at(0)[0].plain == notice
        # Drawn whole: its column is as wide as the pane (it was the State column's 5 cells), the
        # only one (the State header over it; the other columns have no cell to show).
        [column] = pane.table.columns.values()
        assert column.width >= len(notice)
        assert pane.fit.hidden == ()  # nothing said hidden: there is no row to hide a column of
