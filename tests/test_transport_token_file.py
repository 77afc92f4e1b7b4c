"""A bearer token file on both HTTP stacks, at its edges: empty when the console starts (the
exec plugin has not written it yet) and emptied later (mid-rotation). Each request sends the
file's token as it is then, or none; never the token read at start. In-process (httpx's mock
transport, requests' adapter replaced), so the mutation run of the transport can afford them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import requests.adapters

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import BackendHttp, build_requests_session, unauthorised_diagnosis
from opsconsole.config import ConfigError, EndpointSettings
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.tail_waits import until_the_tail_says_why


def _endpoint(token: Path) -> EndpointSettings:
    return EndpointSettings.model_validate(
        {"url": "http://h/base", "timeout": 30, "auth": {"bearer_token_file": str(token)}}
    )


def _requests_sent(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """What the Authorization header of each request requests would send was (None: absent)."""
    sent: list[str | None] = []

    def send(adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kw: Any) -> Any:
        sent.append(request.headers.get("Authorization"))
        reply = requests.Response()
        reply.status_code = 200
        reply._content = b"{}"
        reply.raw = io.BytesIO(b"{}")
        reply.request = request
        return reply

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return sent


async def test_httpx_sends_the_files_token_as_it_is_at_each_request(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("at-start\n")
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={})

    http = BackendHttp("loki", _endpoint(token), transport=httpx.MockTransport(answer))
    await http.request("GET", "loki/api/v1/labels")
    token.write_text("")  # mid-rotation: no token, never the one read at start
    await http.request("GET", "loki/api/v1/labels")
    token.write_text("next\n")
    await http.request("GET", "loki/api/v1/labels")
    assert seen == ["Bearer at-start", None, "Bearer next"]
    await http.aclose()


async def test_httpx_starts_with_an_empty_token_file_and_picks_the_token_up(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("")  # not written yet: the client is still made
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={})

    http = BackendHttp("jaeger", _endpoint(token), transport=httpx.MockTransport(answer))
    await http.request("GET", "api/services")
    token.write_text("first\n")
    await http.request("GET", "api/services")
    assert seen == [None, "Bearer first"]
    await http.aclose()


def test_requests_sends_the_files_token_as_it_is_at_each_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _requests_sent(monkeypatch)
    token = tmp_path / "token"
    token.write_text("")  # not written yet: the session is still made
    session, _ = build_requests_session("prometheus", _endpoint(token), read_only=False)
    session.get("http://h/base/api/v1/query")
    token.write_text("first\n")
    session.get("http://h/base/api/v1/query")
    assert sent == [None, "Bearer first"]


def test_requests_never_sends_the_token_read_at_start_once_the_file_is_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _requests_sent(monkeypatch)
    token = tmp_path / "token"
    token.write_text("at-start\n")
    session, has_credentials = build_requests_session("prometheus", _endpoint(token), read_only=False)
    assert has_credentials is True  # a 401 then says "token rejected"
    session.get("http://h/base/api/v1/query")
    token.write_text("")
    session.get("http://h/base/api/v1/query")
    assert sent == ["Bearer at-start", None]


# -- a 401 says what the token file held, by name, never the token ----------------------------------


def _http_answering_401(token: Path) -> BackendHttp:
    return BackendHttp("loki", _endpoint(token), transport=httpx.MockTransport(lambda r: httpx.Response(401)))


async def _diagnosis(http: BackendHttp) -> str:
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "loki/api/v1/labels")
    assert caught.value.kind is FailureKind.AUTH
    return caught.value.diagnosis


async def test_httpx_401_with_a_token_file_empty_from_the_start_names_the_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("\n")
    http = _http_answering_401(token)
    assert await _diagnosis(http) == f"401: authentication required (token file {token} is empty)"
    await http.aclose()


async def test_httpx_401_after_the_token_file_empties_says_so_not_token_rejected(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cr3t-at-start\n")
    http = _http_answering_401(token)
    rejected = await _diagnosis(http)
    assert rejected == f"401: token rejected (token from {token})"
    token.write_text("")
    assert await _diagnosis(http) == f"401: authentication required (token file {token} is empty)"
    token.write_text("s3cr3t-next\n")
    assert await _diagnosis(http) == rejected
    token.unlink()  # gone: the token read before is still sent, and the 401 says both
    gone = await _diagnosis(http)
    assert gone == (
        f"401: token rejected (token file {token} cannot be read (No such file or directory); "
        "its earlier token was sent)"
    )
    assert "s3cr3t" not in rejected + gone
    await http.aclose()


async def test_requests_401_with_an_empty_token_file_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tmp_path / "token"
    token.write_text("")

    def send(adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kw: Any) -> Any:
        reply = requests.Response()
        reply.status_code = 401
        reply._content = b"Unauthorized"
        reply.raw = io.BytesIO(b"Unauthorized")
        reply.request = request
        reply.url = str(request.url)
        return reply

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    client = PrometheusClient(_endpoint(token))
    with pytest.raises(BackendError) as empty:
        await client.query("up")
    assert empty.value.diagnosis == f"401: authentication required (token file {token} is empty)"
    token.write_text("s3cr3t\n")
    with pytest.raises(BackendError) as rejected:
        await client.query("up")
    assert rejected.value.diagnosis == f"401: token rejected (token from {token})"


def test_a_401_without_a_token_file_is_worded_as_before() -> None:
    assert unauthorised_diagnosis(False) == "401: authentication required (no credentials set)"
    assert unauthorised_diagnosis(True) == "401: token rejected"


def _tail_refused_with_401(request: Received) -> Reply:
    """Loki answering its queries with no lines and refusing the tail's upgrade."""
    if request.path.split("?")[0].endswith("/tail"):
        return Reply(401, "Unauthorized")
    return Reply(200, '{"status": "success", "data": {"resultType": "streams", "result": []}}')


async def test_a_tail_refused_with_401_names_the_empty_token_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("")
    with scripted_server(_tail_refused_with_401) as server:
        endpoint = _endpoint(token).model_copy(update={"url": server.url})
        stream = LokiTailStream(LokiClient(endpoint), '{app="npa"}', start_ns=1)
        try:
            await until_the_tail_says_why(stream)
        finally:
            await stream.client.aclose()
    assert stream.status.last_error == (
        f"tail refused: 401: authentication required (token file {token} is empty)"
    )


async def test_a_token_file_that_is_not_text_is_said_without_its_bytes(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_bytes(b"s3cr3t\xff\xfe")
    with pytest.raises(ConfigError) as at_start:  # not a UnicodeDecodeError from deep in the build
        await _http_answering_401(token).request("GET", "loki/api/v1/labels")
    assert str(at_start.value) == f"bearer token: cannot read {token}: not UTF-8 text"
    token.write_text("s3cr3t\n")
    http = _http_answering_401(token)
    await _diagnosis(http)
    token.write_bytes(b"s3cr3t\xff\xfe")  # later: the token read before is still sent
    diagnosis = await _diagnosis(http)
    assert diagnosis == (
        f"401: token rejected (token file {token} cannot be read (not UTF-8 text); "
        "its earlier token was sent)"
    )
    await http.aclose()


async def test_the_tail_keeps_the_last_good_token_while_the_file_is_gone(tmp_path: Path) -> None:
    """Kubernetes rotation: the file is briefly missing. Loki's queries keep sending the token read
    before; the tail's (re)connects send it too, rather than failing on reading the file."""
    token = tmp_path / "token"
    token.write_text("s3cr3t-before\n")
    with scripted_server(_tail_refused_with_401) as server:
        endpoint = _endpoint(token).model_copy(update={"url": server.url})
        loki = LokiClient(endpoint)
        await loki.query_range('{app="npa"}', 0, 1)  # the client reads the token
        token.unlink()
        stream = LokiTailStream(loki, '{app="npa"}', start_ns=1)
        try:
            await until_the_tail_says_why(stream)
        finally:
            await loki.aclose()
        sent = [(r.path.split("?")[0], r.headers.get("Authorization")) for r in server.received]
    assert sent == [
        ("/loki/api/v1/query_range", "Bearer s3cr3t-before"),
        ("/loki/api/v1/query_range", "Bearer s3cr3t-before"),  # the tail's catch-up
        ("/loki/api/v1/tail", "Bearer s3cr3t-before"),
    ]
    assert stream.status.last_error == (
        f"tail refused: 401: token rejected (token file {token} cannot be read (No such file or directory); "
        "its earlier token was sent)"
    )
