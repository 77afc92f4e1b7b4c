"""How late this process was woken while a test ran: the machine's delay, not the code's.

A test that checks a deadline is kept ("gave up within 1.5 s") must allow what a loaded machine
adds by not running the process on time; a fixed grace is the machine's speed written down. This
measures it instead: a thread asks to sleep a few milliseconds at a time and records the longest it
was kept waiting beyond that, for as long as the block runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TICK = 0.01  # how often the thread asks to be woken


@dataclass
class Lag:
    """The longest a wake-up came late while the block ran (seconds)."""

    worst: float = 0.0


@contextmanager
def machine_lag() -> Iterator[Lag]:
    """Measure, for the duration of the block, how late this process is woken (see above)."""
    lag = Lag()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            asked = time.monotonic()
            stop.wait(TICK)
            lag.worst = max(lag.worst, time.monotonic() - asked - TICK)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield lag
    finally:
        stop.set()
        thread.join()
