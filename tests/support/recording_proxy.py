"""A loopback proxy that forwards everything to one backend and records every request it sees.

Put in front of a real Alertmanager, it proves what left the process: a read-only console or
command must show up here with GETs only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


@dataclass
class RecordingProxy:
    """Where to reach it, and every (method, path) it forwarded, in order."""

    url: str
    seen: list[tuple[str, str]] = field(default_factory=list)

    def writes(self) -> list[tuple[str, str]]:
        """Every request that was not a GET (or HEAD): what read-only must never send."""
        return [(m, p) for m, p in self.seen if m not in ("GET", "HEAD")]


@contextmanager
def recording_proxy(upstream: str) -> Iterator[RecordingProxy]:
    """Serve a recording proxy to ``upstream`` on a free 127.0.0.1 port until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    proxy = RecordingProxy("")
    state: dict[str, object] = {}

    async def forward(request: web.Request) -> web.Response:
        proxy.seen.append((request.method, request.path_qs))
        session = state["session"]
        assert isinstance(session, aiohttp.ClientSession)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        async with session.request(
            request.method, upstream.rstrip("/") + request.path_qs, headers=headers, data=body or None
        ) as answer:
            payload = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(status=answer.status, body=payload, headers=out)

    async def start() -> str:
        state["session"] = aiohttp.ClientSession(auto_decompress=True)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        state["runner"] = runner
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def stop() -> None:
        runner = state["runner"]
        assert isinstance(runner, web.AppRunner)
        await runner.cleanup()
        session = state["session"]
        assert isinstance(session, aiohttp.ClientSession)
        await session.close()

    proxy.url = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
