"""Every client takes the proxy the environment names, by one rule (requests', which Prometheus's
client applies by itself): Alertmanager, Loki and Jaeger went straight to a host only the proxy
could reach, while Prometheus went through it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import websockets.asyncio.client

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_models import TailBatch
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import SOCKS_UNSUPPORTED
from opsconsole.config import EndpointSettings

# Reserved: never resolves, so a request that does not go through the proxy fails.
BACKEND = "http://backend.invalid:9090"
ANSWERS = {
    "/api/v1/query": '{"status":"success","data":{"resultType":"vector","result":[]}}',
    "/api/v2/alerts": "[]",
    "/loki/api/v1/labels": '{"status":"success","data":[]}',
    "/loki/api/v1/query_range": '{"status":"success","data":{"resultType":"streams","result":[]}}',
    "/api/services": '{"data":[],"total":0}',
}


@contextmanager
def recording_proxy() -> Iterator[tuple[str, list[str]]]:
    """A forward proxy on loopback that answers for the backend itself and records each request
    line (``GET http://host/path``, ``CONNECT host:port``); it refuses tunnels (403)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append(f"GET {self.path}")
            path = self.path.removeprefix(BACKEND).split("?")[0]
            body = ANSWERS.get(path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_CONNECT(self) -> None:
            seen.append(f"CONNECT {self.path}")
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


async def _ask_each_backend() -> list[str]:
    """Ask each client once; the failures, as each client words them."""
    endpoint = EndpointSettings(url=BACKEND, timeout=30)
    failures = []
    prometheus, alertmanager = PrometheusClient(endpoint), AlertmanagerClient(endpoint)
    loki, jaeger = LokiClient(endpoint), JaegerClient(endpoint)
    calls = [
        ("prometheus", lambda: prometheus.query("up", 1.0)),
        ("alertmanager", alertmanager.alerts),
        ("loki", lambda: loki.labels(0, 1)),
        ("jaeger", jaeger.services),
    ]
    try:
        for name, call in calls:
            try:
                await call()  # type: ignore[no-untyped-call]
            except BackendError as exc:
                failures.append(f"{name}: {exc}")
    finally:
        for client in (prometheus, alertmanager, loki, jaeger):
            await client.aclose()
    return failures


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_every_client_goes_through_the_proxy(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with recording_proxy() as (proxy, seen):
        monkeypatch.setenv(variable, proxy)
        failures = await _ask_each_backend()
    assert failures == []
    assert [line.split("?")[0] for line in seen] == [
        f"GET {BACKEND}/api/v1/query",
        f"GET {BACKEND}/api/v2/alerts",
        f"GET {BACKEND}/loki/api/v1/labels",
        f"GET {BACKEND}/api/services",
    ]


async def test_no_proxy_sends_every_client_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    with recording_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("NO_PROXY", "localhost,.invalid")
        failures = await _ask_each_backend()
    assert seen == []
    assert len(failures) == 4 and all("resolve" in f for f in failures), failures


async def test_the_live_tail_uses_the_same_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The websocket library reads the environment by its own rule: for a plain ws:// URL it
    prefers ``HTTPS_PROXY`` to ``HTTP_PROXY``. The tail is given the rule of Loki's other requests."""
    with recording_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
        loki = LokiClient(EndpointSettings(url=BACKEND, timeout=30))
        tail = LokiTailStream(loki, '{job="x"}')

        async def first_batch() -> None:
            async for _ in tail._websocket_batches():
                break

        try:
            with pytest.raises(Exception) as refused:  # whatever the refused tunnel raises
                await first_batch()
        finally:
            await loki.aclose()
    assert seen == ["CONNECT backend.invalid:9090"], refused.value


async def test_a_proxy_refusing_tunnels_turns_the_tail_to_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Squid refuses CONNECT to ports other than 443: Loki's queries still go through it as plain
    requests, so the tail polls them, as it does when the upgrade itself is refused, instead of
    asking for a tunnel again and again."""
    with recording_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        loki = LokiClient(EndpointSettings(url=BACKEND, timeout=30))
        tail = LokiTailStream(loki, '{job="x"}', poll_interval=0.01)
        waiting = asyncio.ensure_future(tail.__aiter__().__anext__())  # no lines: it never yields
        try:
            async with asyncio.timeout(10):  # the proxy refuses at once: only a hang takes this long
                while sum(line.startswith("GET") for line in seen) < 2:
                    await asyncio.sleep(0.01)
        finally:
            waiting.cancel()
            await loki.aclose()
    assert [line.split("?")[0] for line in seen[:3]] == [
        f"GET {BACKEND}/loki/api/v1/query_range",  # the catch-up before the socket
        "CONNECT backend.invalid:9090",
        f"GET {BACKEND}/loki/api/v1/query_range",  # polling
    ]
    assert seen.count("CONNECT backend.invalid:9090") == 1
    assert tail.status.state == "polling"
    assert tail.status.last_error == "proxy refused the websocket tunnel (403); polling instead"


async def test_a_socks_proxy_without_its_library_is_a_typed_error_on_the_tail_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where python-socks is missing (a distribution's package of opsconsole without it), the tail
    says what the HTTP clients say without theirs; it raised websockets' ImportError."""

    async def without_python_socks(*args: object, **kwargs: object) -> None:
        raise ImportError("connecting through a SOCKS proxy requires python-socks")  # the library's words

    monkeypatch.setattr(websockets.asyncio.client, "connect_socks_proxy", without_python_socks)
    monkeypatch.setenv("ALL_PROXY", "socks5h://127.0.0.1:9")
    loki = LokiClient(EndpointSettings(url=BACKEND, timeout=30))
    tail = LokiTailStream(loki, '{job="x"}', use_websocket=True)
    tail._catch_up = _nothing  # type: ignore[method-assign]  # straight to the websocket
    try:
        stream = aiter(tail)
        waiting = asyncio.ensure_future(anext(stream))
        deadline = asyncio.get_running_loop().time() + 30  # bounds a hang only
        while tail.status.last_error is None and not waiting.done():
            assert asyncio.get_running_loop().time() < deadline, "the tail said nothing"
            await asyncio.sleep(0.01)
        if waiting.done():
            waiting.result()  # an exception that escaped the tail is raised here
        waiting.cancel()
    finally:
        await loki.aclose()
    assert tail.status.last_error == SOCKS_UNSUPPORTED


async def _nothing() -> AsyncIterator[TailBatch]:
    return
    yield
