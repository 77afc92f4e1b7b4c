"""A refresh abandoned while its queries wait for the concurrency gate leaves nothing behind."""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

from opsconsole.refresh.query_batch import GATE, QueryBatch


class HangingPrometheus:
    """Every query waits until cancelled; counts the ones that started."""

    def __init__(self) -> None:
        self.started = 0

    async def query(self, promql: str, at: float) -> Any:
        self.started += 1
        await asyncio.Event().wait()


def test_queries_cancelled_at_the_gate_are_closed_not_left_unawaited() -> None:
    prometheus = HangingPrometheus()

    async def abandoned_refresh() -> None:
        batch = QueryBatch(prometheus)  # type: ignore[arg-type]
        # Each at its own instant: queries asked at one instant would go out as one union request.
        waiting = [batch.instant(f"up{{n='{n}'}}", float(n)) for n in range(GATE + 3)]
        for _ in range(3):  # the unions are sent, then the first GATE start; the rest wait for the gate
            await asyncio.sleep(0)
        for task in waiting:
            task.cancel()  # type: ignore[attr-defined]
        await asyncio.gather(*waiting, return_exceptions=True)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(abandoned_refresh())
        gc.collect()
    assert prometheus.started == GATE
    never_awaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert never_awaited == []
