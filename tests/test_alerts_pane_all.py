"""`A` in the alerts pane: the alerts outside the pack join the pack's in one order, worst first."""

from __future__ import annotations

from opsconsole.core.dashboard import AlertGroupView, AlertView, Dashboard
from opsconsole.ui.panes import AlertsPane
from opsconsole.ui.themes import load_themes
from tests.support.one_widget import OneWidgetApp

NOW = 1_800_000_000.0


def _alert(name: str, severity: str, age: float) -> AlertView:
    return AlertView(name, name, severity, "firing", NOW - age, f"{name} is bad", {}, {}, name.lower())


async def test_showing_all_puts_a_critical_outside_the_pack_above_the_packs_warnings() -> None:
    board = Dashboard("prod", "core", NOW, 900.0)
    board.alerts = [AlertGroupView((), (_alert("Disk", "warning", 600),))]
    board.alerts_outside = [AlertGroupView((), (_alert("Api", "critical", 60),))]
    pane = AlertsPane()
    async with OneWidgetApp(pane).run_test(size=(80, 24)) as pilot:
        theme = load_themes()[0]["dark"]
        pane.render_dashboard(board, theme)
        await pilot.pause()
        assert [key for key, _, _ in pane._rows] == ["a:Disk"]
        pane.show_all = True
        pane.render_dashboard(board, theme)
        await pilot.pause()
        assert [key for key, _, _ in pane._rows] == ["a:Api", "a:Disk"]
