"""Soak: a simulated day of refreshes (accelerated) leaves the console's memory flat.

The demo stack runs in its own process on a simulated clock that this test moves on by
``STEP`` per refresh, so a day of the scripted world (the incident, alerts firing and resolving,
SLO windows sliding) passes in a couple of minutes. Memory is what tracemalloc sees allocated in
this process, where only the console's side runs, sampled every simulated hour.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from opsconsole.core.log_buffer import LogBuffer
from opsconsole.demo.stack import DemoUrls
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from opsconsole.ui.launch import demo_backends
from opsconsole.ui.screenshots import FROZEN_NOW

STEP = 3600.0  # simulated seconds per refresh: 24 refreshes a day, sampled after each
DAY = 24 * 3600


def _serve_demo(clock_value: Any, urls_out: Any, stop: Any) -> None:
    """The child process: the demo stack on the shared simulated clock until ``stop`` is set."""
    from opsconsole.demo.stack import BackgroundStack, DemoStack

    stack = BackgroundStack(DemoStack(clock=lambda: clock_value.value, lead_in=300))
    urls_out.put(asdict(stack.start()))
    stop.wait()
    stack.stop()


@contextmanager
def demo_in_another_process(start: float) -> Iterator[tuple[DemoUrls, Any]]:
    """A demo stack in a child process; yields its URLs and the shared clock to move."""
    context = multiprocessing.get_context("spawn")
    clock_value = context.Value("d", start)
    urls_out = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve_demo, args=(clock_value, urls_out, stop), daemon=True)
    process.start()
    try:
        yield DemoUrls(**urls_out.get(timeout=60)), clock_value
    finally:
        stop.set()
        process.join(timeout=20)
        if process.is_alive():
            process.kill()


def _traced_mib() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 2**20


def test_memory_is_flat_over_a_simulated_day() -> None:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    hourly: list[float] = []
    with demo_in_another_process(FROZEN_NOW) as (urls, clock_value):

        def clock() -> float:
            return float(clock_value.value)

        async def soak() -> None:
            backends = demo_backends(urls)
            service = RefreshService("soak", pack, backends, clock=clock)
            buffer = LogBuffer(capacity=2_000)
            try:
                for step in range(int(DAY / STEP)):
                    board = await service.refresh()
                    assert board.health, f"refresh {step}: no health rows"
                    buffer.extend(board.logs)
                    clock_value.value += STEP
                    if (step * STEP) % 3600 == 0:
                        hourly.append(_traced_mib())
            finally:
                await backends.aclose()

        tracemalloc.start()
        try:
            asyncio.run(soak())
        finally:
            tracemalloc.stop()
    assert len(hourly) == 24
    shown = [round(h, 2) for h in hourly]
    print("traced MiB per simulated hour:", shown)
    warm = hourly[2]  # after two simulated hours every cache has been filled once
    assert max(hourly[2:]) - warm < 2.0, shown
    assert hourly[-1] - hourly[12] < 0.5, shown  # the second half of the day: no trend at all
