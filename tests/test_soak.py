"""Soak: hundreds of refreshes, each at the real refresh's cost, leave the console's memory flat.

The demo stack runs in its own process on a simulated clock that this test moves on by the
console's default refresh interval after each refresh, without waiting: every refresh asks for
what a real one asks for (the same window of new log lines, the same ranges), only back to back.
Memory is what tracemalloc sees allocated in this process, where only the console's side runs,
after every refresh once the bounded buffers (the log tail keeps ``LOG_KEEP`` lines) are full.

The figure checked is the growth per refresh (a least-squares slope over the measured refreshes),
not the growth of the whole run, so a leak of tens of KiB per refresh (46 KiB per refresh is
0.8 GiB a day at a 5 s refresh) fails here while the noise of a single sample does not.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tracemalloc

from opsconsole.config import ConsoleConfig
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.launch import demo_backends
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.panes.logs import LOG_KEEP
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from opsconsole.ui.screenshots import FROZEN_NOW
from tests.demo_fixtures import demo_in_another_process

REFRESH_INTERVAL = float(ConsoleConfig.model_fields["refresh_interval"].default)  # simulated s per refresh
# The demo's pack brings about 55 new log lines per 5 s refresh: the kept lines (LOG_KEEP) and the
# console's own buffer are full after about 40 refreshes; every cache has been filled by then.
WARM_UP = 50
MEASURED = 60
LEAK_LIMIT_KIB = 10.0  # growth per refresh tolerated (a steady leak of tens of KiB is not)


def _traced_kib() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 1024


def test_memory_is_flat_over_hundreds_of_refreshes() -> None:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    samples: list[float] = []
    kept_logs: list[int] = []
    with demo_in_another_process(FROZEN_NOW) as (urls, clock):
        assert clock is not None

        async def soak() -> None:
            backends = demo_backends(urls)
            service = RefreshService("soak", pack, backends, clock=clock)
            buffer = LogBuffer(capacity=LOG_KEEP)
            try:
                for step in range(WARM_UP + MEASURED):
                    board = await service.refresh()
                    assert board.health, f"refresh {step}: no health rows"
                    for pane in ("health", "red", "slo", "alerts", "logs"):
                        assert board.pane_status(pane).error is None, (step, pane, board.pane_status(pane))
                    buffer.extend(board.logs)
                    kept_logs.append(len(board.logs))
                    clock.advance(REFRESH_INTERVAL)
                    if step >= WARM_UP:
                        samples.append(_traced_kib())
            finally:
                await backends.aclose()

        tracemalloc.start()
        try:
            asyncio.run(soak())
        finally:
            tracemalloc.stop()
    assert len(samples) == MEASURED
    # The warm-up must have filled the bounded buffers, or their filling would look like a leak.
    assert kept_logs[WARM_UP - 1] == LOG_KEEP, kept_logs
    slope = statistics.linear_regression(range(MEASURED), samples).slope
    shown = [round(s) for s in samples[:: MEASURED // 12]]
    print(f"traced KiB every {MEASURED // 12} refreshes: {shown}; growth {slope:.2f} KiB per refresh")
    assert slope < LEAK_LIMIT_KIB, (slope, shown)
