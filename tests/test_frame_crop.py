"""A frame renders the widgets whose cells it changes, and the terminal still shows the whole screen.

Idle, the console's frames come from the log pane (lines arriving) and the wallboard's from its
clock: one pane or one line. Textual rendered every widget on the screen for each such frame
(ui/frame_crop.py says why); these tests count the widgets a frame renders, and compare what the
partial frames drew on a terminal with a whole frame drawn afresh, so a widget left out that
should have been drawn shows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from textual._styles_cache import StylesCache
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_options, demo_wallboard_options
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.wallboard import WallboardApp
from tests.support.demo_fixtures import FROZEN_NOW
from tests.support.terminal_mirror import TerminalMirror
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT, settle, settle_wallboard

Demo = tuple[DemoStack, DemoUrls]
FRAMES = 6


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> Counter[Widget]:
    """From now on, how many times each widget is rendered into a frame."""
    rendered: Counter[Widget] = Counter()
    original = StylesCache.render_widget

    def counted(cache: StylesCache, widget: Widget, crop: Any) -> Any:
        rendered[widget] += 1
        return original(cache, widget, crop)

    monkeypatch.setattr(StylesCache, "render_widget", counted)
    return rendered


def _count_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, how many layout passes the screens make."""
    passes = [0]
    original = Screen._refresh_layout

    def counted(screen: Screen[Any], *args: Any, **kwargs: Any) -> Any:
        passes[0] += 1
        return original(screen, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return passes


def _whole_frame(app: App[Any]) -> str:
    """The screen as a full redraw draws it now (on a terminal of its own)."""
    return TerminalMirror(_Detached(app)).text()  # type: ignore[arg-type]


class _Detached:
    """Just enough of an app for a second mirror that draws one full frame and nothing after."""

    def __init__(self, app: App[Any]) -> None:
        self.size = app.size
        self.screen = app.screen

    def _display(self, screen: Any, renderable: Any) -> None:  # pragma: no cover - never called
        pass


async def test_log_pane_frames_render_the_log_pane_and_the_terminal_shows_the_whole_screen(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = OpsConsoleApp(
        demo_options(
            frozen_demo[1], clock=lambda: FROZEN_NOW, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        mirror = TerminalMirror(app)
        log_pane = app.main.log_pane
        rendered = _count_renders(monkeypatch)
        for step in range(FRAMES):  # what news on the tail does to the pane: its border text moves
            log_pane.border_subtitle = f"{step} lines"
            await pilot.pause(0.05)
        assert rendered[log_pane] >= FRAMES - 1, "the pane that changed is drawn at each frame"
        outside = {
            widget: n
            for widget, n in rendered.items()
            if widget is not log_pane
            and log_pane not in widget.ancestors
            and not widget.region.contains_region(log_pane.region)  # what holds the pane
        }
        # Before: every pane, table, the header and the footer, at every frame (over 60 renders).
        assert outside == {}, {f"{type(w).__name__}#{w.id}": n for w, n in outside.items()}
        assert f"{FRAMES - 1} lines" in mirror.text()
        assert mirror.text() == _whole_frame(app), "the partial frames drew what a whole frame draws"


async def test_the_wallboard_clock_renders_its_line_and_the_terminal_shows_the_whole_page(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [FROZEN_NOW]
    app = WallboardApp(
        demo_wallboard_options(
            frozen_demo[1], clock=lambda: now[0], auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_wallboard(pilot)
        await pilot.pause(0.2)
        mirror = TerminalMirror(app)
        header, footer = app.query_one("#wb-header"), app.query_one("#wb-footer")
        before = mirror.text()
        rendered = _count_renders(monkeypatch)
        layouts = _count_layouts(monkeypatch)
        for _ in range(FRAMES):  # the one-second tick: the clock and the answers' ages move
            now[0] += 1
            app._tick()
            await pilot.pause(0.05)
        assert rendered[header] >= FRAMES - 1
        # A layout pass (the page's widgets moved, in 2 of the 6 here) repaints what it moved; a
        # frame that only changes the header and footer lines renders nothing else. Before: the
        # whole page at every frame.
        others = {w: n for w, n in rendered.items() if w not in (header, footer, app.screen)}
        assert all(n <= layouts[0] for n in others.values()), (
            layouts,
            {f"{type(w).__name__}#{w.id}": n for w, n in others.items()},
        )
        assert layouts[0] < FRAMES - 1
        assert mirror.text() != before, "the clock moved on the terminal"
        assert mirror.text() == _whole_frame(app), "the partial frames drew what a whole frame draws"
