"""The Jaeger client against answers shaped like the real servers' (tests/fixtures/jaeger/).

Each fixture stands for a case from Jaeger's or Jaeger UI's own test material (see the README
there): broken traces (no start time, parent cycles, orphans, a repeated span id), references
beyond the parent, partial answers, and v3 (OTLP JSON) as protojson writes it, zero values left
out. A v3-only server is played by answering every v1 path with Go's plain-text 404.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger import JaegerClient, parse_otlp_traces, parse_v1_trace
from opsconsole.backends.jaeger_models import Trace
from opsconsole.config import EndpointSettings
from opsconsole.core.trace_layout import build_waterfall
from tests.support.loopback_http import Received, Reply, scripted_server

FIXTURES = Path(__file__).parent / "fixtures" / "jaeger"
TID = "7c3d9a1e5b2f48a0b1c2d3e4f5061728"
B = 1797004800123000
GO_404 = Reply(404, "404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def serve(routes: dict[str, Reply | str]) -> Any:
    """A server answering exact paths (query ignored) with a reply or a fixture; Go's 404 else."""

    def handler(request: Received) -> Reply:
        answer = routes.get(urlsplit(request.path).path, GO_404)
        if isinstance(answer, str):
            return Reply(200, (FIXTURES / answer).read_text())
        return answer

    return scripted_server(handler)


async def trace_from(name: str) -> Trace:
    with serve({f"/api/traces/{TID}": name}) as server:
        return await JaegerClient(EndpointSettings(url=server.url)).trace(TID)


def by_id(trace: Trace) -> dict[str, Any]:
    return {s.span_id: s for s in trace.spans}


async def test_a_healthy_trace_reads_every_tag_type() -> None:
    trace = await trace_from("v1-trace.json")
    root = trace.root
    assert root is not None and (root.service, root.operation) == ("api-gateway", "POST /v1/plans")
    assert root.tags["http.status_code"] == "503" and root.tags["error"] == "true" and root.is_error
    assert root.tags["sampler.param"] == "0.25"
    assert root.tags["request.bytes"] == "9223372036854775807"  # an int64 beyond 2^53, exact
    assert root.tags["payload.head"] == "eyJwbGFuIjo0Mn0="  # binary stays base64
    assert root.process_tags["hostname"] == "gw-7f9c"
    assert root.logs[0].fields["exception.message"] == "planner did not answer in 400ms"
    assert (trace.start_us, trace.duration_us) == (B, 412_300)
    assert trace.problems == [] and all(s.notes == [] for s in trace.spans)


async def test_spans_without_a_start_time_are_kept_and_placed_at_their_parent() -> None:
    trace = await trace_from("v1-missing-start-time.json")
    assert len(trace.spans) == 4  # "unexpected trace response: 'startTime'" before
    spans = by_id(trace)
    assert spans["1122334455667788"].notes == ["startTime missing"]
    assert (trace.start_us, trace.duration_us) == (B, 1_000)  # not stretched back to 1970
    forest = trace.forest
    assert [forest.starts[i] for i in range(4)] == [B, B, B, B + 500]
    assert any("2 span(s) without a usable start time" in p for p in trace.problems)


async def test_a_parent_cycle_is_broken_and_the_trace_gets_a_root() -> None:
    trace = await trace_from("v1-parent-cycle.json")
    assert len(trace.spans) == 4
    root = trace.root
    assert root is not None and root.operation == "POST /v1/plans"
    assert trace.forest.warnings == (
        "parent cycle of 2 spans (000000000000000a → 000000000000000b → 000000000000000a) broken at "
        "000000000000000a, which is shown as a root",
        "1 span(s) name themselves as parent: 000000000000000d",
    )
    waterfall = build_waterfall(trace.spans, trace.forest)
    depth = {trace.spans[r.index].span_id: r.depth for r in waterfall.rows}
    assert depth == {
        "000000000000000a": 0,
        "000000000000000b": 1,
        "000000000000000c": 2,
        "000000000000000d": 0,
    }
    assert sum(r.critical for r in waterfall.rows) >= 2


async def test_the_trace_is_named_after_the_root_without_references_not_an_earlier_orphan() -> None:
    trace = await trace_from("v1-orphans.json")
    assert trace.root is not None and trace.root.span_id == "a1b2c3d4e5f60718"
    assert trace.start_us == B - 9_000  # the orphans still count for the time span
    assert any("2 span(s) whose parent is not in this trace" in p for p in trace.problems)


async def test_one_span_id_twice_keeps_both() -> None:
    with serve({"/api/traces/83a9efd15c1c98a977e0711cc93ee28b": "v1-duplicate-span-ids.json"}) as server:
        trace = await JaegerClient(EndpointSettings(url=server.url)).trace("83a9efd15c1c98a977e0711cc93ee28b")
    assert len(trace.spans) == 2
    assert any("used by more than one span" in p for p in trace.problems)
    assert len(build_waterfall(trace.spans).rows) == 2


async def test_references_beyond_the_parent_and_jaegers_warnings_are_kept() -> None:
    trace = await trace_from("v1-references.json")
    spans = by_id(trace)
    execute = spans["1122334455667788"]
    assert execute.parent_id == "a1b2c3d4e5f60718"  # CHILD_OF wins over an earlier FOLLOWS_FROM
    assert [(r.ref_type, r.trace_id, r.span_id) for r in execute.references] == [
        ("FOLLOWS_FROM", TID, "0f1e2d3c4b5a6978"),
        ("CHILD_OF", TID, "a1b2c3d4e5f60718"),
        ("FOLLOWS_FROM", "00000000000000000000000000000226", "0000000000000004"),
    ]
    query = spans["99aabbccddeeff00"]
    # Its first CHILD_OF is not in the trace; the second one is: it hangs there, and says why.
    assert query.parent_id == "1122334455667788"
    assert query.notes == [
        "its CHILD_OF 5555555555555555 is not in this trace: placed under its CHILD_OF 1122334455667788"
    ]
    assert query.warnings == ["clock skew adjustment disabled; not applying calculated delta of -1.2ms"]
    assert trace.problems[0] == "Jaeger: trace has 1 span with a parent outside the requested time range"


async def test_a_search_answer_with_one_unreadable_trace_keeps_the_others_and_says_so() -> None:
    with serve({"/api/traces": "v1-search-partial.json"}) as server:
        client = JaegerClient(EndpointSettings(url=server.url))
        page = await client.search_page("api-gateway", start_us=0, end_us=B)
        traces = await client.search("api-gateway", start_us=0, end_us=B)
    assert [t.trace_id for t in page.traces] == [TID, "0000000000000000000000000000cafe"]  # newest first
    assert [t.trace_id for t in traces] == [t.trace_id for t in page.traces]
    assert page.warnings[0] == "trace 0000000000000000000000000000f00d: trace not found"
    assert page.warnings[1].startswith("1 trace(s) in Jaeger's answer could not be read and are not listed")


async def test_an_unknown_trace_is_not_found_on_v1_and_v3() -> None:
    not_found = Reply(404, (FIXTURES / "v1-not-found.json").read_text(), {"Content-Type": "text/plain"})
    v3_none = Reply(404, (FIXTURES / "v3-no-traces.json").read_text(), {"Content-Type": "text/plain"})
    with serve({f"/api/traces/{TID}": not_found, f"/api/v3/traces/{TID}": v3_none}) as server:
        with pytest.raises(BackendError) as caught:
            await JaegerClient(EndpointSettings(url=server.url)).trace(TID)
    assert caught.value.kind is FailureKind.NOT_FOUND and f"trace {TID} not found" in caught.value.message


async def test_a_v3_only_server_answers_trace_by_id_with_protojson_zero_values_left_out() -> None:
    tid = "00000000000000000000000000000001"
    with serve({f"/api/v3/traces/{tid}": "v3-get-trace-minimal.json"}) as server:
        trace = await JaegerClient(EndpointSettings(url=server.url)).trace("1")
        paths = [urlsplit(p).path for p in server.paths()]
    assert paths == [f"/api/traces/{tid}", f"/api/v3/traces/{tid}"]
    [span] = trace.spans
    assert (span.span_id, span.operation, span.service) == ("0000000000000002", "foobar", "unknown")
    assert span.tags["span.kind"] == "server" and span.is_error
    assert span.start_us == 0 and "no startTimeUnixNano in the data" in span.notes
    assert trace.root is span
    assert len(build_waterfall(trace.spans).rows) == 1


async def test_a_v3_search_groups_traces_and_maps_links_to_references() -> None:
    with serve({"/api/v3/traces": "v3-find-traces.json"}) as server:
        traces = await JaegerClient(EndpointSettings(url=server.url)).search(
            "api-gateway", start_us=0, end_us=B
        )
    assert [t.trace_id for t in traces] == [TID, "0000000000000000000000000000cafe"]
    trace = traces[0]
    spans = by_id(trace)
    root = spans["a1b2c3d4e5f60718"]
    assert root.tags["otel.scope.name"] == "github.com/acme/gw" and root.tags["otel.scope.version"] == "1.4.0"
    assert root.tags["otel.status_description"] == "upstream timeout" and root.is_error
    assert root.tags["feature.flags"] == "[a, b]" and root.tags["client"] == "{id=c-9}"
    assert root.tags["retry.ratio"] == "0.25" and root.process_tags == {
        "host.name": "gw-7f9c",
        "process.pid": "4242",
    }
    assert root.logs[0].fields == {
        "event": "exception",
        "exception.message": "planner did not answer in 400ms",
    }
    execute = spans["1122334455667788"]
    assert execute.parent_id == "a1b2c3d4e5f60718" and execute.service == "planner"
    assert [(r.ref_type, r.span_id) for r in execute.references] == [
        ("CHILD_OF", "a1b2c3d4e5f60718"),  # the parent, retyped by the link that names it
        ("FOLLOWS_FROM", "0000000000000004"),
        ("FOLLOWS_FROM", "0f1e2d3c4b5a6978"),  # a link without opentracing.ref_type
    ]
    cross = execute.references[1]
    assert cross.trace_id == "00000000000000000000000000000226"
    assert cross.attributes == {
        "messaging.batch": "12",
        "sampled": "true",
        "weight": "72.5",
        "blob": "AAAwOQ==",
    }
    assert "the tracer dropped 3 attributes of this span (SDK limits)" in execute.notes
    assert spans["0f1e2d3c4b5a6978"].logs[0].fields == {}  # an event with no name nor attributes
    assert trace.problems == []


def test_enum_names_and_base64_ids_as_other_otlp_encoders_send_them() -> None:
    [trace] = parse_otlp_traces(fixture("v3-enum-names-base64-ids.json"))
    assert trace.trace_id == TID
    spans = by_id(trace)
    assert set(spans) == {"a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"}
    root, charge = spans["a1b2c3d4e5f60718"], spans["0f1e2d3c4b5a6978"]
    assert root.tags["span.kind"] == "server" and root.is_error
    assert charge.tags["span.kind"] == "client" and not charge.is_error and charge.parent_id == root.span_id


async def test_operations_and_services_on_a_v3_only_server() -> None:
    with serve(
        {"/api/v3/operations": "v3-operations.json", "/api/v3/services": "v3-services.json"}
    ) as server:
        client = JaegerClient(EndpointSettings(url=server.url))
        operations = await client.operations("planner/v2")
        services = await client.services()
        paths = [urlsplit(p).path for p in server.paths()]
    assert operations == ["POST /v1/plans", "plan.enqueue"]
    assert services == ["api-gateway", "planner", "postgres"]
    assert paths[:3] == ["/api/operations", "/api/services/planner%2Fv2/operations", "/api/v3/operations"]
    with serve({"/api/v3/operations": "v3-operations-empty.json"}) as server:
        assert await JaegerClient(EndpointSettings(url=server.url)).operations("x") == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("v*.json")))
def test_every_fixture_trace_keeps_every_span_and_lays_out(name: str) -> None:
    body = fixture(name)
    if name.startswith("v1-"):
        raw_traces = [
            t for t in body.get("data") or [] if isinstance(t, dict) and isinstance(t["spans"], list)
        ]
        traces = [parse_v1_trace(t) for t in raw_traces]
        sent = sum(len(t["spans"]) for t in raw_traces)
    else:
        traces = parse_otlp_traces(body.get("result", body))
        sent = sum(
            len(scope.get("spans", []))
            for group in body.get("result", body).get("resourceSpans", body.get("batches", []))
            for scope in group.get("scopeSpans", [])
        )
    assert sum(len(t.spans) for t in traces) == sent
    for trace in traces:
        waterfall = build_waterfall(trace.spans, trace.forest)
        assert sorted(r.index for r in waterfall.rows) == list(range(len(trace.spans)))
        assert trace.root is not None or not trace.spans


async def test_a_v3_server_that_ignores_attributes_still_gets_the_tags_applied() -> None:
    """Older v3 servers ignore ``query.attributes``: "errors only" must not silently list all."""
    with serve({"/api/v3/traces": "v3-find-traces.json"}) as server:
        client = JaegerClient(EndpointSettings(url=server.url))
        traces = await client.search("api-gateway", start_us=0, end_us=B, tags={"error": "true"})
        sent = parse_qs(urlsplit(server.received[-1].path).query)
    assert [t.trace_id for t in traces] == [TID]  # the healthz trace has no error span
    assert json.loads(sent["query.attributes"][0]) == {"error": "true"}


def test_ids_are_hex_padded_base64_or_kept_as_sent() -> None:
    from opsconsole.backends.jaeger_fields import hex_id

    assert hex_id("A1B2C3D4E5F60718", 8) == "a1b2c3d4e5f60718"
    assert hex_id("obLD1OX2Bxg=", 8) == "a1b2c3d4e5f60718"  # Tempo's base64
    assert hex_id("fD2aHlsvSKCxwtPk9QYXKA==", 16) == TID
    # Made-up ids (Jaeger UI's own test traces use them) stay as they are, even when they happen
    # to be valid unpadded base64 of 8 bytes.
    assert hex_id("missingSpan", 8) == "missingSpan"
    assert hex_id("rootSpanID", 8) == "rootSpanID"
    assert hex_id(None, 8) == ""


async def test_an_html_page_on_v1_and_v3_is_reported_as_such_not_as_not_found() -> None:
    login = Reply(200, "<!doctype html><title>Sign in</title>", {"Content-Type": "text/html"})
    with serve({f"/api/traces/{TID}": login, f"/api/v3/traces/{TID}": login}) as server:
        with pytest.raises(BackendError) as caught:
            await JaegerClient(EndpointSettings(url=server.url)).trace(TID)
    assert caught.value.kind is FailureKind.WRONG_SHAPE and "HTML page" in caught.value.message
