"""Range answers reused across refreshes only while exact: same window, asked once it was final.

Against a real Prometheus: a kept answer equals the same query asked again; an answer asked before
its window's end had settled is asked again, and the new one shows the samples that arrived since
(reusing it would have served stale data). Without a server: a window that moved by a step is a
new question, and the service's figures say how many answers were kept.
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from prometheus_client import Gauge

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.config import EndpointSettings
from opsconsole.refresh.query_batch import QueryBatch
from opsconsole.refresh.range_memory import RangeMemory
from tests.conftest import ScrapeTarget
from tests.support.real_servers import RunningServer

SCRAPE = 1.0  # the test Prometheus scrapes every second
STEP = 2.0


async def _ask(
    prometheus: object, memory: RangeMemory, promql: str, window: tuple[float, float], asked_at: float
) -> tuple[QueryResult, int]:
    """One refresh's range query; returns the answer and how many requests it sent."""
    batch = QueryBatch(prometheus, ranges=memory, asked_at=asked_at, settle=SCRAPE)  # type: ignore[arg-type]
    result = await batch.range(promql, window[0], window[1], STEP)
    await batch.drain()
    return result, batch.sent


@pytest.mark.real_backend
async def test_a_kept_range_answer_equals_a_fresh_one_and_an_unsettled_one_is_asked_again(
    real_prometheus: RunningServer, scrape_target: ScrapeTarget
) -> None:
    gauge = Gauge(
        "opsconsole_test_range_memory", "Moved by the range memory test", registry=scrape_target.registry
    )
    gauge.set(1)
    promql = "sum(opsconsole_test_range_memory)"
    prometheus = PrometheusClient(EndpointSettings(url=real_prometheus.url))
    try:

        async def latest() -> float | None:
            result = await prometheus.query(promql)
            return result.vector[0].value if result.vector else None

        async def wait_for(value: float) -> None:
            deadline = time.monotonic() + 30
            while await latest() != value:
                assert time.monotonic() < deadline, f"{promql} never reached {value}"
                await asyncio.sleep(0.2)

        await wait_for(1)
        await asyncio.sleep(3 * SCRAPE + STEP)  # samples of 1 before the settled window's end below
        memory = RangeMemory()
        now = time.time()
        end = math.floor((now - 2 * SCRAPE) / STEP) * STEP  # settled: more than a scrape ago
        settled = (end - 20 * STEP, end)
        first, sent = await _ask(prometheus, memory, promql, settled, now)
        assert sent == 1 and first.matrix
        kept, sent = await _ask(prometheus, memory, promql, settled, time.time())
        assert sent == 0 and kept is first
        assert kept == await prometheus.query_range(promql, *settled, STEP)  # what the server says now

        # A window reaching past now is not final when asked: the next refresh asks it again and
        # sees the value that arrived since (the kept answer would have been stale).
        now = time.time()
        open_end = math.ceil(now / STEP) * STEP + 2 * STEP
        unsettled = (open_end - 20 * STEP, open_end)
        before, sent = await _ask(prometheus, memory, promql, unsettled, now)
        assert sent == 1 and before.matrix[0].values[-1][1] == 1
        gauge.set(2)
        await wait_for(2)
        again, sent = await _ask(prometheus, memory, promql, unsettled, time.time())
        assert sent == 1 and again.matrix[0].values[-1][1] == 2
        assert again != before
    finally:
        await prometheus.aclose()
        scrape_target.registry.unregister(gauge)


class CountingPrometheus:
    """Answers every range query with one series whose last point is the number of the request."""

    def __init__(self) -> None:
        self.sent = 0

    async def query_range(self, promql: str, start: float, end: float, step: float) -> QueryResult:
        self.sent += 1
        return QueryResult.model_validate(
            {"result_type": "matrix", "matrix": [{"metric": {}, "values": [[end, str(self.sent)]]}]}
        )


def test_a_window_that_moved_by_a_step_is_asked_and_a_settled_one_is_not() -> None:
    fake = CountingPrometheus()
    memory = RangeMemory()

    async def refreshes() -> list[tuple[float, int]]:
        out = []
        for window, asked_at in (
            ((0.0, 60.0), 60.5),  # not final: asked within a scrape of its end
            ((0.0, 60.0), 61.2),  # final now: asked again, then kept
            ((0.0, 60.0), 62.0),  # reused
            ((2.0, 62.0), 62.5),  # moved by a step: a new question
            ((2.0, 62.0), 64.0),
            ((2.0, 62.0), 65.0),
            ((4.0, 64.0), 70.0),  # the next step, final when asked
            ((2.0, 62.0), 70.5),  # back a step: the kept answer is another window's
        ):
            result, sent = await _ask(fake, memory, "x", window, asked_at)
            out.append((result.matrix[0].values[-1][1], sent))
        return out

    assert asyncio.run(refreshes()) == [(1, 1), (2, 1), (2, 0), (3, 1), (4, 1), (4, 0), (5, 1), (6, 1)]
    assert fake.sent == 6


def test_an_answer_asked_exactly_one_scrape_after_its_window_is_final_and_reused() -> None:
    fake = CountingPrometheus()
    memory = RangeMemory()

    async def refreshes() -> list[int]:
        sent = []
        for asked_at in (61.0, 61.5):  # the first asked exactly SCRAPE seconds after the window's end
            _, count = await _ask(fake, memory, "x", (0.0, 60.0), asked_at)
            sent.append(count)
        return sent

    assert asyncio.run(refreshes()) == [1, 0]


class TextsPrometheus:
    """Answers each range query with one point: the number of the request; records (text, start, end)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float, float]] = []

    async def query_range(self, promql: str, start: float, end: float, step: float) -> QueryResult:
        self.asked.append((promql, start, end))
        number = len(self.asked)
        await asyncio.sleep(0)  # a turn of the event loop, as a request takes
        return QueryResult.model_validate(
            {"result_type": "matrix", "matrix": [{"metric": {}, "values": [[end, str(number)]]}]}
        )


def test_a_query_that_settles_sooner_is_reused_sooner_and_the_figures_count_it() -> None:
    fake, memory = TextsPrometheus(), RangeMemory()

    async def refresh(asked_at: float) -> tuple[list[float], QueryBatch]:
        # The longest scrape interval is a minute; a and c read a job scraped every 2 s.
        batch = QueryBatch(fake, ranges=memory, asked_at=asked_at, settle=60.0)  # type: ignore[arg-type]
        got = await asyncio.gather(
            batch.range("a", 0.0, 60.0, STEP, settle=2.0),
            batch.range("a", 0.0, 60.0, STEP, settle=2.0),  # another pane's same question
            batch.range("b", 0.0, 60.0, STEP),  # settles after the longest interval
            batch.range("c", 2.0, 62.0, STEP, settle=2.0),
        )
        await batch.drain()
        return [r.matrix[0].values[-1][1] for r in got], batch

    first, batch = asyncio.run(refresh(62.5))
    assert sorted(fake.asked) == [("a", 0.0, 60.0), ("b", 0.0, 60.0), ("c", 2.0, 62.0)]
    assert first[0] == first[1] and len(set(first)) == 3
    assert (batch.asked, batch.sent, batch.kept) == (4, 3, 0)
    again, batch = asyncio.run(refresh(63.0))
    assert again[:2] == first[:2]  # a was final when asked, 2.5 s after its window's end: kept
    assert again[2:] == [4, 5] or again[2:] == [5, 4]  # b and c were not: asked again
    assert (batch.asked, batch.sent, batch.kept) == (4, 2, 2)


def test_two_windows_of_one_query_are_two_questions_and_the_refresh_ends_with_every_answer() -> None:
    fake = TextsPrometheus()
    windows = [(0.0, 60.0), (2.0, 60.0), (0.0, 62.0)]

    async def refresh() -> list[float]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        asked = [batch.range("a", start, end, STEP) for start, end in windows]
        await batch.drain()  # a pane that stopped at its first error awaits nothing: drain does
        assert all(task.done() for task in asked)  # type: ignore[attr-defined]
        return [(await task).matrix[0].values[-1][1] for task in asked]

    assert sorted(asyncio.run(refresh())) == [1.0, 2.0, 3.0]
    assert sorted(fake.asked) == sorted(("a", start, end) for start, end in windows)
