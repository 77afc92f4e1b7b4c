"""Exceptions as the HTTP libraries really raise them, typed by what they are and not only by
their words: a server that hangs up says nothing of "protocol" or "incomplete", a wrapped TLS
failure names no "SSLError" in its text; the exception's class (and its causes') decides.
In-process, so the mutation run of the transport can afford them."""

from __future__ import annotations

import ssl

import httpx
import pytest
import requests

from opsconsole.backends.errors import FailureKind
from opsconsole.backends.transport import classify_exception


def test_a_server_hanging_up_before_answering_is_a_response_cut_short() -> None:
    # httpx's words when the peer closes the connection before the status line.
    closed = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    typed = classify_exception("jaeger", "http://j/api/traces", closed, 3)
    assert (typed.kind, typed.diagnosis) == (FailureKind.INTERRUPTED, "connection closed mid-response")


def test_a_broken_chunked_body_from_requests_is_a_response_cut_short() -> None:
    # requests' words when a chunked body stops at a chunk boundary (no "incomplete" in them).
    broken = requests.exceptions.ChunkedEncodingError(
        "Connection broken: InvalidChunkLength(got length b'', 0 bytes read)"
    )
    typed = classify_exception("prometheus", "http://p/api/v1/query", broken, 3)
    assert (typed.kind, typed.diagnosis) == (FailureKind.INTERRUPTED, "connection closed mid-response")


@pytest.mark.parametrize("chained", ["cause", "context"])
def test_a_tls_failure_under_a_connect_error_is_a_tls_handshake_failure(chained: str) -> None:
    # httpx raises ConnectError from the ssl module's own error; only the cause's class says TLS.
    inner = ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version")
    outer = httpx.ConnectError("tlsv1 alert protocol version")
    if chained == "cause":
        outer.__cause__ = inner
    else:
        outer.__context__ = inner
    typed = classify_exception("loki", "https://l/loki/api/v1/labels", outer, 3)
    assert (typed.kind, typed.diagnosis) == (
        FailureKind.TLS,
        "TLS handshake failed: tlsv1 alert protocol version",
    )
