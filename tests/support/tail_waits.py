"""Waiting for a live tail to say what went wrong, for tests of its refusals and errors."""

from __future__ import annotations

import asyncio

from opsconsole.backends.loki_tail import LokiTailStream


async def until_the_tail_says_why(stream: LokiTailStream) -> None:
    """Run ``stream`` until it reports its first problem, then stop it (held in a long backoff
    meanwhile, so it says it once). The caller closes the stream's client."""
    stream._backoff = lambda attempt: 60.0  # type: ignore[method-assign]
    waiting = asyncio.ensure_future(stream.__aiter__().__anext__())
    try:
        async with asyncio.timeout(10):  # one refused upgrade: only a hang takes this long
            while stream.status.last_error is None:
                await asyncio.sleep(0.01)
    finally:
        waiting.cancel()
