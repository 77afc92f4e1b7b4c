"""Demo stacks for tests: in-process on their own thread, or in a process of their own.

The in-process stack (:func:`running_demo`) is for tests that reach into the stack's objects. Tests
that time the answers (the fault matrix, the soak, live tails) use :func:`demo_in_another_process`,
so the test process's own CPU use (Textual, pytest, the console's parsing) cannot starve the
simulated backends and turn a healthy pane into a timeout.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from opsconsole.demo.stack import BackgroundStack, DemoStack, DemoUrls
from opsconsole.ui.screenshots import FROZEN_NOW
from tests.support.demo_child import serve_demo

# With lead_in=300 the scenario is 5 minutes in at FROZEN_NOW: npa-2 degrading, npa-3 down for
# 2.5 minutes, alerts firing (the same moment the screenshots show).
INCIDENT_LEAD_IN = 300.0


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


@dataclass
class SharedClock:
    """The clock of a demo stack in another process: a float this process reads and moves."""

    value: Any  # a multiprocessing.Value("d")

    def __call__(self) -> float:
        return float(self.value.value)

    def advance(self, seconds: float) -> None:
        """Move the simulated time on (the child sees it at its next request)."""
        with self.value.get_lock():
            self.value.value += seconds


@contextmanager
def demo_in_another_process(
    start: float | None = None, *, lead_in: float = INCIDENT_LEAD_IN
) -> Iterator[tuple[DemoUrls, SharedClock | None]]:
    """A demo stack serving from a child process; yields its URLs and its clock.

    ``start=None`` runs the stack on the wall clock (the clock yielded is ``None``); a number
    freezes it there, and the yielded :class:`SharedClock` moves it on.
    """
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    clock_value = None if start is None else context.Value("d", start)
    urls_out = context.Queue()
    stop = context.Event()
    process = context.Process(
        target=serve_demo, args=(clock_value, lead_in, urls_out, stop), name="opsconsole-demo", daemon=True
    )
    process.start()
    try:
        urls = DemoUrls(**urls_out.get(timeout=120))
        yield urls, None if clock_value is None else SharedClock(clock_value)
    finally:
        stop.set()
        process.join(timeout=20)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


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
