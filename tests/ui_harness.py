"""Building the console on the frozen demo stack and waiting for it to settle, for UI tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.pilot import Pilot

from opsconsole.demo.stack import DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.launch import demo_options
from opsconsole.ui.screenshots import finite_work_done
from opsconsole.ui.screenshots import settle as settle_console
from tests.demo_fixtures import frozen_clock

# Nothing listens on the discard port on loopback: connection refused, at once.
DEAD_URL = "http://127.0.0.1:9"


def demo_app(urls: DemoUrls, **options: Any) -> OpsConsoleApp:
    """The console on ``urls`` with the frozen clock and no timer-driven refresh."""
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


async def work_done(app: OpsConsoleApp) -> None:
    """Wait for the finite workers (refresh, detail loads, mutations); the log tails run on."""
    await finite_work_done(app)
