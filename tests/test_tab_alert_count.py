"""The narrow layout's tab line counts alerts as the pane's title does: never "5 firing" alone while
six more fire outside the pack, and after `A` the count of every alert shown."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Static

from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.ui_harness import demo_app, settle, static_text


def _alerts_tab(app: object, width: int) -> str:
    tabs = static_text(app.main.query_one("#tabs", Static), width=width).splitlines()[0]  # type: ignore[attr-defined]
    found = re.search(r" 2 (.*?)  3 ", tabs)
    assert found, tabs
    return found.group(1)


@pytest.mark.parametrize(
    ("width", "before", "after"),
    [
        (100, "Active alerts (5 firing +6 outside)", "Active alerts (11 firing)"),
        (80, "Active alerts (5+6 firing)", "Active alerts (11 firing)"),
        (70, "Alerts 5+6", "Alerts 11"),
    ],
)
async def test_the_tab_counts_the_alerts_outside_the_pack_too(
    frozen_demo: tuple[DemoStack, DemoUrls], width: int, before: str, after: str
) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        board = app.board
        assert board is not None and (board.firing, board.firing_outside) == (5, 6)
        assert _alerts_tab(app, width) == before
        await pilot.press("2", "A")
        await settle(pilot)
        assert _alerts_tab(app, width) == after
