"""The soak's procedure: refreshes back to back against a demo stack in another process, with the
console's allocated memory sampled after each measured one (used by the soak and by its own check).

The demo stack runs in its own process on a simulated clock that the procedure moves on after each
refresh, without waiting: every refresh asks for what a real one asks for, only back to back.

The console's side (the refresh service and the console's log buffer) runs in a process of its own
too, started for the soak with ``PYTHONMALLOC=malloc`` and glibc's caches of freed blocks off
(``GLIBC_TUNABLES``): every Python object is then a block of the C allocator, freed at once when
Python frees it, so the bytes ``mallinfo2()`` reports allocated are what the process holds, counted
exactly, Python objects and C extensions' memory alike, and nothing else's (not pytest's, not other
test modules'). Asking costs nothing per allocation, where tracemalloc, which this replaced, hooked
every one and took more than half of each soak's CPU. Where there is no ``mallinfo2`` (not glibc),
the process traces with tracemalloc from the first refresh instead, as the soak did before.

The warm-up moves the clock a simulated minute per refresh until the bounded buffers are full (the
log tail keeps ``LOG_KEEP`` lines: at the real 5 s interval the demo's pack brings about 55 new lines
a refresh, about 40 refreshes to fill them; at a minute, five or six), then a few refreshes at the
real interval let whatever follows the refresh cadence settle before the measured ones, also at the
real interval.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFRESH_INTERVAL = 5.0  # simulated s per refresh: the console's default (checked by the soak)
FILL_STEP = 12 * REFRESH_INTERVAL  # simulated seconds per warm-up refresh: the buffers fill 12x faster
MAX_FILL = 20  # warm-up refreshes allowed before the buffers must be full (about 6 needed)
SETTLE = 10  # refreshes at the real interval before the measured ones
MEASURED = 40
LEAK_LIMIT_KIB = 10.0  # growth per refresh tolerated (a steady leak of tens of KiB is not)
PANES = ("health", "red", "slo", "alerts", "logs")
# The soak's process: every allocation through malloc, and malloc keeping no freed block aside
# (per-thread cache and fast bins off) where mallinfo2 would count it as allocated.
MEASURING_ENV = {
    "PYTHONMALLOC": "malloc",
    "GLIBC_TUNABLES": "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0",
}


@dataclass
class SoakResult:
    """What a soak saw: allocated KiB after each measured refresh, and their growth per refresh."""

    samples: list[float]
    filled_after: int  # warm-up refreshes it took to fill the bounded buffers
    measure: str  # "mallinfo2" or "tracemalloc"

    @property
    def growth_kib(self) -> float:
        """Least-squares slope of the samples: KiB kept per refresh."""
        return statistics.linear_regression(range(len(self.samples)), self.samples).slope

    def shown(self) -> list[int]:
        """Every fifth sample, rounded, for a failure message."""
        return [round(s) for s in self.samples[::5]]


def soak(refreshed: str | None = None) -> SoakResult:
    """Run the procedure in a process of its own; ``refreshed`` ("module:function") sees every board."""
    from opsconsole.ui.screenshots import FROZEN_NOW

    env = {**os.environ, **MEASURING_ENV}
    command = [sys.executable, "-m", "tests.support.memory_soak", repr(FROZEN_NOW), refreshed or ""]
    # No deadline, as when the soak ran in the test's process: a loaded machine only makes it slower.
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"the soak's process failed ({done.returncode}):\n{done.stderr[-4000:]}"
    result = json.loads(done.stdout.splitlines()[-1])
    return SoakResult(result["samples"], result["filled_after"], result["measure"])


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _allocated_by_malloc() -> Callable[[], float] | None:
    """KiB malloc has handed out and not had back (heap and mmapped blocks, every thread's arena)."""
    if os.environ.get("PYTHONMALLOC") != "malloc":  # Python's own allocator would hide its objects
        return None
    mallinfo2 = getattr(ctypes.CDLL(None), "mallinfo2", None)
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2

    def allocated() -> float:
        info = mallinfo2()
        return float(info.uordblks + info.hblkhd) / 1024

    return allocated


def _traced() -> float:
    return tracemalloc.get_traced_memory()[0] / 1024


def _run(refreshed: Callable[[object], None]) -> tuple[list[float], int, str]:
    """The procedure, in this process: (KiB after each measured refresh, warm-up refreshes, measure)."""
    import asyncio

    from opsconsole.config import ConsoleConfig
    from opsconsole.core.dashboard import Dashboard
    from opsconsole.core.log_buffer import LogBuffer
    from opsconsole.launch import demo_backends
    from opsconsole.packs.loader import load_packs
    from opsconsole.refresh.panes.logs import LOG_KEEP
    from opsconsole.refresh.service import RefreshService
    from opsconsole.resources import builtin_queries_dir
    from tests.support.demo_process import demo_in_another_process

    assert ConsoleConfig.model_fields["refresh_interval"].default == REFRESH_INTERVAL
    by_malloc = _allocated_by_malloc()
    # The demo stack's process is not measured: it runs with Python's own allocator.
    for name in MEASURING_ENV:
        os.environ.pop(name, None)
    frozen_now = float(sys.argv[1])
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    samples: list[float] = []
    filled_after = 0

    def allocated_kib() -> float:
        gc.collect()
        return by_malloc() if by_malloc is not None else _traced()

    with demo_in_another_process(frozen_now) as (urls, clock):
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
                    samples.append(allocated_kib())
            finally:
                await backends.aclose()

        # What the imports made stays: frozen, the full collection before each sample leaves it alone,
        # while whatever the refreshes make is still collected.
        gc.collect()
        gc.freeze()
        if by_malloc is None:  # from the first refresh: every object the console keeps counted when made
            tracemalloc.start()
        asyncio.run(run())
    return samples, filled_after, "tracemalloc" if by_malloc is None else "mallinfo2"


def _main() -> None:
    refreshed: Callable[[object], None] = lambda board: None  # noqa: E731
    if sys.argv[2]:
        module, _, name = sys.argv[2].partition(":")
        refreshed = getattr(importlib.import_module(module), name)
    samples, filled_after, measure = _run(refreshed)
    print(json.dumps({"samples": samples, "filled_after": filled_after, "measure": measure}))


if __name__ == "__main__":
    _main()
