"""A refresh abandoned while its queries wait for the concurrency gate leaves nothing behind."""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import pytest

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


class FailingPrometheus:
    """Answers nothing: every query fails at once; records when each one started."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def query(self, promql: str, at: float) -> Any:
        self.asked.append(promql)
        await asyncio.sleep(0)
        raise RuntimeError(f"refused {promql}")


async def _in_turn(values: Any) -> None:
    for value in values:
        await value


def test_values_asked_alone_all_go_out_and_none_is_left_unawaited_when_the_first_fails() -> None:
    # The SLO pane asks every part of a ratio, then awaits them in turn and stops at the first
    # failure. Parts asked alone were coroutines: they went out only when awaited, one after another,
    # and those after a failure never ran ("coroutine ... was never awaited").
    prometheus = FailingPrometheus()
    parts = ["bad_total", "good_total", "all_total"]

    async def ratio() -> None:
        batch = QueryBatch(prometheus, alone=set(parts))  # type: ignore[arg-type]
        asked = {part: batch.instant_value(part, 100.0) for part in parts}
        for _ in range(5):  # a few turns of the loop: each part's task, then its request's
            await asyncio.sleep(0)
        assert prometheus.asked == parts  # every part out before any is awaited
        with pytest.raises(RuntimeError, match="refused bad_total"):
            await _in_turn(asked.values())  # as the pane does: stops at the first failure
        await batch.drain()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(ratio())
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
