"""LokiClient and LokiTailStream against loopback servers answering in Loki's documented shapes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.server import ServerConnection, serve

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_models import LogEntry
from opsconsole.backends.loki_tail import LokiTailStream, parse_tail_frame
from opsconsole.config import EndpointSettings
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.tail_waits import until_the_tail_says_why

T0 = 1795385633228000001  # a nanosecond timestamp that does not survive a trip through float


def streams_body(streams: list[dict[str, object]]) -> str:
    return json.dumps(
        {
            "status": "success",
            "data": {
                "resultType": "streams",
                "result": streams,
                "stats": {"summary": {"execTime": 0.012, "totalBytesProcessed": 812}},
            },
        }
    )


async def test_streams_are_merged_across_streams_and_ns_precision_is_kept() -> None:
    body = streams_body(
        [
            {"stream": {"app": "npa"}, "values": [[str(T0 + 20), "c"], [str(T0), "a"]]},
            {
                "stream": {"app": "wpa"},
                "values": [[str(T0 + 10), "b", {"structuredMetadata": {"trace_id": "ab"}}]],
            },
        ]
    )
    with scripted_server(lambda r: Reply(200, body)) as server:
        client = LokiClient(EndpointSettings(url=server.url))
        forward = await client.query_range('{app=~"npa|wpa"}', T0, T0 + 100, direction="forward")
        backward = await client.query_range('{app=~"npa|wpa"}', T0, T0 + 100)
        sent = parse_qs(urlsplit(server.received[0].path).query)
    assert [e.line for e in forward.entries] == ["a", "b", "c"]
    assert forward.entries[0].ts_ns == T0
    assert [e.line for e in backward.entries] == ["c", "b", "a"]
    assert forward.entries[1].structured_metadata == {"trace_id": "ab"}
    assert forward.entries[1].labels == {"app": "wpa"}
    assert forward.exec_time == 0.012
    assert sent["start"] == [str(T0)] and sent["direction"] == ["forward"]


async def test_metric_query_and_plain_text_errors() -> None:
    def handler(request: Received) -> Reply:
        if "query_range" in request.path:
            return Reply(
                400,
                "parse error at line 1, col 14: syntax error: unexpected }",
                {"Content-Type": "text/plain"},
            )
        return Reply(
            200,
            json.dumps(
                {
                    "status": "success",
                    "data": {
                        "resultType": "vector",
                        "result": [{"metric": {"app": "npa"}, "value": [1795385400, "3"]}],
                    },
                }
            ),
        )

    with scripted_server(handler) as server:
        client = LokiClient(EndpointSettings(url=server.url))
        vector = await client.query('sum by (app) (count_over_time({app="npa"} |= "error" [5m]))')
        with pytest.raises(BackendError) as err:
            await client.query_range("{app=}", 0, 1)
    assert vector.series[0].metric == {"app": "npa"}
    assert vector.series[0].values == [(1795385400.0, 3.0)]
    assert err.value.status == 400
    assert err.value.detail.startswith("parse error at line 1, col 14")


async def test_wrong_shape_is_a_typed_error() -> None:
    with scripted_server(
        lambda r: Reply(
            200, '{"status":"success","data":{"resultType":"streams","result":[{"values":[[1.5e18,"x"]]}]}}'
        )
    ) as server:
        client = LokiClient(EndpointSettings(url=server.url))
        with pytest.raises(BackendError) as err:
            await client.query_range('{app="x"}', 0, 1)
    assert err.value.kind is FailureKind.WRONG_SHAPE


async def test_paging_forward_has_no_gaps_and_no_duplicates() -> None:
    # 7 lines, three of them sharing one nanosecond, served 3 per page with inclusive start.
    lines = [
        (T0, "a"),
        (T0 + 1, "b"),
        (T0 + 2, "c1"),
        (T0 + 2, "c2"),
        (T0 + 2, "c3"),
        (T0 + 3, "d"),
        (T0 + 4, "e"),
    ]

    def handler(request: Received) -> Reply:
        q = parse_qs(urlsplit(request.path).query)
        start, end, limit = int(q["start"][0]), int(q["end"][0]), int(q["limit"][0])
        page = [(t, line) for t, line in lines if start <= t < end][:limit]
        return Reply(
            200, streams_body([{"stream": {"app": "npa"}, "values": [[str(t), line] for t, line in page]}])
        )

    with scripted_server(handler) as server:
        client = LokiClient(EndpointSettings(url=server.url))
        got = await client.lines_since('{app="npa"}', T0, T0 + 100, limit=3)
    assert [e.line for e in got] == ["a", "b", "c1", "c2", "c3", "d", "e"]


async def test_labels_values_series_and_probe() -> None:
    def handler(request: Received) -> Reply:
        path = urlsplit(request.path).path
        if path == "/ready":
            return Reply(200, "ready\n", {"Content-Type": "text/plain"})
        if path.endswith("buildinfo"):
            return Reply(200, '{"version":"3.7.0","revision":"abc"}')
        if path.endswith("/labels"):
            return Reply(200, '{"status":"success","data":["app","level"]}')
        if path.endswith("/values"):
            return Reply(200, '{"status":"success"}')  # absent data means no values
        return Reply(200, '{"status":"success","data":[{"app":"npa","level":"error"}]}')

    with scripted_server(handler) as server:
        client = LokiClient(EndpointSettings(url=server.url))
        assert await client.labels(0, 1) == ["app", "level"]
        assert await client.label_values("app", 0, 1) == []
        assert await client.series(['{app="npa"}'], 0, 1) == [{"app": "npa", "level": "error"}]
        info = await client.probe()
    assert info.version == "3.7.0"
    assert "ready" in info.summary


async def test_tenant_header_is_sent() -> None:
    with scripted_server(lambda r: Reply(200, '{"status":"success","data":[]}')) as server:
        endpoint = EndpointSettings.model_validate({"url": server.url, "auth": {"tenant_id": "team-a"}})
        await LokiClient(endpoint).labels(0, 1)
        assert server.received[0].headers["X-Scope-OrgID"] == "team-a"


def test_tail_frame_counts_dropped_entries() -> None:
    frame = json.dumps(
        {
            "streams": [{"stream": {"app": "npa"}, "values": [[str(T0 + 1), "second"], [str(T0), "first"]]}],
            "dropped_entries": [{"labels": {"app": "npa"}, "timestamp": str(T0)}] * 2,
        }
    )
    batch = parse_tail_frame(frame)
    assert [e.line for e in batch.entries] == ["first", "second"]
    assert batch.dropped == 2


@asynccontextmanager
async def tail_server(
    frames_per_connection: list[list[str]], close_code: int = 1000
) -> AsyncIterator[tuple[str, list[str]]]:
    """A websocket server that sends each connection its frames, then closes; records request paths."""
    paths: list[str] = []

    async def handler(connection: ServerConnection) -> None:
        index = len(paths)
        paths.append(connection.request.path if connection.request else "")
        frames = frames_per_connection[min(index, len(frames_per_connection) - 1)]
        for frame in frames:
            await connection.send(frame)
        await connection.close(
            code=close_code, reason="too many outstanding requests" if close_code == 1011 else ""
        )

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"http://127.0.0.1:{port}", paths


def frame(*entries: tuple[int, str], dropped: int = 0) -> str:
    return json.dumps(
        {
            "streams": [{"stream": {"app": "npa"}, "values": [[str(t), line] for t, line in entries]}],
            "dropped_entries": [{"labels": {}, "timestamp": "0"}] * dropped,
        }
    )


async def take(stream: LokiTailStream, count: int) -> list[LogEntry]:
    got: list[LogEntry] = []
    async for batch in stream:
        got.extend(batch.entries)
        if len(got) >= count:
            break
    return got


async def test_tail_reconnects_from_last_timestamp_without_duplicates() -> None:
    first = [frame((T0, "a"), (T0 + 1, "b"))]
    # After reconnecting, Loki replays from `start` (inclusive): "b" comes again and must not repeat.
    second = [frame((T0 + 1, "b"), (T0 + 2, "c"), dropped=3)]
    async with tail_server([first, second]) as (url, paths):
        stream = LokiTailStream(
            LokiClient(EndpointSettings(url=url)), '{app="npa"}', start_ns=T0, max_backoff=0.05
        )
        got = await asyncio.wait_for(take(stream, 3), timeout=10)
    assert [e.line for e in got] == ["a", "b", "c"]
    assert stream.status.reconnects >= 1
    assert stream.status.dropped_total == 3
    assert parse_qs(urlsplit(paths[1]).query)["start"] == [str(T0 + 1)]
    assert parse_qs(urlsplit(paths[0]).query)["query"] == ['{app="npa"}']


async def test_a_frame_of_the_wrong_shape_is_a_reconnect_not_the_end_of_the_tail() -> None:
    # `values` a number: iterating it raised TypeError, which pydantic lets through and the tail
    # did not catch, so the live tail stopped for good.
    broken = json.dumps({"streams": [{"stream": {"app": "npa"}, "values": -1}]})
    with pytest.raises(ValueError, match="values must be a list"):
        parse_tail_frame(broken)
    async with tail_server([[frame((T0, "a")), broken], [frame((T0 + 1, "b"))]]) as (url, paths):
        stream = LokiTailStream(
            LokiClient(EndpointSettings(url=url)), '{app="npa"}', start_ns=T0, max_backoff=0.05
        )
        got = await asyncio.wait_for(take(stream, 2), timeout=10)
    assert [e.line for e in got] == ["a", "b"]
    assert stream.status.reconnects >= 1 and len(paths) >= 2


async def test_tail_close_1011_is_reported_with_the_reason() -> None:
    async with tail_server([[frame((T0, "a"))]], close_code=1011) as (url, _):
        stream = LokiTailStream(LokiClient(EndpointSettings(url=url)), '{app="npa"}', start_ns=T0)
        # Hold the stream in its backoff after the close: a reconnect's catch-up against this
        # websocket-only server fails and would overwrite the error (under load, 1 run in ~3).
        stream._backoff = lambda attempt: 60.0  # type: ignore[method-assign]
        iterator = stream.__aiter__()
        await asyncio.wait_for(iterator.__anext__(), timeout=5)
        waiting = asyncio.ensure_future(iterator.__anext__())
        try:
            async with asyncio.timeout(10):  # the close is sent at once: only a hang takes this long
                while stream.status.state != "reconnecting" and not waiting.done():
                    await asyncio.sleep(0.01)
        finally:
            waiting.cancel()
    assert stream.status.last_error == "tail closed: too many outstanding requests"


async def test_tail_falls_back_to_polling_when_the_upgrade_is_refused() -> None:
    lines = [(T0, "a"), (T0 + 1, "b")]

    def handler(request: Received) -> Reply:
        path = urlsplit(request.path).path
        if path.endswith("/tail"):
            return Reply(502, "websockets not proxied", {"Content-Type": "text/plain"})
        q = parse_qs(urlsplit(request.path).query)
        start = int(q["start"][0])
        values = [[str(t), line] for t, line in lines if t >= start]
        return Reply(200, streams_body([{"stream": {"app": "npa"}, "values": values}]))

    with scripted_server(handler) as server:
        stream = LokiTailStream(
            LokiClient(EndpointSettings(url=server.url)), '{app="npa"}', start_ns=T0, poll_interval=0.05
        )
        iterator = stream.__aiter__()
        first = await asyncio.wait_for(iterator.__anext__(), timeout=10)
        lines.append((T0 + 2, "c"))
        second = await asyncio.wait_for(iterator.__anext__(), timeout=10)
    assert [e.line for e in first.entries] == ["a", "b"]
    assert [e.line for e in second.entries] == ["c"]
    assert stream.status.state == "polling"
    assert "websocket refused (502)" in (stream.status.last_error or "")


# -- the tail authenticates, and is refused, as Loki's other requests are ---------------------------

EMPTY_STREAMS = streams_body([])


async def _tail_until_it_says_why(endpoint: EndpointSettings) -> LokiTailStream:
    """A tail on ``endpoint``, run until it reports its first problem."""
    stream = LokiTailStream(LokiClient(endpoint), '{app="npa"}', start_ns=T0)
    try:
        await until_the_tail_says_why(stream)
    finally:
        await stream.client.aclose()
    return stream


@pytest.mark.parametrize(
    ("auth", "status", "diagnosis"),
    [
        ({}, 401, "401: authentication required (no credentials set)"),
        ({"bearer_token": "s3cr3t"}, 401, "401: token rejected"),
        ({"bearer_token": "s3cr3t"}, 403, "403: forbidden (credentials lack permission)"),
    ],
)
async def test_a_refused_tail_is_worded_as_loki_s_other_requests(
    auth: dict[str, str], status: int, diagnosis: str
) -> None:
    def answer(request: Received) -> Reply:
        if "/query_range" in request.path:  # the catch-up before the socket is let through
            return Reply(200, EMPTY_STREAMS)
        return Reply(status, "no", {"Content-Type": "text/plain"})

    with scripted_server(answer) as server:
        endpoint = EndpointSettings.model_validate({"url": server.url, "auth": auth})
        loki = LokiClient(endpoint)
        with pytest.raises(BackendError) as http_side:
            await loki.labels(0, 1)
        await loki.aclose()
        stream = await _tail_until_it_says_why(endpoint)
    assert http_side.value.diagnosis == diagnosis
    assert stream.status.last_error == f"tail refused: {diagnosis}"
    assert "s3cr3t" not in (stream.status.last_error or "")


@pytest.mark.parametrize(
    ("userinfo", "auth"),
    [
        ("", {}),
        ("", {"bearer_token": "tok"}),
        ("", {"username": "u", "password": "pässword"}),
        ("", {"tenant_id": "team-a", "headers": {"X-Extra": "1"}}),
        ("alice:s3cret@", {}),
    ],
)
async def test_the_tail_sends_the_headers_loki_s_queries_send(userinfo: str, auth: dict[str, object]) -> None:
    def answer(request: Received) -> Reply:
        tail = request.path.split("?")[0].endswith("/tail")
        return Reply(502, "no websockets here") if tail else Reply(200, EMPTY_STREAMS)

    with scripted_server(answer) as server:
        url = server.url.replace("http://", f"http://{userinfo}")
        await _tail_until_it_says_why(EndpointSettings.model_validate({"url": url, "auth": auth}))
        received = list(server.received)
    catch_up, upgrade = received[0], received[1]
    assert upgrade.path.split("?")[0].endswith("/tail") and upgrade.headers.get("Upgrade") == "websocket"
    for name in ("Authorization", "X-Scope-OrgID", "X-Extra", "User-Agent"):
        assert upgrade.headers.get(name) == catch_up.headers.get(name), name
