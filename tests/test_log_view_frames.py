"""A line arriving in the live tail scrolls the view: the frame draws the new line, not every line.

Idle, the log pane is where most frames come from (the demo logs a line every second or so), and
each scrolls the view by a line: every visible line is asked for again. Lines drawn the frame
before are kept; the terminal still shows exactly what a whole frame draws, the cursor's line
marked, and a search or a new theme draws the lines anew.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.scrollbar import ScrollBar

from opsconsole.core.dashboard import LogRow
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.ui.log_view import LogView
from opsconsole.ui.themes import load_themes
from tests.support.one_widget import OneWidgetApp
from tests.support.terminal_mirror import TerminalMirror

HEIGHT = 12


def _row(n: int) -> LogRow:
    return LogRow(
        ts_ns=n * 1_000_000_000, level="info", entity=f"agent-{n}", message=f"line {n}", trace_id=""
    )


def _whole_frame(app: App[Any]) -> str:
    class Detached:
        size = app.size
        screen = app.screen

        def _display(self, screen: Any, renderable: Any) -> None:  # pragma: no cover
            pass

    return TerminalMirror(Detached()).text()  # type: ignore[arg-type]


@asynccontextmanager
async def _on_screen(
    buffer: LogBuffer, theme: str = "dark"
) -> AsyncIterator[tuple[LogView, App[Any], Pilot[Any], TerminalMirror]]:
    """A view of ``buffer`` alone on a screen HEIGHT lines tall, drawn once, with a mirror of what
    its terminal gets from then on."""
    view = LogView(buffer, load_themes()[0][theme])
    app = OneWidgetApp(view)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view.sync()
        await pilot.pause()
        yield view, app, pilot, TerminalMirror(app)


def _count_lines_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built = [0]
    original = LogView._segments

    def counted(view: LogView, *args: Any, **kwargs: Any) -> Any:
        built[0] += 1
        return original(view, *args, **kwargs)

    monkeypatch.setattr(LogView, "_segments", counted)
    return built


async def test_each_arriving_line_builds_itself_and_the_cursor_lines_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buffer = LogBuffer(1000)
    buffer.extend(_row(n) for n in range(1, 41))
    themes = load_themes()[0]
    async with _on_screen(buffer) as (view, app, pilot, mirror):
        built = _count_lines_built(monkeypatch)
        arrivals = 5
        for n in range(41, 41 + arrivals):
            buffer.append(_row(n))
            view.sync()
            await pilot.pause()
            assert f"line {n}" in mirror.text()
        # The new line and the line the cursor left (it follows the newest), not the whole view:
        # before, every visible line (HEIGHT) at every arrival.
        assert built[0] <= 2 * arrivals, built[0]
        assert mirror.text() == _whole_frame(app), "what the frames drew is what a whole frame draws"
        assert "line 45" in mirror.text() and "line 44" in mirror.text()

        view.search = "line 4"  # a search marks matches: every line is drawn anew
        view.refresh()
        await pilot.pause()
        assert built[0] >= 2 * arrivals + HEIGHT - 2
        before = built[0]
        view.console_theme = themes["light"]  # so does another theme
        view.refresh()
        await pilot.pause()
        assert built[0] >= before + HEIGHT - 2
        assert mirror.text() == _whole_frame(app)


async def test_a_cleared_buffer_that_numbers_rows_from_one_again_draws_its_own_lines() -> None:
    buffer = LogBuffer(1000)
    buffer.extend(_row(n) for n in range(1, 6))
    async with _on_screen(buffer) as (view, _app, pilot, mirror):
        buffer.clear()
        buffer.extend(_row(n) for n in range(101, 106))  # the same sequence numbers, 1 to 5
        view.refresh()
        await pilot.pause()
        assert "line 101" in mirror.text() and "line 1 " not in mirror.text() + " "


async def test_a_frame_works_out_the_views_style_once_not_once_a_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The view's own style walks every ancestor's styles each time it is read: a frame of the
    scrolling tail reads it once, not once or twice for each of its lines."""
    buffer = LogBuffer(1000)
    buffer.extend(_row(n) for n in range(1, 41))
    async with _on_screen(buffer) as (view, app, pilot, mirror):
        reads = [0]
        original = LogView.rich_style

        def counted(widget: LogView) -> Any:
            reads[0] += widget is view
            return original.fget(widget)  # type: ignore[attr-defined]

        monkeypatch.setattr(LogView, "rich_style", property(counted))
        arrivals = 5
        for n in range(41, 41 + arrivals):
            buffer.extend(_row(m) for m in range(n * 100, n * 100 + HEIGHT))  # a screenful each
            view.sync()
            await pilot.pause()
            assert f"line {n * 100 + HEIGHT - 1}" in mirror.text()
        # Before: every line drawn (HEIGHT a frame) read it twice.
        assert reads[0] <= 2 * arrivals, reads[0]
        assert mirror.text() == _whole_frame(app)


async def test_the_scrollbar_repaints_only_when_its_thumb_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Following a long tail, each arrival scrolls the view, and the thumb (one cell, at the
    bottom) stays where it is: the scrollbar is not drawn again. While the buffer is short the
    thumb shrinks and moves with each arrival, and is drawn each time; the terminal shows what a
    whole frame draws throughout."""
    buffer = LogBuffer(100_000)
    buffer.extend(_row(n) for n in range(1, HEIGHT + 2))  # a line more than the view: a scrollbar
    async with _on_screen(buffer) as (view, app, pilot, mirror):
        drawn = [0]
        original = ScrollBar.render

        def counted(bar: ScrollBar) -> Any:
            drawn[0] += 1
            return original(bar)

        monkeypatch.setattr(ScrollBar, "render", counted)
        seq = HEIGHT + 2
        for _ in range(3):  # a short buffer: the thumb is tall, and shrinks as lines arrive
            buffer.extend(_row(n) for n in range(seq, seq + 2))
            seq += 2
            view.sync()
            await pilot.pause()
            assert mirror.text() == _whole_frame(app)
        assert drawn[0] >= 3, "a thumb that moves is drawn"
        buffer.extend(_row(n) for n in range(seq, seq + 50 * HEIGHT))  # a long tail now
        seq += 50 * HEIGHT
        view.sync()
        await pilot.pause()
        before = drawn[0]
        for _ in range(5):
            buffer.extend(_row(n) for n in range(seq, seq + 3))
            seq += 3
            view.sync()
            await pilot.pause()
            assert f"line {seq - 1}" in mirror.text()
        assert drawn[0] == before, "a thumb that stays put is not drawn again"
        assert mirror.text() == _whole_frame(app)
