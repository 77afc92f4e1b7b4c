"""JaegerClient against loopback servers answering in Jaeger's documented v1 and v3 shapes."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.config import EndpointSettings
from tests.support.loopback_http import Received, Reply, scripted_server

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
V1_TRACE = {
    "traceID": TRACE_ID,
    "spans": [
        {
            "traceID": TRACE_ID,
            "spanID": "00f067aa0ba902b7",
            "operationName": "POST /plan",
            "references": [],
            "startTime": 1795385633228000,
            "duration": 812000,
            "tags": [
                {"key": "span.kind", "type": "string", "value": "server"},
                {"key": "http.status_code", "type": "int64", "value": 500},
                {"key": "error", "type": "bool", "value": True},
            ],
            "logs": [
                {
                    "timestamp": 1795385633901000,
                    "fields": [{"key": "event", "type": "string", "value": "exception"}],
                }
            ],
            "processID": "p1",
            "warnings": None,
        },
        {
            "traceID": TRACE_ID,
            "spanID": "b7ad6b7169203331",
            "operationName": "db.query",
            "references": [
                {"refType": "FOLLOWS_FROM", "traceID": TRACE_ID, "spanID": "ffffffffffffffff"},
                {"refType": "CHILD_OF", "traceID": TRACE_ID, "spanID": "00f067aa0ba902b7"},
            ],
            "startTime": 1795385633300000,
            "duration": 640000,
            "tags": [],
            "logs": [],
            "processID": "p2",
            "warnings": ["clock skew adjusted"],
        },
    ],
    "processes": {
        "p1": {
            "serviceName": "api-gateway",
            "tags": [{"key": "hostname", "type": "string", "value": "gw-1"}],
        },
        "p2": {"serviceName": "npa", "tags": []},
    },
    "warnings": None,
}


def envelope(data: object) -> str:
    return json.dumps({"data": data, "total": 0, "limit": 0, "offset": 0, "errors": None})


async def test_trace_by_id_parses_the_v1_model() -> None:
    def handler(request: Received) -> Reply:
        assert urlsplit(request.path).path == f"/api/traces/{TRACE_ID}"
        return Reply(200, envelope([V1_TRACE]))

    with scripted_server(handler) as server:
        trace = await JaegerClient(EndpointSettings(url=server.url)).trace(TRACE_ID.upper())
    assert trace.trace_id == TRACE_ID
    root, child = trace.spans
    assert root.service == "api-gateway" and root.parent_id is None
    assert root.is_error and root.tags["http.status_code"] == "500"
    assert root.process_tags == {"hostname": "gw-1"}
    assert root.logs[0].fields == {"event": "exception"}
    # Jaeger's rule: the first CHILD_OF wins over an earlier FOLLOWS_FROM.
    assert child.parent_id == "00f067aa0ba902b7"
    assert child.service == "npa" and child.warnings == ["clock skew adjusted"]
    assert trace.root == root
    assert trace.duration_us == 812000
    assert trace.error_count == 1


async def test_short_trace_ids_are_padded() -> None:
    with scripted_server(lambda r: Reply(200, envelope([V1_TRACE]))) as server:
        await JaegerClient(EndpointSettings(url=server.url)).trace("A3CE929D0E0E4736")
        assert server.paths() == ["/api/traces/0000000000000000a3ce929d0e0e4736"]


@pytest.mark.parametrize(
    "typed", ["zz", "../../api/services", "a3ce929d0e0e4736a3ce929d0e0e4736ff", "", "  ", "0" * 16, "0" * 32]
)
async def test_what_is_not_a_trace_id_is_refused_before_any_request(typed: str) -> None:
    with scripted_server(lambda r: Reply(200, envelope([V1_TRACE]))) as server:
        with pytest.raises(BackendError) as err:
            await JaegerClient(EndpointSettings(url=server.url)).trace(typed)
        assert server.paths() == []
    assert err.value.kind is FailureKind.BAD_REQUEST
    assert err.value.message == f"not a trace id: {typed.strip()!r} (16 or 32 hex digits, not all zero)"


async def test_unknown_trace_is_not_found_from_a_text_plain_envelope() -> None:
    body = json.dumps({"data": None, "errors": [{"code": 404, "msg": "trace not found"}]})
    with (
        scripted_server(lambda r: Reply(404, body, {"Content-Type": "text/plain"})) as server,
        pytest.raises(BackendError) as err,
    ):
        await JaegerClient(EndpointSettings(url=server.url)).trace(TRACE_ID)
    assert err.value.kind is FailureKind.NOT_FOUND


async def test_search_sends_microseconds_and_string_tags_and_sorts_newest_first() -> None:
    older = {
        **V1_TRACE,
        "traceID": "1" * 32,
        "spans": [{**V1_TRACE["spans"][0], "traceID": "1" * 32, "startTime": 1}],
    }  # type: ignore[index,dict-item]

    def handler(request: Received) -> Reply:
        return Reply(200, envelope([older, V1_TRACE]))

    with scripted_server(handler) as server:
        traces = await JaegerClient(EndpointSettings(url=server.url)).search(
            "npa",
            start_us=1_000_000,
            end_us=2_000_000,
            tags={"error": "true", "http.status_code": "500"},
            min_duration="250ms",
            limit=5,
        )
        q = parse_qs(urlsplit(server.received[0].path).query)
    assert [t.trace_id for t in traces] == [TRACE_ID, "1" * 32]
    assert q["start"] == ["1000000"] and q["end"] == ["2000000"]
    assert json.loads(q["tags"][0]) == {"error": "true", "http.status_code": "500"}
    assert q["minDuration"] == ["250ms"] and q["limit"] == ["5"]


async def test_services_fall_back_to_v3_when_v1_serves_html() -> None:
    def handler(request: Received) -> Reply:
        if request.path == "/api/services":
            return Reply(200, "<!doctype html><title>Jaeger UI</title>", {"Content-Type": "text/html"})
        return Reply(200, '{"services": ["wpa", "npa"]}')

    with scripted_server(handler) as server:
        services = await JaegerClient(EndpointSettings(url=server.url)).services()
    assert services == ["npa", "wpa"]


async def test_search_falls_back_to_v3_otlp_json() -> None:
    otlp = {
        "result": {
            "resourceSpans": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "npa"}}]},
                    "scopeSpans": [
                        {
                            "spans": [
                                {
                                    "traceId": TRACE_ID,
                                    "spanId": "00f067aa0ba902b7",
                                    "name": "POST /plan",
                                    "kind": 2,
                                    "startTimeUnixNano": "1795385633228000000",
                                    "endTimeUnixNano": "1795385634040000999",
                                    "attributes": [{"key": "http.status_code", "value": {"intValue": "500"}}],
                                    "status": {"code": 2},
                                    "events": [{"name": "exception", "timeUnixNano": "1795385633901000000"}],
                                }
                            ]
                        }
                    ],
                }
            ]
        }
    }

    def handler(request: Received) -> Reply:
        if urlsplit(request.path).path == "/api/traces":
            return Reply(404, "404 page not found", {"Content-Type": "text/plain"})
        return Reply(200, json.dumps(otlp))

    with scripted_server(handler) as server:
        [trace] = await JaegerClient(EndpointSettings(url=server.url)).search("npa", start_us=0, end_us=10)
        q = parse_qs(urlsplit(server.received[1].path).query)
    span = trace.spans[0]
    assert span.service == "npa" and span.is_error
    assert span.start_us == 1795385633228000 and span.duration_us == 812000
    assert span.tags["span.kind"] == "server" and span.tags["http.status_code"] == "500"
    assert span.logs[0].fields["event"] == "exception"
    assert q["query.service_name"] == ["npa"]
    assert q["query.start_time_min"] == ["1970-01-01T00:00:00Z"]


async def test_probe_counts_services() -> None:
    with scripted_server(lambda r: Reply(200, envelope(["a", "b"]))) as server:
        info = await JaegerClient(EndpointSettings(url=server.url)).probe()
    assert info.summary == "2 services"
