"""Regenerate ``screenshots/*.svg`` from the demo stack: ``python -m opsconsole.ui.screenshots [DIR]``.

The clock is frozen mid-incident and the seed fixed, so the pictures only change when the console
or the demo changes.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.pilot import Pilot

from opsconsole.demo.stack import BackgroundStack, DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.launch import demo_options

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
    ("high-contrast", (160, 45), (), "high-contrast"),
    ("light", (160, 45), (), "light"),
]


async def settle(app: OpsConsoleApp, pilot: Pilot[None]) -> None:
    """Wait until the first refresh has landed and every worker (detail loads too) is done."""
    for _ in range(300):
        await pilot.pause(0.05)
        if app.board is not None and not app._refreshing:
            break
    await app.workers.wait_for_complete()
    await pilot.pause(0.2)
    # The tail follows after layout: wait until it sits at the end and stays there.
    logs = app.panes["logs"].table
    last, steady = None, 0
    for _ in range(100):
        position = (logs.scroll_y, logs.max_scroll_y, logs.row_count)
        steady = steady + 1 if position == last and logs.scroll_y >= logs.max_scroll_y else 0
        if steady >= 3:
            break
        last = position
        await pilot.pause(0.05)


async def _shoot(
    urls: DemoUrls, out: Path, name: str, size: tuple[int, int], keys: tuple[str, ...], theme: str
) -> None:
    app = OpsConsoleApp(demo_options(urls, clock=lambda: FROZEN_NOW, auto_refresh=False, theme=theme))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
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
    finally:
        background.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
