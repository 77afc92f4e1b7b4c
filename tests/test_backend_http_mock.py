"""BackendHttp's request loop against httpx's in-process mock transport: no socket and no real
wait, so each rule (retries, read-only, body bound, error mapping, headers) is checked exactly and
the mutation run can afford it for every mutant. ``test_transport.py`` proves the same on a real
loopback server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.backends.transport import USER_AGENT, BackendHttp, HttpReply, RetryPolicy
from opsconsole.config import EndpointSettings

QUICK = RetryPolicy(attempts=3, backoff_factor=0.001, max_backoff=0.001, jitter=0.0)


class Recorder:
    """A mock server: answers from ``answer`` and keeps every request."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def backend(
    server: Recorder,
    url: str = "http://h/prefix",
    backend_name: str = "loki",
    endpoint: EndpointSettings | None = None,
    **kwargs: object,
) -> BackendHttp:
    kwargs.setdefault("retry", QUICK)
    return BackendHttp(
        backend_name,
        endpoint or EndpointSettings(url=url, timeout=30),
        transport=server.transport,
        **kwargs,  # type: ignore[arg-type]
    )


def answers(*replies: httpx.Response) -> Recorder:
    queue = list(replies)
    return Recorder(lambda request: queue.pop(0) if len(queue) > 1 else queue[0])


async def test_a_reply_keeps_status_headers_body_and_url() -> None:
    server = answers(httpx.Response(200, json={"ok": 1}, headers={"X-A": "b"}))
    reply = await backend(server).request("GET", "/api/v1/x", params={"q": "up"})
    assert (reply.status, reply.text, reply.url) == (200, '{"ok":1}', "http://h/prefix/api/v1/x")
    assert reply.headers["x-a"] == "b"
    assert reply.elapsed >= 0
    [sent] = server.requests
    assert str(sent.url) == "http://h/prefix/api/v1/x?q=up"
    assert sent.headers["User-Agent"] == USER_AGENT


async def test_get_json_reads_the_body() -> None:
    assert await backend(answers(httpx.Response(200, json=[1, 2]))).get_json("x") == [1, 2]


async def test_a_json_body_and_a_form_are_sent_as_such() -> None:
    server = answers(httpx.Response(200, json={}))
    http = backend(server, backend_name="alertmanager")
    await http.request("POST", "api/v2/silences", json_body={"a": 1})
    await http.request("POST", "api/v2/x", form={"query": "up"})
    first, second = server.requests
    assert json.loads(first.content) == {"a": 1}
    assert second.content == b"query=up"


async def test_reads_are_retried_on_retryable_statuses_then_succeed() -> None:
    for status in (429, 500, 502, 503, 504):
        server = answers(httpx.Response(status), httpx.Response(status), httpx.Response(200, json={}))
        assert (await backend(server).request("GET", "x")).status == 200
        assert len(server.requests) == 3, status


async def test_other_statuses_are_not_retried() -> None:
    for status in (400, 401, 404, 501):
        server = answers(httpx.Response(status, text="no"))
        with pytest.raises(BackendError) as caught:
            await backend(server).request("GET", "x")
        assert len(server.requests) == 1, status
        assert caught.value.status == status


async def test_retries_stop_after_the_attempts_with_the_last_answer() -> None:
    server = answers(httpx.Response(503, text="busy"))
    with pytest.raises(BackendError) as caught:
        await backend(server).request("GET", "x")
    assert len(server.requests) == 3
    assert (caught.value.kind, caught.value.diagnosis, caught.value.detail) == (
        FailureKind.SERVER_ERROR,
        "503: server error",
        "busy",
    )
    one = answers(httpx.Response(503))
    with pytest.raises(BackendError):
        await backend(one, retry=RetryPolicy(attempts=1)).request("GET", "x")
    assert len(one.requests) == 1


async def test_a_change_is_never_retried() -> None:
    server = answers(httpx.Response(503))
    with pytest.raises(BackendError):
        await backend(server, backend_name="alertmanager").request("POST", "api/v2/silences", json_body={})
    assert len(server.requests) == 1


async def test_a_query_post_is_a_read_and_is_retried() -> None:
    server = answers(httpx.Response(503), httpx.Response(200, json={}))
    await backend(server, backend_name="prometheus").request("POST", "api/v1/query", form={"query": "up"})
    assert len(server.requests) == 2


async def test_a_pause_beyond_the_cap_is_reported_at_once() -> None:
    server = answers(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(BackendError) as caught:
        await backend(server).request("GET", "x")
    assert len(server.requests) == 1
    assert caught.value.kind is FailureKind.RATE_LIMITED
    assert caught.value.diagnosis == "429: rate limited, the server asks for a pause of 1h"


async def test_connect_errors_are_retried_for_reads_only() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    server = Recorder(refuse)
    with pytest.raises(BackendError) as caught:
        await backend(server).request("GET", "x")
    assert len(server.requests) == 3
    assert (caught.value.kind, caught.value.diagnosis) == (
        FailureKind.CONNECTION_REFUSED,
        "connection refused",
    )
    assert caught.value.url == "http://h/prefix/x"
    change = Recorder(refuse)
    with pytest.raises(BackendError):
        await backend(change, backend_name="alertmanager").request("DELETE", "api/v2/silence/1")
    assert len(change.requests) == 1


async def test_a_connect_timeout_is_retried_and_then_comes_back() -> None:
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectTimeout("timed out", request=request)
        return httpx.Response(200, json={"ok": True})

    assert await backend(Recorder(flaky)).get_json("x") == {"ok": True}
    assert len(calls) == 2


async def test_other_network_errors_are_typed_and_not_retried() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset by peer", request=request)

    server = Recorder(broken)
    with pytest.raises(BackendError) as caught:
        await backend(server).request("GET", "x")
    assert len(server.requests) == 1
    assert (caught.value.kind, caught.value.diagnosis) == (
        FailureKind.NETWORK,
        "network error: connection reset by peer",
    )

    def oserror(request: httpx.Request) -> httpx.Response:
        raise OSError("no route to host")

    with pytest.raises(BackendError) as other:
        await backend(Recorder(oserror)).request("GET", "x")
    assert other.value.diagnosis == "network error: no route to host"


async def test_a_typed_error_from_below_is_passed_on() -> None:
    typed = BackendError("loki", FailureKind.AUTH, "token file unreadable")

    def fail(request: httpx.Request) -> httpx.Response:
        raise typed

    with pytest.raises(BackendError) as caught:
        await backend(Recorder(fail)).request("GET", "x")
    assert caught.value is typed


async def test_read_only_refuses_a_change_before_it_is_sent() -> None:
    server = answers(httpx.Response(200, json={}))
    http = backend(server, backend_name="alertmanager", read_only=True)
    with pytest.raises(ReadOnlyViolation) as caught:
        await http.request("post", "api/v2/silences", json_body={})
    assert caught.value.kind is FailureKind.READ_ONLY
    assert "POST" in str(caught.value)
    assert server.requests == []
    await http.request("GET", "api/v2/alerts")
    assert len(server.requests) == 1


async def test_read_only_also_guards_the_client_itself() -> None:
    server = answers(httpx.Response(200, json={}))
    http = backend(server, backend_name="alertmanager", read_only=True)
    with pytest.raises(ReadOnlyViolation):
        await http.client.delete("api/v2/silence/1")
    with pytest.raises(ReadOnlyViolation):
        await http.client.head("api/v2/alerts")
    assert server.requests == []
    assert (await http.client.get("api/v2/alerts")).status_code == 200
    prom = answers(httpx.Response(200, json={}))
    guarded = backend(prom, url="http://h/prom", backend_name="prometheus", read_only=True)
    assert (await guarded.client.post("api/v1/query", data={"query": "up"})).status_code == 200
    with pytest.raises(ReadOnlyViolation):
        await guarded.client.post("api/v1/admin/tsdb/snapshot")
    assert len(prom.requests) == 1
    await guarded.aclose()


async def test_writes_go_through_when_not_read_only() -> None:
    server = answers(httpx.Response(200, json={}))
    http = backend(server, backend_name="alertmanager")
    await http.request("DELETE", "api/v2/silence/1")
    await http.client.delete("api/v2/silence/2")
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]


async def test_other_ok_statuses_can_be_accepted() -> None:
    server = answers(httpx.Response(204))
    reply = await backend(server).request("DELETE", "x", ok_statuses=frozenset({200, 204}))
    assert reply.status == 204
    with pytest.raises(BackendError) as caught:
        await backend(answers(httpx.Response(204))).request("GET", "x")
    assert caught.value.diagnosis == "unexpected HTTP 204"


async def test_the_error_parser_gives_the_servers_words() -> None:
    server = answers(httpx.Response(400, text="raw body"))
    seen = []

    def parse(status: int, body: str) -> str:
        seen.append((status, body))
        return "parsed words"

    with pytest.raises(BackendError) as caught:
        await backend(server, error_parser=parse).request("GET", "x")
    assert seen == [(400, "raw body")]
    assert caught.value.detail == "parsed words"
    with pytest.raises(BackendError) as plain:
        await backend(answers(httpx.Response(400, text="raw body"))).request("GET", "x")
    assert plain.value.detail == "raw body"


async def test_a_401_says_whether_credentials_were_sent() -> None:
    anonymous = backend(answers(httpx.Response(401)))
    with pytest.raises(BackendError) as none:
        await anonymous.request("GET", "x")
    assert none.value.diagnosis == "401: authentication required (no credentials set)"
    endpoint = EndpointSettings.model_validate(
        {"url": "http://h", "timeout": 30, "auth": {"username": "ops", "password_env": "PW"}}
    )
    server = answers(httpx.Response(401))
    with pytest.raises(BackendError) as rejected:
        await backend(server, endpoint=endpoint, environ={"PW": "s3cret"}).request("GET", "x")
    assert rejected.value.diagnosis == "401: token rejected"
    assert server.requests[0].headers["Authorization"] == "Basic b3BzOnMzY3JldA=="
    bearer = EndpointSettings.model_validate(
        {"url": "http://h", "timeout": 30, "auth": {"bearer_token_env": "TOKEN", "tenant_id": "t1"}}
    )
    server = answers(httpx.Response(401))
    with pytest.raises(BackendError) as token:
        await backend(server, endpoint=bearer, environ={"TOKEN": "abc"}).request("GET", "x")
    assert token.value.diagnosis == "401: token rejected"
    assert server.requests[0].headers["Authorization"] == "Bearer abc"
    assert server.requests[0].headers["X-Scope-OrgID"] == "t1"


async def test_a_token_file_is_read_per_request(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("first\n")
    endpoint = EndpointSettings.model_validate(
        {"url": "http://h", "timeout": 30, "auth": {"bearer_token_file": str(token)}}
    )
    server = answers(httpx.Response(200, json={}))
    http = backend(server, endpoint=endpoint)
    await http.request("GET", "x")
    token.write_text("second\n")
    await http.request("GET", "x")
    assert [r.headers["Authorization"] for r in server.requests] == ["Bearer first", "Bearer second"]


async def test_redirects_are_not_followed() -> None:
    server = answers(httpx.Response(302, headers={"Location": "http://elsewhere/login"}))
    with pytest.raises(BackendError) as caught:
        await backend(server).request("GET", "x")
    assert caught.value.diagnosis == "unexpected HTTP 302"
    assert len(server.requests) == 1


async def test_a_body_over_the_bound_is_refused_whether_declared_or_streamed() -> None:
    limit = 1024 * 1024
    declared = answers(httpx.Response(200, content=b"x", headers={"Content-Length": str(limit + 1)}))
    with pytest.raises(BackendError) as caught:
        await backend(declared, max_body_bytes=limit).request("GET", "x")
    assert (caught.value.kind, caught.value.diagnosis) == (
        FailureKind.TOO_LARGE,
        "response larger than 1 MiB; narrow the query",
    )

    async def chunks() -> object:
        for _ in range(3):
            yield b"y" * (limit // 2)

    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # type: ignore[arg-type]

    with pytest.raises(BackendError, match="larger than 1 MiB"):
        await backend(Recorder(streamed), max_body_bytes=limit).request("GET", "x")
    exact = answers(httpx.Response(200, content=b"z" * limit))
    assert len((await backend(exact, max_body_bytes=limit).request("GET", "x")).text) == limit


async def test_the_body_is_decoded_with_its_charset_or_as_utf8() -> None:
    latin = answers(
        httpx.Response(
            200, content="café".encode("latin-1"), headers={"Content-Type": "text/plain; charset=latin-1"}
        )
    )
    assert (await backend(latin).request("GET", "x")).text == "café"
    utf8 = answers(httpx.Response(200, content="café".encode()))
    assert (await backend(utf8).request("GET", "x")).text == "café"
    broken = answers(httpx.Response(200, content=b"caf\xff"))
    assert (await backend(broken).request("GET", "x")).text == "caf\ufffd"


async def test_requests_wait_for_a_free_slot_per_backend() -> None:
    in_flight = 0
    most = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={})

    http = BackendHttp(
        "loki",
        EndpointSettings(url="http://h", timeout=30),
        transport=httpx.MockTransport(slow),
        concurrency=2,
    )
    await asyncio.gather(*(http.request("GET", "x") for _ in range(6)))
    assert most == 2


async def test_an_answer_that_never_comes_ends_at_the_deadline() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        return httpx.Response(200)

    http = BackendHttp(
        "loki", EndpointSettings(url="http://h", timeout=0.2), transport=httpx.MockTransport(never)
    )
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "x")
    assert (caught.value.kind, caught.value.diagnosis) == (
        FailureKind.TIMEOUT,
        "timeout: no answer within 0.2s",
    )
    assert (caught.value.url, caught.value.backend) == ("http://h/x", "loki")


async def test_the_client_is_built_once_and_closed() -> None:
    http = backend(answers(httpx.Response(200, json={})))
    first = http.client
    assert http.client is first
    assert str(first.base_url) == "http://h/prefix/"
    await http.aclose()
    assert first.is_closed
    assert http.client is not first
    await http.aclose()
    await http.aclose()  # closing twice is harmless


def test_url_for_keeps_the_endpoints_prefix() -> None:
    http = backend(answers(httpx.Response(200)))
    assert http.url_for("/api/v1/query") == "http://h/prefix/api/v1/query"
    assert http.url_for("api/v1/query") == "http://h/prefix/api/v1/query"


def reply(text: str, ctype: str = "application/json") -> HttpReply:
    return HttpReply(200, {"content-type": ctype}, text, "http://h/x", 0.01)


def test_an_html_page_is_named_as_such() -> None:
    with pytest.raises(BackendError) as caught:
        reply("<html>login</html>", "text/HTML; charset=utf-8").json("alertmanager")
    assert (caught.value.kind, caught.value.diagnosis, caught.value.status) == (
        FailureKind.WRONG_SHAPE,
        "got an HTML page, not JSON (a login page or proxy? is this an Alertmanager URL?)",
        200,
    )
    with pytest.raises(BackendError, match="is this a Loki URL"):
        reply("<html/>", "text/html").json("loki")
    with pytest.raises(BackendError, match="is this a custom URL"):
        reply("<html/>", "text/html").json("custom")


def test_malformed_json_says_where_and_shows_the_start() -> None:
    with pytest.raises(BackendError) as caught:
        reply('{"a": 1,,}').json("loki")
    assert (caught.value.kind, caught.value.diagnosis, caught.value.detail) == (
        FailureKind.MALFORMED,
        "malformed JSON in response (Expecting property name enclosed in double quotes at char 8)",
        '{"a": 1,,}',
    )
    with pytest.raises(BackendError) as long:
        reply("x" * 500).json("loki")
    assert long.value.detail == "x" * 119 + "…"
    assert reply("[1]", "").json("loki") == [1]


async def test_get_json_sends_its_parameters_and_names_the_backend_in_errors() -> None:
    server = answers(httpx.Response(200, json={"ok": 1}))
    assert await backend(server).get_json("api/v1/labels", params={"start": "1"}) == {"ok": 1}
    assert str(server.requests[0].url) == "http://h/prefix/api/v1/labels?start=1"
    html = answers(httpx.Response(200, text="<html/>", headers={"Content-Type": "text/html"}))
    with pytest.raises(BackendError) as caught:
        await backend(html, backend_name="alertmanager").get_json("api/v2/alerts")
    assert "is this an Alertmanager URL?" in caught.value.diagnosis
    assert (caught.value.backend, caught.value.url) == ("alertmanager", "http://h/prefix/api/v2/alerts")


async def test_a_too_large_body_names_its_backend_and_url() -> None:
    server = answers(httpx.Response(200, content=b"x", headers={"Content-Length": str(2 * 1024 * 1024)}))
    with pytest.raises(BackendError) as caught:
        await backend(server, max_body_bytes=1024 * 1024).request("GET", "big")
    assert (caught.value.backend, caught.value.url) == ("loki", "http://h/prefix/big")


def test_json_errors_keep_backend_url_and_status() -> None:
    no_type = HttpReply(502, {}, "not json", "http://h/y", 0.0)
    with pytest.raises(BackendError) as malformed:
        no_type.json("jaeger")
    assert (malformed.value.backend, malformed.value.url, malformed.value.status) == (
        "jaeger",
        "http://h/y",
        502,
    )
    assert HttpReply(200, {}, "[2]", "http://h/y", 0.0).json("jaeger") == [2]
    with pytest.raises(BackendError) as html:
        HttpReply(401, {"content-type": "text/html"}, "<p>", "http://h/z", 0.0).json("jaeger")
    assert (html.value.backend, html.value.url, html.value.status) == ("jaeger", "http://h/z", 401)


async def test_a_body_in_several_chunks_is_joined_as_sent() -> None:
    async def chunks() -> object:
        for part in (b"[1, ", b"2]"):
            yield part

    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # type: ignore[arg-type]

    assert (await backend(Recorder(streamed)).request("GET", "x")).text == "[1, 2]"
