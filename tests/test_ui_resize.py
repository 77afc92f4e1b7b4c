"""The main screen's layout follows the terminal both ways across both breakpoints (120 and 160
columns): a resize from wall size to 80x24 turns the grid into tabs, and back again. At every size
no pane has a horizontal scrollbar and every pane's state (or status) column is on screen; the
columns a width hides are named in the pane's border, and every header shown is whole (a short
form where the long one would be cut)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.pane import Pane
from opsconsole.ui.screens import HelpScreen
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]

# The column each pane never hides: what says a row is in trouble.
STATE_COLUMN = {"health": "State", "alerts": "State", "red": "Errors", "slo": "Status"}
SIZES = [(80, 24), (120, 40), (160, 48), (200, 60)]


def _layout(app: OpsConsoleApp) -> tuple[str, list[str]]:
    """Which layout the main screen has (its breakpoint class), and the panes that take room."""
    screen = app.main
    kind = "tabs" if screen.has_class("-narrow") else "medium" if screen.has_class("-medium") else "grid"
    shown = [name for name, pane in app.panes.items() if pane.region.height > 0 and pane.region.width > 0]
    return kind, shown


async def _resized(app: OpsConsoleApp, pilot: Any, size: tuple[int, int]) -> tuple[str, list[str]]:
    await pilot.resize_terminal(*size)
    await pilot.pause()
    await pilot.pause()
    return _layout(app)


def _labels(pane: Pane) -> list[str]:
    """The columns shown, by their full names (a header drawn in its short form counts as its column)."""
    short = {s: long for long, s in getattr(pane, "short_headers", {}).items()}
    return [short.get(str(column.label), str(column.label)) for column in pane.table.columns.values()]


def _assert_fits(pane: Pane) -> None:
    """No horizontal scrollbar, the state column shown, every hidden column named in the border,
    every header whole."""
    table = pane.table
    where = f"{pane.name_} at {pane.size}"
    assert not table.show_horizontal_scrollbar, where
    assert table.virtual_size.width <= table.scrollable_content_region.width, where
    assert STATE_COLUMN[pane.name_] in _labels(pane), where
    cut = [str(c.label) for c in table.columns.values() if c.label.cell_len > c.width]
    assert cut == [], (where, "headers cut by their column", cut)
    hidden = [label for label in pane.columns if label not in _labels(pane)]
    assert hidden == [label for label in pane.columns if label in pane.fit.hidden], where
    subtitle = str(pane.border_subtitle)
    assert all(label in subtitle for label in hidden), (where, subtitle)
    if not hidden:
        assert "hidden columns" not in subtitle


async def _assert_every_pane_fits(app: OpsConsoleApp, pilot: Any) -> None:
    """Every table pane as it is on screen (in tabs, each tab in turn)."""
    for key, name in enumerate(("health", "alerts", "red", "slo"), start=1):
        if app.narrow:
            await pilot.press(str(key))
            await pilot.pause()
        pane = app.panes[name]
        assert pane.region.width > 0, name
        _assert_fits(pane)
    await pilot.press("1")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_no_pane_scrolls_sideways_and_the_state_column_stays(
    frozen_demo: Demo, size: tuple[int, int]
) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await _assert_every_pane_fits(app, pilot)


async def test_the_least_important_columns_go_first(frozen_demo: Demo) -> None:
    """At 120x40 the alerts pane is half the width: the entity and summary go, severity, name,
    age and state stay (reversed priorities would drop the name and severity instead)."""
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert _labels(app.panes["alerts"]) == ["Severity", "Alert", "Age", "State"]
        assert "hidden columns: Entity, Summary" in str(app.panes["alerts"].border_subtitle)
        assert _labels(app.panes["health"])[:2] == ["State", "Agent"]
        assert _labels(app.panes["slo"])[:3] == ["SLO", "Budget left", "Status"]
        await pilot.press("2", "z")  # zoomed: the whole width, every column back
        await pilot.pause()
        assert _labels(app.panes["alerts"]) == list(app.panes["alerts"].columns)
        assert "hidden columns" not in str(app.panes["alerts"].border_subtitle)


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
        await _assert_every_pane_fits(app, pilot)


async def test_a_resize_from_80x24_to_120x40_leaves_the_tabs(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert _layout(app) == ("tabs", ["health"])
        kind, shown = await _resized(app, pilot, (120, 40))
        assert kind == "medium" and len(shown) == 5
        assert app.main.query_one("#tabs").region.height == 0
        await _assert_every_pane_fits(app, pilot)
        kind, shown = await _resized(app, pilot, (200, 60))
        assert kind == "grid" and len(shown) == 5
        await _assert_every_pane_fits(app, pilot)
        kind, shown = await _resized(app, pilot, (150, 40))
        assert kind == "medium"
        assert app.panes["red"].region.width > 140  # RED has its full-width row
        await _assert_every_pane_fits(app, pilot)
        kind, shown = await _resized(app, pilot, (119, 40))
        assert kind == "tabs"
        await _assert_every_pane_fits(app, pilot)


async def test_a_resize_under_another_screen_reaches_the_main_screen(frozen_demo: Demo) -> None:
    """A resize while the help screen is on top: the main screen has the new layout when shown."""
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is app.main
        assert _layout(app) == ("tabs", ["health"])
        await _assert_every_pane_fits(app, pilot)


def _footer_keys(app: OpsConsoleApp) -> list[str]:
    """The main screen's footer keys on screen, each whole left of the command palette's key."""
    footer = app.main.query_one(KeyFooter)
    keys = list(footer.query_children(FooterKey))
    (palette,) = [key for key in keys if key.has_class("-command-palette")]
    shown = [key for key in keys if key is not palette and key.display]
    for key in shown:
        assert key.region.right <= palette.region.x, (key.description, key.region, palette.region)
    return [key.key for key in shown]


async def test_the_footer_shows_whole_keys_help_and_command_first(frozen_demo: Demo) -> None:
    """At 80 columns no key's label is cut ("Comm"): a key fits whole or is left out, and help and
    the command line stay; a wider terminal shows the keys left out again."""
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        at_80 = _footer_keys(app)
        assert at_80[:5] == ["tab", "q", "question_mark", "slash", "colon"]
        await _resized(app, pilot, (200, 60))
        assert len(_footer_keys(app)) > len(at_80) + 3
        await _resized(app, pilot, (80, 24))
        assert _footer_keys(app) == at_80
