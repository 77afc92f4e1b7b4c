"""The body of the process that ``demo_in_another_process`` starts: a demo stack, served until told to stop.

A module of its own, importing only the stack: the child of a "spawn" imports the module its target
lives in, and ``demo_fixtures`` imports the screenshots' clock and with it Textual and the console
(0.7 s of CPU that every child spent before it could start the stack).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any


def serve_demo(clock_value: Any, lead_in: float, urls_out: Any, stop: Any) -> None:
    """The demo stack until ``stop`` is set, on the shared clock or the wall clock (URLs to ``urls_out``).

    When told to stop it exits at once: the parent is done with it (its clients closed), the stack
    keeps nothing on disk and the system closes the sockets, whereas closing each server gracefully
    and then tearing down an interpreter full of the demo's caches took 0.6 to 3 s of every stop,
    the more the busier the machine.
    """
    from opsconsole.demo.stack import BackgroundStack, DemoStack

    clock: Callable[[], float] = time.time if clock_value is None else (lambda: float(clock_value.value))
    background = BackgroundStack(DemoStack(clock=clock, lead_in=lead_in))
    urls_out.put(asdict(background.start()))
    urls_out.close()
    urls_out.join_thread()  # the URLs are out of this process before it can end
    stop.wait()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
