"""A tiny scripted HTTP server on loopback that records every request it receives.

Used to play backends that misbehave (401, 404, 503, HTML, slow, huge) and to
prove what did - or did not - leave the process.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)


@dataclass(frozen=True)
class Reply:
    """What to answer."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0


Handler = Callable[[Received], Reply]


class _QuietAboutHangUps(ThreadingHTTPServer):
    """Says nothing when a client hung up before its answer was written.

    Tests make clients give up on purpose (deadlines shorter than a scripted delay); the standard
    server prints a traceback for each, on the test run's stderr. Anything else is still printed.
    """

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class ScriptedServer:
    """The running server: its URL and every request received so far."""

    url: str
    received: list[Received]

    def paths(self) -> list[str]:
        """Paths of the requests received, in order."""
        return [r.path for r in self.received]


@contextmanager
def scripted_server(handler: Handler) -> Iterator[ScriptedServer]:
    """Serve ``handler`` on a free 127.0.0.1 port until the block ends."""
    received: list[Received] = []
    stop = threading.Event()

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Received(self.command, self.path, dict(self.headers.items()), body)
            received.append(request)
            reply = handler(request)
            if reply.delay:
                stop.wait(reply.delay)
            payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _QuietAboutHangUps(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ScriptedServer(f"http://127.0.0.1:{server.server_port}", received)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
