"""The console's log tail against the demo stack's Loki, on the wall clock, with the tail's faults.

Every run is checked against the ground truth: after the tail has run, a paged ``query_range``
over the same span must return exactly the lines the buffer holds, in the same order — no gap,
no duplicate — whatever the websocket did in between (dropped, refused, full first frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator

import pytest

from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.config import EndpointSettings
from opsconsole.core.dashboard import LogRow
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.demo.loki_sim import TailFaults
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.packs.schema import LogFields
from opsconsole.refresh.log_tail import GAP_LEVEL, LogTail, TailRequest, entry_row
from tests.support.demo_fixtures import running_demo

NS = 1_000_000_000
# Every stream of the platform: about ten lines a second in the demo world.
QUERY = '{namespace="progressive-framework-prod"}'
FIELDS = LogFields(entity="agent_id")

Live = tuple[DemoStack, DemoUrls]
# How long a tail may take to show what its fault leads to. The tests stop as soon as it shows, so
# this only bounds a failure: a loaded machine may be slow, the check never waits for nothing.
OUTCOME_DEADLINE = 60.0


@pytest.fixture(scope="module")
def live_stack() -> Iterator[Live]:
    """A wall-clock demo stack of this module's own: the tests change its tail faults."""
    with running_demo(clock=time.time) as running:
        yield running


@pytest.fixture
def faults(live_stack: Live) -> Iterator[TailFaults]:
    """The stack's tail faults, reset after each test."""
    sim = live_stack[0].loki
    sim.tail_faults = TailFaults()
    yield sim.tail_faults
    sim.tail_faults = TailFaults()


async def _run_tail(
    urls: DemoUrls,
    until: Callable[[LogTail], bool],
    *,
    start_back: float = 20.0,
    use_websocket: bool = True,
    backlog: int = 50_000,
) -> tuple[LogTail, LokiClient, int]:
    """Run a tail until ``until(tail)`` holds (the fault's outcome) or ``OUTCOME_DEADLINE`` passes."""
    client = LokiClient(EndpointSettings(url=urls.loki))
    start_ns = int((time.time() - start_back) * NS)
    request = TailRequest(QUERY, start_ns=start_ns, backlog=backlog)
    tail = LogTail(
        client, request, FIELDS, LogBuffer(100_000), use_websocket=use_websocket, poll_interval=0.3
    )
    task = asyncio.create_task(tail.run())
    deadline = time.monotonic() + OUTCOME_DEADLINE
    while not until(tail) and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return tail, client, start_ns


def _newest_ns(tail: LogTail) -> int:
    rows = [r for r in tail.buffer.rows() if r.level != GAP_LEVEL]
    return rows[-1].ts_ns if rows else 0


def _live_lines_after(started_ns: int) -> Callable[[LogTail], bool]:
    """The tail is live and holds a line stamped after ``started_ns`` (so it came over the socket)."""
    return lambda tail: tail.status.state == "live" and _newest_ns(tail) > started_ns


def _lines(rows: list[LogRow]) -> list[tuple[int, str, str]]:
    return [(r.ts_ns, r.entity, r.message) for r in rows if r.level != GAP_LEVEL]


async def _truth(client: LokiClient, start_ns: int, rows: list[LogRow]) -> list[tuple[int, str, str]]:
    end_ns = max(r.ts_ns for r in rows) + 1
    entries = await client.lines_since(QUERY, start_ns, end_ns)
    return _lines([entry_row(e, FIELDS) for e in entries])


async def test_backlog_then_websocket_has_every_line_once(live_stack: Live, faults: TailFaults) -> None:
    started_ns = time.time_ns()
    tail, client, start_ns = await _run_tail(live_stack[1], _live_lines_after(started_ns + NS))
    try:
        rows = list(tail.buffer.rows())
        assert tail.status.state == "live"
        assert faults.connections == 1
        shown = _lines(rows)
        assert shown[-1][0] > started_ns + NS, "no live lines arrived"
        assert shown == await _truth(client, start_ns, rows)
        assert tail.describe() == "live"
    finally:
        await client.aclose()


async def test_reconnects_after_the_server_hangs_up_without_gaps_or_duplicates(
    live_stack: Live, faults: TailFaults
) -> None:
    faults.close_after_frames = 2  # every connection dies after two frames (about a second)
    tail, client, start_ns = await _run_tail(
        live_stack[1], lambda tail: faults.connections >= 3 and tail.status.reconnects >= 2
    )
    try:
        rows = list(tail.buffer.rows())
        assert faults.connections >= 3, "the tail never reconnected"
        assert tail.status.reconnects >= 2
        assert f"{tail.status.reconnects} reconnect(s)" in tail.describe()
        # Each reconnect catches up with query_range before the socket reopens.
        assert tail.status.caught_up > 0
        assert _lines(rows) == await _truth(client, start_ns, rows)
    finally:
        await client.aclose()


async def test_falls_back_to_polling_when_the_upgrade_is_refused(
    live_stack: Live, faults: TailFaults
) -> None:
    faults.refuse_status = 400  # what a proxy that strips Upgrade headers gets from Loki
    started_ns = time.time_ns()
    tail, client, start_ns = await _run_tail(
        live_stack[1], lambda tail: tail.status.state == "polling" and _newest_ns(tail) > started_ns + NS
    )
    try:
        rows = list(tail.buffer.rows())
        assert faults.connections == 0
        assert tail.status.state == "polling"
        assert "websocket refused (400); polling instead" in tail.describe()
        shown = _lines(rows)
        assert shown[-1][0] > started_ns + NS, "polling brought no new lines"
        assert shown == await _truth(client, start_ns, rows)
    finally:
        await client.aclose()


async def test_lines_loki_drops_are_counted_and_said(live_stack: Live, faults: TailFaults) -> None:
    faults.max_frame_entries = 3  # a slow client: Loki keeps three per frame, reports the rest
    started_ns = time.time_ns()
    tail, client, start_ns = await _run_tail(
        live_stack[1], lambda tail: tail.buffer.dropped > 0 and _newest_ns(tail) > started_ns + NS
    )
    try:
        rows = list(tail.buffer.rows())
        dropped = tail.buffer.dropped
        assert dropped > 0
        assert tail.status.dropped_total == dropped
        assert f"{dropped} dropped by Loki" in tail.describe()
        shown, truth = _lines(rows), await _truth(client, start_ns, rows)
        # What arrived is in order and never twice, and every missing line is one Loki said it
        # dropped (the last frame's dropped lines lie beyond the newest line held, so "at most").
        assert len(set(shown)) == len(shown)
        assert set(shown) <= set(truth)
        assert 0 < len(truth) - len(shown) <= dropped
        assert shown == sorted(shown, key=lambda line: line[0])
    finally:
        await client.aclose()


async def test_a_full_first_frame_is_filled_from_query_range(live_stack: Live, faults: TailFaults) -> None:
    # A slow upgrade: seconds of lines pile up, and Loki's first frame holds only the newest five.
    faults.accept_delay = 2.0
    client = LokiClient(EndpointSettings(url=live_stack[1].loki))
    start_ns = int((time.time() - 3) * NS)
    stream = LokiTailStream(client, QUERY, start_ns=start_ns, limit=5)
    got: list[LogRow] = []

    async def collect() -> None:
        async for batch in stream:
            got.extend(entry_row(e, FIELDS) for e in batch.entries)
            if got and got[-1].ts_ns > start_ns + 5 * NS:
                return

    try:
        await asyncio.wait_for(collect(), timeout=20)
        assert stream.status.holes_filled == 1
        assert _lines(got) == await _truth(client, start_ns, got)
    finally:
        await client.aclose()


async def test_an_outage_longer_than_the_catch_up_limit_is_marked_not_replayed(
    live_stack: Live, faults: TailFaults
) -> None:
    stream = LokiTailStream(
        LokiClient(EndpointSettings(url=live_stack[1].loki)),
        QUERY,
        start_ns=int((time.time() - 60) * NS),  # the last line seen was a minute ago
        max_catch_up=50,
    )
    try:
        first = await asyncio.wait_for(anext(aiter(stream)), timeout=10)
    finally:
        await stream.client.aclose()
    assert first.skipped is not None
    skipped_from, skipped_to = first.skipped
    assert skipped_to - skipped_from > 30 * NS
    assert len(first.entries) == 50  # the newest 50, from where the skipped span ends
    assert all(e.ts_ns >= skipped_to for e in first.entries)


async def test_reconnect_gaps_past_the_catch_up_limit_show_as_marked_rows(
    live_stack: Live, faults: TailFaults
) -> None:
    faults.close_after_frames = 1
    client = LokiClient(EndpointSettings(url=live_stack[1].loki))
    request = TailRequest(QUERY, start_ns=int((time.time() - 5) * NS), backlog=50_000)
    # A catch-up limit smaller than the lines of one reconnect's backoff (a few at ten a second).
    tail = LogTail(client, request, FIELDS, LogBuffer(10_000), max_catch_up=1)
    task = asyncio.create_task(tail.run())
    try:
        deadline = time.monotonic() + OUTCOME_DEADLINE
        while tail.skipped_spans < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    gaps = [r for r in tail.buffer.rows() if r.level == GAP_LEVEL]
    assert gaps and len(gaps) == tail.skipped_spans
    assert all("of lines not loaded after reconnecting" in r.message for r in gaps)
    assert f"{tail.skipped_spans} gap(s) after reconnects" in tail.describe()


async def _follow_until(stream: LokiTailStream, done: Callable[[], bool]) -> int:
    """Read ``stream`` until ``done()`` (bounded by ``OUTCOME_DEADLINE``); returns the batches read."""
    batches = 0

    async def read() -> None:
        nonlocal batches
        async for _ in stream:
            batches += 1
            if done():
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read(), OUTCOME_DEADLINE)
    return batches


@pytest.mark.parametrize(("status", "again"), [(503, True), (502, True), (400, False), (404, False)])
async def test_a_websocket_refused_by_a_server_error_is_tried_again_later(
    live_stack: Live, faults: TailFaults, status: int, again: bool
) -> None:
    """A gateway answering 502/503 while Loki restarts refuses the upgrade for a while; polling
    stands in until the websocket is tried again. A refusal such as 400 (a proxy stripping the
    upgrade) is for good: asking again would meet the same proxy."""
    faults.refuse_status = status
    client = LokiClient(EndpointSettings(url=live_stack[1].loki, timeout=30))
    stream = LokiTailStream(
        client, QUERY, start_ns=time.time_ns() - 5 * NS, poll_interval=0.1, websocket_again_after=0.5
    )
    try:
        await _follow_until(stream, lambda: stream.status.state == "polling")
        assert stream.status.state == "polling"
        told = stream.status.last_error or ""
        assert told.startswith(f"websocket refused ({status}); polling instead"), told
        assert ("the websocket again in 0s" in told) is again
        faults.refuse_status = None  # the gateway has its Loki back
        # Polls until the socket is live, or (no second try) a good many polls past the half second.
        started = time.monotonic()
        batches = await _follow_until(
            stream,
            lambda: stream.status.state == "live" or (time.monotonic() - started > 2.0 and not again),
        )
        assert batches > 0
        assert (stream.status.state, faults.connections) == (("live", 1) if again else ("polling", 0))
    finally:
        await client.aclose()
