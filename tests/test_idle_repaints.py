"""A refresh that brings nothing new repaints nothing, and one that brings news repaints it.

Over SSH every repaint is bytes on the wire and, idle, most of what the console costs. On a frozen
demo two refreshes bring the same data: the second must leave every widget alone. A changed
board (an alert's age, the clock) must still be drawn, so the test fails if refreshes stop.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widget import Widget

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_options, demo_wallboard_options
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.wallboard import WallboardApp
from tests.support.demo_fixtures import FROZEN_NOW
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT, settle, settle_wallboard

Demo = tuple[DemoStack, DemoUrls]


def _record_repaints(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the id (or class) of every widget asked to repaint, in order."""
    asked: list[str] = []
    original = Widget.refresh

    def recorded(widget: Widget, *regions: Any, **kwargs: Any) -> Any:
        asked.append(widget.id or type(widget).__name__)
        return original(widget, *regions, **kwargs)

    monkeypatch.setattr(Widget, "refresh", recorded)
    return asked


async def refresh_and_settle(app: OpsConsoleApp | WallboardApp, pilot: Any) -> None:
    board = app.board
    app.action_refresh()
    for _ in range(400):  # the refresh is local: the demo answers at once
        await pilot.pause(0.05)
        if app.board is not board and not app._refreshing:
            break
    assert app.board is not board, "the refresh never landed"
    await pilot.pause(0.1)


async def test_an_identical_refresh_repaints_nothing_on_the_console_and_news_is_drawn(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [FROZEN_NOW]
    app = OpsConsoleApp(
        demo_options(frozen_demo[1], clock=lambda: now[0], auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT)
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await refresh_and_settle(app, pilot)  # the first refresh after start-up settles the layout
        asked = _record_repaints(monkeypatch)
        await refresh_and_settle(app, pilot)
        assert asked == []

        # A minute later the alerts' ages and the clock have moved: those are drawn.
        now[0] += 60
        await refresh_and_settle(app, pilot)
        assert "topbar" in asked and "table-alerts" in asked


async def test_an_identical_refresh_repaints_nothing_on_the_wallboard(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [FROZEN_NOW]
    app = WallboardApp(
        demo_wallboard_options(
            frozen_demo[1], clock=lambda: now[0], auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT
        )
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await settle_wallboard(pilot)
        await refresh_and_settle(app, pilot)
        asked = _record_repaints(monkeypatch)
        await refresh_and_settle(app, pilot)
        assert asked == []
        now[0] += 60
        await refresh_and_settle(app, pilot)
        assert "wb-header" in asked and "wb-overview-list" in asked
