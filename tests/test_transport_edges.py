"""What the transport's errors and settings carry on both HTTP stacks, checked in-process: a
read-only refusal names its backend, method and URL; a body too large names its URL however it
arrived; a 429's HTTP-date Retry-After is read against the clock; the per-request proxies, stream
and client certificate reach requests' adapter (the loopback tests prove the sockets)."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import requests.adapters

from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.backends.transport import (
    BackendHttp,
    PolicyAdapter,
    RetryPolicy,
    TlsFilesError,
    build_requests_session,
    error_for_status,
)
from opsconsole.config import EndpointSettings

QUICK = RetryPolicy(attempts=3, backoff_factor=0.001, max_backoff=0.001, jitter=0.0)


def _http(
    answer: httpx.Response, *, read_only: bool = False, max_body_bytes: int = 1024 * 1024
) -> BackendHttp:
    return BackendHttp(
        "alertmanager",
        EndpointSettings(url="http://am.example:9093/am", timeout=30),
        read_only=read_only,
        retry=QUICK,
        max_body_bytes=max_body_bytes,
        transport=httpx.MockTransport(lambda request: answer),
    )


async def test_a_read_only_refusal_names_backend_method_and_url_whatever_the_methods_case() -> None:
    http = _http(httpx.Response(200, json={}), read_only=True)
    with pytest.raises(ReadOnlyViolation) as refused:
        await http.request("delete", "/api/v2/silence/abc")
    url = "http://am.example:9093/am/api/v2/silence/abc"
    assert (refused.value.backend, refused.value.url) == ("alertmanager", url)
    assert str(refused.value) == f"read-only mode: refused DELETE {url} (nothing was sent)"
    with pytest.raises(ReadOnlyViolation) as guarded:  # the client's own guard, below request()
        await http.client.put("api/v2/silences")
    assert (guarded.value.backend, guarded.value.url) == (
        "alertmanager",
        "http://am.example:9093/am/api/v2/silences",
    )
    assert "refused PUT " in str(guarded.value)
    await http.aclose()


async def test_a_streamed_body_too_large_names_backend_and_url() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"y" * 600

    http = _http(httpx.Response(200, content=chunks()), max_body_bytes=1024)
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "api/v2/alerts")
    assert caught.value.kind is FailureKind.TOO_LARGE
    assert (caught.value.backend, caught.value.url) == (
        "alertmanager",
        "http://am.example:9093/am/api/v2/alerts",
    )
    await http.aclose()


def test_a_429_with_an_http_date_says_the_pause_counted_from_now() -> None:
    later = format_datetime(datetime.fromtimestamp(time.time() + 7230, UTC), usegmt=True)
    limited = error_for_status("prometheus", "http://p/x", 429, "", has_credentials=False, retry_after=later)
    assert limited.diagnosis == "429: rate limited, the server asks for a pause of 2h"
    soon = error_for_status("prometheus", "http://p/x", 429, "", has_credentials=False, retry_after="4")
    assert soon.diagnosis == "429: rate limited"  # a short pause is not worth a word
    five = error_for_status("prometheus", "http://p/x", 429, "", has_credentials=False, retry_after="5")
    assert five.diagnosis == "429: rate limited, the server asks for a pause of 5s"


class _Adapter:
    """Stands in for urllib3 under requests' HTTPAdapter and keeps what each send was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[dict[str, Any]] = []
        record = self.sent

        def send(adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kw: Any) -> Any:
            record.append(kw)
            reply = requests.Response()
            reply.status_code = 200
            reply._content = b"{}"
            reply.raw = io.BytesIO(b"{}")
            reply.request = request
            return reply

        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)


def _session() -> requests.Session:
    endpoint = EndpointSettings(url="http://prom.example:9090", timeout=30)
    made, _ = build_requests_session("prometheus", endpoint, read_only=False, retry=QUICK)
    return made


def test_per_request_proxies_stream_and_certificate_reach_the_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = _Adapter(monkeypatch).sent
    _session().get(
        "http://prom.example:9090/api/v1/query",
        proxies={"http": "http://proxy.example:3128"},
        stream=True,
        cert="/etc/client.pem",
    )
    [kw] = sent
    assert kw["proxies"]["http"] == "http://proxy.example:3128"
    assert (kw["stream"], kw["cert"]) == (True, "/etc/client.pem")
    _session().get("http://prom.example:9090/api/v1/query")
    assert (sent[-1]["stream"], sent[-1]["cert"]) == (False, None)


def test_a_proxy_from_the_environment_is_used_for_its_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _Adapter(monkeypatch).sent
    monkeypatch.setenv("HTTP_PROXY", "http://envproxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _session().get("http://prom.example:9090/api/v1/query")
    assert sent[-1]["proxies"].get("http") == "http://envproxy.example:3128"
    monkeypatch.setenv("NO_PROXY", "prom.example")
    _session().get("http://prom.example:9090/api/v1/query")
    assert "http" not in sent[-1]["proxies"]  # NO_PROXY is read for this URL


def test_a_read_only_requests_session_names_backend_method_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _Adapter(monkeypatch).sent
    endpoint = EndpointSettings(url="http://prom.example:9090/p", timeout=30)
    made, _ = build_requests_session("prometheus", endpoint, read_only=True, retry=QUICK)
    url = "http://prom.example:9090/p/api/v1/admin/tsdb/delete_series"
    with pytest.raises(ReadOnlyViolation) as refused:
        made.post(url)
    assert (refused.value.backend, refused.value.url) == ("prometheus", url)
    assert str(refused.value) == f"read-only mode: refused POST {url} (nothing was sent)"
    assert sent == []


def test_a_ca_file_that_is_not_pem_is_the_requests_tls_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The endpoint's CA goes into the adapter's TLS context at its first https request, as the
    httpx clients' does: a file that cannot be used is that request's error, naming the field."""
    sent = _Adapter(monkeypatch).sent
    ca = tmp_path / "ca.pem"
    ca.write_text("not a certificate")
    endpoint = EndpointSettings.model_validate({"url": "https://prom.example", "tls": {"ca_file": str(ca)}})
    made, _ = build_requests_session("prometheus", endpoint, read_only=False, retry=QUICK)
    with pytest.raises(TlsFilesError, match=f"cannot use tls.ca_file {ca}: not a usable PEM file"):
        made.get("https://prom.example/api/v1/query")
    assert sent == []


def test_the_adapter_called_directly_sends_with_requests_own_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = _Adapter(monkeypatch).sent
    adapter = PolicyAdapter(
        "prometheus", EndpointSettings(url="http://prom.example:9090", timeout=30), QUICK, 2
    )
    request = requests.Request("GET", "http://prom.example:9090/api/v1/query").prepare()
    assert adapter.send(request).status_code == 200
    [kw] = sent
    assert (kw["stream"], kw["verify"], kw["cert"], kw["proxies"]) == (False, True, None, None)


def _raising(exc: Exception, timeout: float = 30) -> BackendHttp:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc

    return BackendHttp(
        "jaeger",
        EndpointSettings(url="http://jaeger.example:16686", timeout=timeout),
        retry=QUICK,
        transport=httpx.MockTransport(answer),
    )


async def test_a_connect_timeout_after_the_retries_names_backend_url_and_the_timeout() -> None:
    http = _raising(httpx.ConnectTimeout("connect timed out"), timeout=12)
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "api/v3/services")
    assert (caught.value.backend, caught.value.url) == (
        "jaeger",
        "http://jaeger.example:16686/api/v3/services",
    )
    assert (caught.value.kind, caught.value.diagnosis) == (
        FailureKind.TIMEOUT,
        "timeout: no answer within 12s",
    )


async def test_a_network_error_mid_exchange_names_backend_url_and_the_timeout() -> None:
    http = _raising(httpx.ReadTimeout("read timed out"), timeout=7.5)
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "api/v3/traces/abc")
    assert (caught.value.backend, caught.value.url) == (
        "jaeger",
        "http://jaeger.example:16686/api/v3/traces/abc",
    )
    assert caught.value.diagnosis == "timeout: no answer within 7.5s"


async def test_an_error_status_names_its_url() -> None:
    http = _http(httpx.Response(500, text="boom"))
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "api/v2/alerts")
    assert (caught.value.status, caught.value.url) == (500, "http://am.example:9093/am/api/v2/alerts")
    await http.aclose()


async def test_each_attempt_is_given_what_is_left_of_the_deadline() -> None:
    timeouts: list[dict[str, float | None]] = []
    sent: list[str] = []
    replies = [httpx.Response(503), httpx.Response(200, json={})]

    def answer(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        sent.append(str(request.url))
        return replies.pop(0)

    http = BackendHttp(
        "loki",
        EndpointSettings(url="http://loki.example", timeout=30),
        retry=RetryPolicy(attempts=3, backoff_factor=0.01, max_backoff=0.01, jitter=0.0),
        transport=httpx.MockTransport(answer),
    )
    reply = await http.request("GET", "loki/api/v1/labels/")
    assert 0 <= reply.elapsed < 30
    assert sent == ["http://loki.example/loki/api/v1/labels/"] * 2  # sent as given, trailing slash kept
    first, second = timeouts
    assert set(first) == {"connect", "read", "write", "pool"}
    assert all(v is not None and 29 < v <= 30 for v in first.values())
    # The retry came after a 10 ms pause: its attempt has that much less, not the endpoint's 30 s again.
    assert all(v is not None and v <= 30 - 0.01 for v in second.values())


async def test_a_short_deadline_is_not_stretched_to_a_second() -> None:
    seen: list[float | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json={})

    http = BackendHttp(
        "loki",
        EndpointSettings(url="http://loki.example", timeout=0.5),
        transport=httpx.MockTransport(answer),
    )
    await http.request("GET", "loki/api/v1/labels")
    assert seen[0] is not None and 0 < seen[0] <= 0.5


def test_urllib3_under_the_adapter_never_retries_and_pools_as_many_as_asked() -> None:
    # Our loop is the only retry (one deadline, Retry-After capped): urllib3's own would retry
    # again under it, and honour a Retry-After of any length (test_transport_retries.py on a socket).
    endpoint = EndpointSettings(url="http://prom.example:9090", timeout=30)
    adapter = PolicyAdapter("prometheus", endpoint, QUICK, 3)
    assert (adapter.max_retries.total, adapter.max_retries.read) == (0, False)
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 3
    assert (adapter.backend, adapter.endpoint, adapter.retry) == ("prometheus", endpoint, QUICK)
    session, _ = build_requests_session("prometheus", endpoint, read_only=False, pool_size=7)
    assert session.get_adapter("http://prom.example:9090/x").poolmanager.connection_pool_kw["maxsize"] == 7
