"""A refresh abandoned while its queries wait for the concurrency gate leaves nothing behind, and
one whose queries all fail prints nothing of its own (no "exception was never retrieved")."""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.refresh.query_batch import GATE, QueryBatch
from opsconsole.refresh.range_memory import RangeMemory


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
    """Every query fails, after a turn of the event loop."""

    async def query(self, promql: str, at: float) -> Any:
        await asyncio.sleep(0)
        raise BackendError("prometheus", FailureKind.SERVER_ERROR, "503: server error")

    async def query_range(self, promql: str, start: float, end: float, step: float) -> Any:
        await asyncio.sleep(0)
        raise BackendError("prometheus", FailureKind.SERVER_ERROR, "503: server error")


def test_a_refresh_whose_queries_all_fail_logs_nothing_of_its_own(caplog: pytest.LogCaptureFixture) -> None:
    async def refresh() -> list[Any]:
        batch = QueryBatch(FailingPrometheus(), ranges=RangeMemory(), asked_at=100.0)  # type: ignore[arg-type]
        asked = [
            batch.instant_value("sum(a)", 1.0),
            batch.instant_value("sum(b)", 1.0),  # with a: one union
            batch.instant("c", 2.0),
            batch.range("d", 0.0, 60.0, 2.0),
        ]
        got = await asyncio.gather(*asked, return_exceptions=True)
        await batch.drain()
        return got

    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        got = asyncio.run(refresh())
        gc.collect()
    assert [type(g).__name__ for g in got] == ["BackendError"] * 4
    assert [
        r.getMessage() for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR
    ] == []


def test_a_refresh_abandoned_after_its_queries_failed_logs_nothing_of_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def abandoned_refresh() -> None:
        batch = QueryBatch(FailingPrometheus(), alone={"a"})  # type: ignore[arg-type]
        # Asked, never awaited nor drained: the overview's refresh stopped at its deadline.
        batch.instant("a", 1.0)
        batch.range("d", 0.0, 60.0, 2.0)
        for _ in range(3):  # the requests fail meanwhile
            await asyncio.sleep(0)

    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        asyncio.run(abandoned_refresh())
        gc.collect()
    assert [
        r.getMessage() for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR
    ] == []


class RefusingPrometheus:
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
    prometheus = RefusingPrometheus()
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
