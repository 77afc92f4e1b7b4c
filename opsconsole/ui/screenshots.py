"""Regenerate ``screenshots/*.svg`` from the demo stack: ``python -m opsconsole.ui.screenshots [DIR]``.

The clock is frozen mid-incident and the seed fixed, so the pictures only change when the console
or the demo changes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from textual.geometry import Size
from textual.pilot import Pilot
from textual.widgets import DataTable

from opsconsole.demo.stack import BackgroundStack, DemoStack, DemoUrls
from opsconsole.launch import demo_options, demo_wallboard_options
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.wallboard import WallboardApp

FROZEN_NOW = 1795320000.0  # 2026-11-22 04:00:00 UTC, five minutes into the default incident

# (file name, terminal size, keys pressed after the first refresh, theme)
SHOTS: list[tuple[str, tuple[int, int], tuple[str, ...], str]] = [
    ("main-200x60", (200, 60), (), "dark"),
    ("main-120x40", (120, 40), (), "dark"),
    ("main-80x24", (80, 24), (), "dark"),
    ("alerts-80x24", (80, 24), ("2",), "dark"),
    ("detail-npa-2", (160, 50), ("j", "enter"), "dark"),
    ("help", (120, 40), ("question_mark",), "dark"),
    ("slo-core-availability", (120, 40), ("4", "enter"), "dark"),
    ("logs-from-alert-npa-2", (120, 40), ("2", "j", "enter"), "dark"),
    ("traces-of-npa-2", (120, 40), ("j", "T"), "dark"),
    ("trace-waterfall", (140, 40), ("j", "T", "enter"), "dark"),
    ("high-contrast", (160, 45), (), "high-contrast"),
    ("light", (160, 45), (), "light"),
]

WALLBOARD_SHOTS: list[tuple[str, tuple[int, int], int]] = [
    ("wallboard-overview-160x45", (160, 45), 0),
    ("wallboard-overview-80x24", (80, 24), 0),
]


async def finite_work_done(app: OpsConsoleApp) -> None:
    """Wait for every worker except the log tails, which run until stopped."""
    finite = [w for w in app.workers if w.group != "logtail"]
    if finite:  # an empty list means "every worker" to Textual, the endless tail included
        await app.workers.wait_for_complete(finite)


SETTLE_SECONDS = 60.0  # the most a settle waits for each step: far beyond a loaded refresh
# Each request's timeout on the pictured stack. The stack is healthy and no timeout is pictured, so a
# loaded machine answering slowly must show the same picture, not a pane saying "no answer within 10s".
SHOT_TIMEOUT = 120.0


async def settle(app: OpsConsoleApp, pilot: Pilot[None]) -> None:
    """Wait until the first refresh has landed, every finite worker (detail loads too) is done and
    each log tail has its backlog in and is connected (or has said why not)."""
    # Deadlines in seconds, not a count of pauses: a pause lasts longer on a loaded machine, and a
    # count ran out there before the log tail had connected (the header then lacked "loki ●").
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if app.board is not None and not app._refreshing:
            break
    await finite_work_done(app)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        bindings = list(app.tails.bindings.values())
        if all(b.tail.settled for b in bindings):
            break
        await pilot.pause(0.05)
    app.tails.pump()
    await pilot.pause(0.2)
    # Views follow (or jump to an alert's start) after layout: wait until each has stayed put.
    last: object = None
    steady = 0
    for _ in range(100):
        app.tails.pump()
        bindings = list(app.tails.bindings.values())
        position = [(b.view.scroll_y, b.view.max_scroll_y, b.view.virtual_size.height) for b in bindings]
        placed = all(
            b.jump_to_ns is None
            and b.view.pending_top_seq is None
            and (not b.view.follow or b.view.scroll_y >= b.view.max_scroll_y)
            for b in bindings
        )
        steady = steady + 1 if position == last and placed else 0
        if steady >= 3:
            break
        last = position
        await pilot.pause(0.05)
    await tables_sized(pilot)


async def tables_sized(pilot: Pilot[None]) -> None:
    """Wait until every table on the screen has sized its columns to its rows and redrawn them.

    A DataTable widens its columns when it next goes idle, not when a row is added, and a line it
    drew before that is kept until the resize that follows the widening reaches it: on a starved
    process the screen drew a new row at the header's width first, and a picture taken once the
    widths were known still showed the trace search's rows cut to the headers' widths.

    So: no table has sizing pending, then the screen has laid out and drawn (its callbacks after a
    refresh run only once nothing is left to lay out or paint), then each table has handled what
    that sent it; done when a whole round of that changes nothing about any table.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    last: list[tuple[int, int, Size, Size]] | None = None
    while time.monotonic() < deadline:
        screen = pilot.app.screen
        tables = list(screen.query(DataTable))
        if any(table._require_update_dimensions for table in tables):
            last = None
            await pilot.pause(0.05)
            continue
        state = [(id(table), table._update_count, table.virtual_size, table.size) for table in tables]
        if state == last:
            return
        last = state
        await _after(screen.call_after_refresh, deadline)
        for table in tables:
            await _after(table.call_later, deadline)


async def _after(schedule: Callable[[Callable[[], None]], bool], deadline: float) -> None:
    """Wait until ``schedule`` has run a callback (a widget closed meanwhile never will: the
    deadline ends the wait, and the round that follows sees the screen as it is)."""
    done = asyncio.Event()
    if not schedule(done.set):  # already closed
        return
    with suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), max(0.0, deadline - time.monotonic()))


STEADY_GAP = 0.1  # seconds between two pictures that must be the same
STEADY_SECONDS = 3.0  # the most a steady picture is waited for (a spinner never holds still)


async def picture_steady(pilot: Pilot[Any]) -> int:
    """Wait until two pictures of the screen taken :data:`STEADY_GAP` apart are the same (at most
    :data:`STEADY_SECONDS`); returns how often it changed meanwhile.

    The waits before it follow what the console is known to do (refreshes, workers, log tails,
    table sizing); this catches what they miss, so a picture is never taken mid-change.
    """
    deadline = time.monotonic() + STEADY_SECONDS
    last = pilot.app.export_screenshot()
    changes = 0
    while time.monotonic() < deadline:
        await pilot.pause(STEADY_GAP)
        picture = pilot.app.export_screenshot()
        if picture == last:
            break
        changes += 1
        last = picture
    return changes


async def _shoot_wallboard(urls: DemoUrls, out: Path, name: str, size: tuple[int, int], page: int) -> None:
    options = demo_wallboard_options(urls, clock=lambda: FROZEN_NOW, auto_refresh=False, timeout=SHOT_TIMEOUT)
    app = WallboardApp(options)
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + SETTLE_SECONDS  # by the clock, as in settle()
        while time.monotonic() < deadline:
            await pilot.pause(0.05)
            if app.board is not None and not app._refreshing:
                break
        app.action_page(page)
        await pilot.pause(0.2)
        await picture_steady(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(out))


async def _shoot(
    urls: DemoUrls, out: Path, name: str, size: tuple[int, int], keys: tuple[str, ...], theme: str
) -> None:
    app = OpsConsoleApp(
        demo_options(urls, clock=lambda: FROZEN_NOW, auto_refresh=False, theme=theme, timeout=SHOT_TIMEOUT)
    )
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        await picture_steady(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(out))


def main(argv: list[str] | None = None) -> int:
    """Write every screenshot into the given folder (default ``screenshots/``)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    background = BackgroundStack(DemoStack(seed=7, clock=lambda: FROZEN_NOW, lead_in=300))
    urls = background.start()
    try:
        for name, size, keys, theme in SHOTS:
            asyncio.run(_shoot(urls, out, name, size, keys, theme))
            print(out / f"{name}.svg")
        for name, size, page in WALLBOARD_SHOTS:
            asyncio.run(_shoot_wallboard(urls, out, name, size, page))
            print(out / f"{name}.svg")
    finally:
        background.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
