"""A loopback proxy in front of one real backend that can be told to misbehave, and to stop.

``mode = "ok"`` forwards every request to the upstream. The other modes are the fault matrix:
refused connections (the listener closes and later reopens on the same port), a server that
never answers, a slow answer, HTTP error statuses, malformed JSON, JSON of the wrong shape, a
truncated body and an enormous one. ``mode = "rewrite"`` forwards, then hands each JSON answer to
``rewrite(path, payload)`` and sends what it returns: the real server's answer with one thing wrong.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

STATUS_FAULTS = {"401": 401, "403": 403, "404": 404, "429": 429, "500": 500, "503": 503}


@dataclass
class FaultProxy:
    """The proxy's knobs. ``hang_seconds`` must exceed the client's timeout; ``slow_seconds`` not."""

    upstream: str
    port: int = 0
    mode: str = "ok"
    hang_seconds: float = 30.0
    slow_seconds: float = 0.5
    enormous_bytes: int = 3 * 1024 * 1024
    requests: int = 0
    rewrite: Callable[[str, Any], Any] = field(default=lambda path, payload: payload)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _runner: web.AppRunner | None = field(default=None, repr=False)
    _site: web.TCPSite | None = field(default=None, repr=False)
    # To the upstream: one session, its connections kept open between requests (a session and a
    # connection per request cost the proxy's thread and the upstream's process more than the rest).
    _upstream: aiohttp.ClientSession | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _call(self, coroutine: object) -> object:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)  # type: ignore[arg-type]

    def refuse(self) -> None:
        """Stop serving: open connections are dropped and new ones refused until :meth:`accept`."""
        assert self._runner is not None
        self._call(self._runner.cleanup())

    def accept(self) -> None:
        """Serve again on the same port."""
        self._call(self._start(self.port))

    async def _start(self, port: int) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self._runner, self._site = runner, site
        self.port = runner.addresses[0][1]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        mode = self.mode
        if mode == "hang":
            await asyncio.sleep(self.hang_seconds)
        if mode in STATUS_FAULTS:
            return web.Response(status=STATUS_FAULTS[mode], text=f"injected {mode}")
        if mode == "malformed":
            return web.Response(text='{"status": "success", "data": {"resul', content_type="application/json")
        if mode == "wrong_shape":
            return web.json_response({"items": [1, 2, 3], "status": "success", "data": [[[]]]})
        if mode == "truncated":
            response = web.StreamResponse(
                headers={"Content-Length": "5000", "Content-Type": "application/json"}
            )
            await response.prepare(request)
            await response.write(b'{"status": "success", "data": ')
            assert request.transport is not None
            request.transport.close()  # hang up mid-body
            return response
        if mode == "enormous":
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            response.enable_chunked_encoding()  # no Content-Length: the size shows only while reading
            await response.prepare(request)
            chunk = b" " * 65536
            for _ in range(self.enormous_bytes // len(chunk) + 1):
                await response.write(chunk)
            await response.write_eof()
            return response
        if mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        response = await self._forward(request)
        if mode == "rewrite" and response.content_type == "application/json" and response.body:
            payload = self.rewrite(request.path, json.loads(bytes(response.body)))  # type: ignore[arg-type]
            return web.json_response(payload, status=response.status)
        return response

    async def _forward(self, request: web.Request) -> web.Response:
        if self._upstream is None:
            self._upstream = aiohttp.ClientSession()
        async with self._upstream.request(
            request.method,
            f"{self.upstream}{request.rel_url}",
            data=await request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() in {"content-type", "accept"}},
        ) as reply:
            body = await reply.read()
            return web.Response(status=reply.status, body=body, content_type=reply.content_type)

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._upstream is not None:
            await self._upstream.close()


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """Run a :class:`FaultProxy` for ``upstream`` on a free loopback port for the block."""
    proxy = FaultProxy(upstream)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    proxy._loop = loop
    proxy._call(proxy._start(0))
    try:
        yield proxy
    finally:
        proxy.mode = "ok"
        asyncio.run_coroutine_threadsafe(proxy._close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
