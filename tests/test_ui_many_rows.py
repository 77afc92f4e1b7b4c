"""Thousands of alerts: the worst are drawn, the rest counted in a last row that opens the filter."""

from __future__ import annotations

from dataclasses import replace

from opsconsole.core.dashboard import AlertGroupView, Dashboard
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.pane_table import AlertRowKey
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


def with_alerts(board: Dashboard, count: int) -> Dashboard:
    """``board`` with its alerts copied up to ``count``, in groups of 50."""
    seed = [a for g in board.alerts for a in g.alerts]
    copies = []
    for n in range(count):
        alert = seed[n % len(seed)]
        labels = {**alert.labels, "agent_id": f"npa-{n}"}
        copies.append(replace(alert, fingerprint=f"f{n}", entity=f"npa-{n}", labels=labels))
    groups = [
        AlertGroupView(key=(("block", str(i)),), alerts=tuple(copies[j : j + 50]))
        for i, j in enumerate(range(0, count, 50))
    ]
    return replace(board, alerts=groups)


async def test_the_alerts_pane_draws_the_first_thousand_rows_and_counts_the_rest(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.board is not None
        app.board = with_alerts(app.board, 3000)  # 60 groups of 50: 3,060 rows
        app._render_board()
        await pilot.pause()
        pane = app.panes["alerts"]
        table = pane.table
        assert table.row_count == pane.max_rows + 1
        last = table.get_row_at(table.row_count - 1)
        assert str(last[0]) == "… 2,060 more rows not drawn: / to filter"
        assert str(pane.border_subtitle).startswith("3000 rows")  # the count covers every alert
        await pilot.press("2")
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("a")  # ack on the summary row: a warning, not a crash
        await pilot.press("s")
        assert pane.selected() is None
        await pilot.press("enter")  # Enter on it opens the filter
        await pilot.pause()
        assert app.query_one("#prompt").has_class("-visible")
        for key in "npa-2999":
            await pilot.press("minus" if key == "-" else key)
        await pilot.pause()
        # Filtering reaches rows that were not drawn: the one alert left, on one line (a group of
        # one has no header row over it).
        assert pane.filter_text == "npa-2999", pane.filter_text
        assert table.row_count == 1
        assert "npa-2999" in str(table.get_row_at(0)[2])
        assert isinstance(pane.selected(), AlertRowKey)
