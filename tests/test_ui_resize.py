"""The main screen's layout follows the terminal both ways across both breakpoints (120 and 160
columns): a resize from wall size to 80x24 turns the grid into tabs, and back again."""

from __future__ import annotations

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


def _layout(app: OpsConsoleApp) -> tuple[str, list[str]]:
    """Which layout the panes container has, and the panes that take room on screen."""
    panes = app.main.query_one("#panes")
    kind = "tabs" if panes.has_class("-narrow") else "medium" if panes.has_class("-medium") else "grid"
    shown = [name for name, pane in app.panes.items() if pane.region.height > 0 and pane.region.width > 0]
    return kind, shown


async def _resized(app: OpsConsoleApp, pilot: object, size: tuple[int, int]) -> tuple[str, list[str]]:
    await pilot.resize_terminal(*size)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    return _layout(app)


async def test_a_resize_from_wall_size_to_80x24_turns_the_grid_into_tabs(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        kind, shown = _layout(app)
        assert kind == "grid" and len(shown) == 5
        kind, shown = await _resized(app, pilot, (80, 24))
        assert kind == "tabs"
        assert shown == ["health"]  # one pane, full size: not five squeezed into 80 columns
        assert app.panes["health"].region.width == 80
        assert app.main.query_one("#tabs").region.height == 1


async def test_a_resize_from_80x24_to_120x40_leaves_the_tabs(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert _layout(app) == ("tabs", ["health"])
        kind, shown = await _resized(app, pilot, (120, 40))
        assert kind == "medium" and len(shown) == 5
        assert app.main.query_one("#tabs").region.height == 0
        kind, shown = await _resized(app, pilot, (200, 60))
        assert kind == "grid" and len(shown) == 5
        kind, shown = await _resized(app, pilot, (150, 40))
        assert kind == "medium"
        assert app.panes["red"].region.width > 140  # RED has its full-width row
