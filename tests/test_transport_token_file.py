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

from opsconsole.backends.transport import BackendHttp, build_requests_session
from opsconsole.config import EndpointSettings


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
