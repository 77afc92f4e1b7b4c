"""The same fault reads the same on both HTTP stacks: Prometheus on requests and the httpx clients.

Each fault is served by a loopback socket script and asked of a :class:`PrometheusClient` and a
:class:`BackendHttp`; both must give one kind and one diagnosis, in words on-call can act on.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests.adapters
import trustme

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import (
    HUNG_UP_IN_HANDSHAKE,
    SOCKS_UNSUPPORTED,
    BackendHttp,
    RetryPolicy,
    decode_body,
)
from opsconsole.config import EndpointSettings
from opsconsole.refresh.backend_health import next_step

OK = b'{"status":"success","data":{"resultType":"vector","result":[]}}'
ONCE = RetryPolicy(attempts=1)
# Three attempts a few milliseconds apart: a fault that is retried shows as three connections.
THRICE = RetryPolicy(attempts=3, backoff_factor=0.001, max_backoff=0.001, jitter=0.0)
# Nothing here waits on the deadline: every fault answers at once.
TIMEOUT = 30.0
Script = Callable[[socket.socket], None]


@contextmanager
def scripted_socket(script: Script) -> Iterator[tuple[int, list[int]]]:
    """A loopback listener running ``script`` on each accepted connection; yields its port and
    a one-item list counting the connections."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = [0]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted[0] += 1
            threading.Thread(target=_run, args=(script, conn), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        listener.close()


def _run(script: Script, conn: socket.socket) -> None:
    try:
        script(conn)
    except OSError:
        pass
    finally:
        conn.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _reset_before_the_answer(conn: socket.socket) -> None:
    _read_request(conn)
    _reset(conn)


def _reset_mid_body(conn: socket.socket) -> None:
    _read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + OK[:20]
    )
    time.sleep(0.2)  # the head and the start of the body reach the client before the reset
    _reset(conn)


def _answer(status: bytes, body: bytes, content_type: bytes) -> Script:
    def script(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(
            b"HTTP/1.1 "
            + status
            + b"\r\nContent-Type: "
            + content_type
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )

    return script


async def _both(url: str, retry: RetryPolicy = ONCE, **endpoint: object) -> list[BackendError]:
    """The error each stack raises for one read of ``url``."""
    settings = EndpointSettings.model_validate({"url": url, "timeout": TIMEOUT, **endpoint})
    prometheus = PrometheusClient(settings, retry=retry)
    http = BackendHttp("prometheus", settings, retry=retry)
    errors: list[BackendError] = []
    try:
        for call in (lambda: prometheus.query("up"), lambda: http.get_json("api/v1/query", {"query": "up"})):
            with pytest.raises(BackendError) as caught:
                await call()
            errors.append(caught.value)
    finally:
        await prometheus.aclose()
        await http.aclose()
    return errors


def _same(errors: list[BackendError]) -> tuple[FailureKind, str]:
    on_requests, on_httpx = ((e.kind, e.message) for e in errors)
    assert on_requests == on_httpx
    return on_requests


async def test_a_reset_before_the_answer_reads_the_same_and_is_never_empty() -> None:
    with scripted_socket(_reset_before_the_answer) as (port, _):
        errors = await _both(f"http://127.0.0.1:{port}")
    assert _same(errors) == (FailureKind.NETWORK, "connection reset by the server")


async def test_a_reset_mid_body_reads_the_same() -> None:
    """A network failure the screen offers to retry ("r tries again", not "check the url"), which
    neither stack retries by itself: the answer had begun, and a mutation cut off may be done."""
    with scripted_socket(_reset_mid_body) as (port, accepted):
        errors = await _both(f"http://127.0.0.1:{port}")
    assert _same(errors) == (FailureKind.INTERRUPTED, "connection closed mid-response")
    assert all(e.retryable for e in errors)
    assert [next_step(e) for e in errors] == ["", ""]
    assert accepted == [2]  # one request from each stack


async def test_an_empty_body_is_malformed_json_in_one_wording() -> None:
    with scripted_socket(_answer(b"200 OK", b"", b"application/json")) as (port, _):
        errors = await _both(f"http://127.0.0.1:{port}")
    assert _same(errors) == (FailureKind.MALFORMED, "malformed JSON in response (Expecting value at char 0)")


async def test_an_error_body_without_a_charset_is_read_as_utf8() -> None:
    body = "upstream “db” failed — retry".encode()
    with scripted_socket(_answer(b"500 Internal Server Error", body, b"text/plain")) as (port, _):
        errors = await _both(f"http://127.0.0.1:{port}")
    assert _same(errors) == (FailureKind.SERVER_ERROR, "500: server error: upstream “db” failed — retry")


@pytest.mark.parametrize(
    ("content", "content_type", "text"),
    [
        ("é".encode("latin-1"), "text/plain; charset=ISO-8859-1", "é"),
        ("é".encode(), 'text/plain; charset="utf-8"', "é"),
        ("é".encode(), "text/plain", "é"),
        ("é".encode(), "text/plain; charset=no-such-charset", "é"),
        (b"\xff", "application/json", "\ufffd"),
    ],
)
def test_a_body_is_decoded_in_its_declared_charset_else_utf8(
    content: bytes, content_type: str, text: str
) -> None:
    assert decode_body(content, content_type) == text


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA()
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    return authority, pem


def _tls_server(authority: trustme.CA, require_client_certificate: bool) -> Script:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    if require_client_certificate:
        context.verify_mode = ssl.CERT_REQUIRED
        authority.configure_trust(context)

    def script(conn: socket.socket) -> None:
        raw = socket.socket(fileno=os.dup(conn.fileno()))  # the same connection, for after a failure
        try:
            tls = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            try:
                tls.do_handshake()
            except (ssl.SSLError, OSError):
                # The alert is sent; read what the client sent after its handshake, so closing
                # sends a FIN after the alert rather than a reset that could overtake it (as a
                # server reading ahead, Go's, does).
                raw.settimeout(5)
                while raw.recv(65536):
                    pass
                return
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        finally:
            raw.close()

    return script


async def test_a_missing_client_certificate_is_named_on_both_stacks(ca: tuple[trustme.CA, Path]) -> None:
    authority, pem = ca
    with scripted_socket(_tls_server(authority, require_client_certificate=True)) as (port, _):
        errors = await _both(f"https://127.0.0.1:{port}", tls={"ca_file": str(pem)})
    assert _same(errors) == (
        FailureKind.TLS,
        "TLS: the server requires a client certificate (set tls.cert_file)",
    )


async def test_a_certificate_failure_is_never_retried_on_either_stack(ca: tuple[trustme.CA, Path]) -> None:
    authority, _ = ca
    with scripted_socket(_tls_server(authority, require_client_certificate=False)) as (port, accepted):
        settings = EndpointSettings.model_validate({"url": f"https://127.0.0.1:{port}", "timeout": TIMEOUT})
        prometheus = PrometheusClient(settings, retry=THRICE)
        http = BackendHttp("alertmanager", settings, retry=THRICE)
        handshakes = []
        try:
            for call in (lambda: prometheus.query("up"), lambda: http.get_json("api/v2/alerts")):
                accepted[0] = 0
                with pytest.raises(BackendError) as caught:
                    await call()
                assert caught.value.kind is FailureKind.TLS
                handshakes.append(accepted[0])
        finally:
            await prometheus.aclose()
            await http.aclose()
    assert handshakes == [1, 1]


async def test_a_socks_proxy_without_its_extras_is_a_typed_error_on_both_stacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Neither stack's SOCKS extras are a dependency; stand for their absence even where installed.
    monkeypatch.setitem(sys.modules, "socksio", None)

    def missing(*args: object, **kwargs: object) -> None:
        raise requests.exceptions.InvalidSchema("Missing dependencies for SOCKS support.")

    monkeypatch.setattr(requests.adapters, "SOCKSProxyManager", missing)
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ALL_PROXY", "socks5h://user:secret@127.0.0.1:1")
    errors = await _both("http://backend.invalid:9090")
    assert _same(errors) == (FailureKind.PROXY, SOCKS_UNSUPPORTED)
    assert not any(e.retryable for e in errors)  # asking again meets the same proxy: no "r tries again"
    assert all("NO_PROXY" in next_step(e) for e in errors)
    assert all("secret" not in e.message for e in errors)


def _hang_up_in_the_handshake(conn: socket.socket) -> None:
    """What a load balancer with no healthy backend does: takes the ClientHello, then closes."""
    conn.recv(65536)


def _hang_up_once_then_serve(authority: trustme.CA) -> Script:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    answer = _answer(b"200 OK", OK, b"application/json")
    connections = [0]

    def script(conn: socket.socket) -> None:
        connections[0] += 1
        if connections[0] == 1:
            _hang_up_in_the_handshake(conn)
        else:
            answer(context.wrap_socket(conn, server_side=True))

    return script


async def test_a_handshake_cut_off_is_asked_again_on_both_stacks(ca: tuple[trustme.CA, Path]) -> None:
    """Nothing was sent when the peer hung up mid-handshake, so a read is asked again (a load
    balancer between backends); when it keeps hanging up, both stacks say so in the same words."""
    _, pem = ca
    with scripted_socket(_hang_up_in_the_handshake) as (port, accepted):
        settings = EndpointSettings.model_validate(
            {"url": f"https://127.0.0.1:{port}", "timeout": TIMEOUT, "tls": {"ca_file": str(pem)}}
        )
        prometheus = PrometheusClient(settings, retry=THRICE)
        http = BackendHttp("prometheus", settings, retry=THRICE)
        errors, handshakes = [], []
        try:
            for call in (
                lambda: prometheus.query("up"),
                lambda: http.get_json("api/v1/query", {"query": "up"}),
            ):
                accepted[0] = 0
                with pytest.raises(BackendError) as caught:
                    await call()
                errors.append(caught.value)
                handshakes.append(accepted[0])
        finally:
            await prometheus.aclose()
            await http.aclose()
    assert handshakes == [3, 3]
    assert _same(errors) == (FailureKind.TLS, HUNG_UP_IN_HANDSHAKE)


async def test_a_handshake_cut_off_once_is_mended_by_asking_again(ca: tuple[trustme.CA, Path]) -> None:
    authority, pem = ca
    for ask in (
        lambda prometheus, _: prometheus.query("up"),
        lambda _, http: http.get_json("api/v1/query", {"query": "up"}),
    ):
        with scripted_socket(_hang_up_once_then_serve(authority)) as (port, accepted):
            settings = EndpointSettings.model_validate(
                {"url": f"https://127.0.0.1:{port}", "timeout": TIMEOUT, "tls": {"ca_file": str(pem)}}
            )
            prometheus = PrometheusClient(settings, retry=THRICE)
            http = BackendHttp("prometheus", settings, retry=THRICE)
            try:
                await ask(prometheus, http)
            finally:
                await prometheus.aclose()
                await http.aclose()
            assert accepted == [2]
