"""The soak's procedure: refreshes back to back against a demo stack in another process, with the
console's traced memory sampled after each measured one (used by the soak and by its own check).

The demo stack runs in its own process on a simulated clock that the procedure moves on after each
refresh, without waiting: every refresh asks for what a real one asks for, only back to back.
Memory is what tracemalloc sees allocated in this process, where only the console's side runs.

Tracing runs from the first refresh, so every object the console keeps is counted when it is made
and when it is freed. The warm-up moves the clock a simulated minute per refresh until the bounded
buffers are full (the log tail keeps ``LOG_KEEP`` lines: at the real 5 s interval the demo's pack
brings about 55 new lines a refresh, about 40 refreshes to fill them; at a minute, five or six), then
a few refreshes at the real interval let whatever follows the refresh cadence settle before the
measured ones, also at the real interval.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from opsconsole.config import ConsoleConfig
from opsconsole.core.dashboard import Dashboard
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.launch import demo_backends
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.panes.logs import LOG_KEEP
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from opsconsole.ui.screenshots import FROZEN_NOW
from tests.support.demo_fixtures import demo_in_another_process

REFRESH_INTERVAL = float(ConsoleConfig.model_fields["refresh_interval"].default)  # simulated s per refresh
FILL_STEP = 12 * REFRESH_INTERVAL  # simulated seconds per warm-up refresh: the buffers fill 12x faster
MAX_FILL = 20  # warm-up refreshes allowed before the buffers must be full (about 6 needed)
SETTLE = 10  # refreshes at the real interval before the measured ones
MEASURED = 40
LEAK_LIMIT_KIB = 10.0  # growth per refresh tolerated (a steady leak of tens of KiB is not)
PANES = ("health", "red", "slo", "alerts", "logs")


@dataclass
class SoakResult:
    """What a soak saw: traced KiB after each measured refresh, and their growth per refresh."""

    samples: list[float]
    filled_after: int  # warm-up refreshes it took to fill the bounded buffers

    @property
    def growth_kib(self) -> float:
        """Least-squares slope of the samples: KiB kept per refresh."""
        return statistics.linear_regression(range(len(self.samples)), self.samples).slope

    def shown(self) -> list[int]:
        """Every fifth sample, rounded, for a failure message."""
        return [round(s) for s in self.samples[::5]]


def _traced_kib() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 1024


def soak(refreshed: Callable[[Dashboard], None] = lambda board: None) -> SoakResult:
    """Run the procedure with the progressive-framework pack; ``refreshed`` sees every board."""
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    samples: list[float] = []
    filled_after = 0
    with demo_in_another_process(FROZEN_NOW) as (urls, clock):
        assert clock is not None

        async def run() -> None:
            nonlocal filled_after
            backends = demo_backends(urls)
            service = RefreshService("soak", pack, backends, clock=clock)
            buffer = LogBuffer(capacity=LOG_KEEP)  # the console's own buffer of the tail

            async def refresh(step: int, advance: float) -> Dashboard:
                board = await service.refresh()
                assert board.health, f"refresh {step}: no health rows"
                for pane in PANES:
                    assert board.pane_status(pane).error is None, (step, pane, board.pane_status(pane))
                buffer.extend(board.logs)
                refreshed(board)
                clock.advance(advance)
                return board

            try:
                step = 0
                # The warm-up: until the pane's and the console's buffers are full.
                while len((await refresh(step, FILL_STEP)).logs) < LOG_KEEP or len(buffer) < LOG_KEEP:
                    step += 1
                    assert step < MAX_FILL, f"the log buffers are not full after {step} refreshes"
                filled_after = step + 1
                for step in range(filled_after, filled_after + SETTLE):
                    await refresh(step, REFRESH_INTERVAL)
                for step in range(filled_after + SETTLE, filled_after + SETTLE + MEASURED):
                    await refresh(step, REFRESH_INTERVAL)
                    samples.append(_traced_kib())
            finally:
                await backends.aclose()

        # What this process held before the soak (pytest, every test module a worker imported, Textual)
        # is not the console's: frozen, the full collection after each refresh leaves it alone (it
        # walked all of it, 0.2 s a sample), while whatever the refreshes make is still collected.
        gc.collect()
        gc.freeze()
        tracemalloc.start()
        try:
            asyncio.run(run())
        finally:
            tracemalloc.stop()
            gc.unfreeze()
    return SoakResult(samples, filled_after)
