"""The demo's Loki keeps a tail open while the console is busy for a moment.

Its tail websocket pings the client; a console busy drawing a large screen on a loaded machine
answers late. A pong deadline of half a second (the demo's old heartbeat of 1 s) dropped the
tail, and the log pane said "1 reconnect(s)": snapshot tests failed on loaded machines and the
demo reconnected for nothing. The deadline is now that of a client's keepalive (real Loki does not
drop a tail for a slow pong either).
"""

from __future__ import annotations

import asyncio
import time

from opsconsole.backends.loki import LokiClient
from opsconsole.config import EndpointSettings
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.packs.schema import LogFields
from opsconsole.refresh.log_tail import LogTail, TailRequest
from tests.support.demo_fixtures import running_demo

NS = 1_000_000_000
QUERY = '{namespace="progressive-framework-prod"}'
BUSY_SECONDS = 3.0  # the console's loop held this long: several of the old pong deadlines
DEADLINE = 60.0  # only bounds a failure: each wait ends as soon as its condition holds


async def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_console_busy_for_seconds_keeps_its_demo_tail() -> None:
    with running_demo(clock=time.time) as (_, urls):
        client = LokiClient(EndpointSettings(url=urls.loki))
        request = TailRequest(QUERY, start_ns=int((time.time() - 5) * NS), backlog=1000)
        tail = LogTail(client, request, LogFields(entity="agent_id"), LogBuffer(10_000))
        task = asyncio.create_task(tail.run())
        try:
            await _wait(lambda: tail.status.state == "live", "the tail never went live")
            received = tail.buffer.received
            time.sleep(BUSY_SECONDS)  # the point: the loop answers no ping meanwhile
            # The demo world logs about ten lines a second: wait for lines sent after the busy spell.
            await _wait(lambda: tail.buffer.received > received, "no line after the busy spell")
            await asyncio.sleep(1.0)  # a close after the busy spell would be seen by now
            assert tail.status.state == "live", tail.status
            assert tail.status.reconnects == 0, tail.status
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await client.aclose()
