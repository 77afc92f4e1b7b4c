"""Demo stacks for tests: in-process on their own thread, or in a process of their own.

The in-process stack (:func:`running_demo`) is for tests that reach into the stack's objects. Tests
that time the answers (the fault matrix, the soak, live tails) use :func:`demo_in_another_process`,
so the test process's own CPU use (Textual, pytest, the console's parsing) cannot starve the
simulated backends and turn a healthy pane into a timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aiohttp import web

from opsconsole.demo.stack import BackgroundStack, DemoStack, DemoUrls
from opsconsole.ui.screenshots import FROZEN_NOW
from tests.support.demo_process import INCIDENT_LEAD_IN, SharedClock, demo_in_another_process

__all__ = [
    "FROZEN_NOW",
    "INCIDENT_LEAD_IN",
    "SharedClock",
    "demo_in_another_process",
    "frozen_clock",
    "running_demo",
    "serving",
]


def frozen_clock() -> float:
    """The tests' "now"."""
    return FROZEN_NOW


@contextmanager
def running_demo(
    *,
    seed: int = 7,
    scenario: str = "npa-degradation",
    lead_in: float = INCIDENT_LEAD_IN,
    clock: Callable[[], float] = frozen_clock,
) -> Iterator[tuple[DemoStack, DemoUrls]]:
    """A demo stack (frozen at ``FROZEN_NOW`` unless another clock is given) for the block."""
    stack = DemoStack(seed=seed, scenario=scenario, clock=clock, lead_in=lead_in)
    background = BackgroundStack(stack)
    urls = background.start()
    try:
        yield stack, urls
    finally:
        background.stop()


@contextmanager
def serving(*apps: web.Application) -> Iterator[list[str]]:
    """Serve aiohttp apps on free loopback ports from a background thread; yields their URLs."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runners: list[web.AppRunner] = []

    async def start() -> list[str]:
        urls = []
        for app in apps:
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            runners.append(runner)
            port = runner.addresses[0][1]
            urls.append(f"http://127.0.0.1:{port}")
        return urls

    async def stop() -> None:
        for runner in runners:
            await runner.cleanup()

    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
