"""Building the console on the frozen demo stack and waiting for it to settle, for UI tests."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from typing import Any

from rich.console import Console
from textual import events
from textual.pilot import Pilot
from textual.widgets import Static

from opsconsole.demo.stack import DemoUrls
from opsconsole.launch import demo_options
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.pane_table import AlertRowKey
from opsconsole.ui.screenshots import SETTLE_SECONDS, SHOT_TIMEOUT, finite_work_done
from opsconsole.ui.screenshots import settle as settle_console
from tests.support.demo_fixtures import frozen_clock

# Nothing listens on the discard port on loopback: connection refused, at once.
DEAD_URL = "http://127.0.0.1:9"
# A request's timeout in tests of a healthy stack: no timeout is under test there, so it only has to
# outlast the slowest answer of a loaded machine (at load 20 the demo's Prometheus took over 10 s).
# Tests of a slow backend set their own, from the fault they inject.
HEALTHY_STACK_TIMEOUT = SHOT_TIMEOUT


def demo_app(urls: DemoUrls, **options: Any) -> OpsConsoleApp:
    """The console on ``urls``: frozen clock, no timer-driven refresh, a healthy stack's timeout."""
    options.setdefault("timeout", HEALTHY_STACK_TIMEOUT)
    return OpsConsoleApp(demo_options(urls, clock=frozen_clock, auto_refresh=False, **options))


def with_dead_prometheus(urls: DemoUrls) -> DemoUrls:
    """The same stack as seen by a console whose Prometheus is unreachable."""
    return replace(urls, prometheus=DEAD_URL)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the first refresh has landed and every worker (detail loads too) is done."""
    app = pilot.app
    assert isinstance(app, OpsConsoleApp)
    await settle_console(app, pilot)
    assert app.board is not None, "the first refresh never completed"


async def settle_wallboard(pilot: Pilot[Any]) -> None:
    """Wait until the wallboard's first refresh has landed (by the clock: a pause lasts longer on a
    loaded machine, so a count of pauses is no deadline)."""
    from opsconsole.ui.wallboard import WallboardApp

    app = pilot.app
    assert isinstance(app, WallboardApp)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if app.board is not None and not app._refreshing:
            break
    await pilot.pause(0.1)
    assert app.board is not None, "the first refresh never completed"


async def work_done(app: OpsConsoleApp) -> None:
    """Wait for the finite workers (refresh, detail loads, mutations); the log tails run on."""
    await finite_work_done(app)


def queue_keys(app: OpsConsoleApp, keys: list[str]) -> None:
    """Put key presses in the app's queue all at once, the way a fast typist or a paste without
    bracketed paste delivers them (``pilot.press`` waits for the app to go idle after each key).

    Single characters are typed as themselves (" " as space); longer names are keys (``ctrl+s``).
    """
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key("space" if key == " " else key, key))
        else:
            app.post_message(events.Key(key, None))


def static_text(widget: Static, width: int = 200) -> str:
    """What a Static shows, as plain text (tables and styled text included)."""
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    with console.capture() as captured:
        console.print(widget.content)
    return captured.get()


async def select_alert(pilot: Pilot[Any], app: OpsConsoleApp, name: str) -> None:
    """Focus the alerts pane and put the cursor on the first alert named ``name``."""
    await pilot.press("2")
    pane = app.panes["alerts"]
    keys = list(pane.refs)
    target = next(
        k for k, ref in pane.refs.items() if isinstance(ref, AlertRowKey) and ref.alert.alertname == name
    )
    pane.table.move_cursor(row=keys.index(target))
    await pilot.pause()
