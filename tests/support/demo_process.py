"""A demo stack in a process of its own, and the simulated clock this process moves it on with.

Apart from ``demo_fixtures`` so that a process that only needs this (the memory soak's) does not
import Textual and aiohttp with the screenshots' clock.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opsconsole.demo.stack import DemoUrls
from tests.support.demo_child import serve_demo

# With lead_in=300 the scenario is 5 minutes in at FROZEN_NOW: npa-2 degrading, npa-3 down for
# 2.5 minutes, alerts firing (the same moment the screenshots show).
INCIDENT_LEAD_IN = 300.0


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
def served_from_a_child(target: Callable[..., None], *args: Any, name: str) -> Iterator[Any]:
    """Runs ``target(*args, out, stop)`` in a spawned child process until the block ends; yields
    the first thing the child puts on ``out`` (its URLs), and then sets ``stop`` and reaps it."""
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    out = context.Queue()
    stop = context.Event()
    process = context.Process(target=target, args=(*args, out, stop), name=name, daemon=True)
    process.start()
    try:
        yield out.get(timeout=120)  # a spawn's imports, on a loaded machine
    finally:
        stop.set()
        process.join(timeout=20)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


@contextmanager
def demo_in_another_process(
    start: float | None = None, *, lead_in: float = INCIDENT_LEAD_IN
) -> Iterator[tuple[DemoUrls, SharedClock | None]]:
    """A demo stack serving from a child process; yields its URLs and its clock.

    ``start=None`` runs the stack on the wall clock (the clock yielded is ``None``); a number
    freezes it there, and the yielded :class:`SharedClock` moves it on.
    """
    clock_value = None if start is None else multiprocessing.get_context("spawn").Value("d", start)
    with served_from_a_child(serve_demo, clock_value, lead_in, name="opsconsole-demo") as urls:
        yield DemoUrls(**urls), None if clock_value is None else SharedClock(clock_value)
