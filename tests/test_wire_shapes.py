"""The demo's Loki and Jaeger answer in the real servers' wire shapes, checked against the fixtures.

A shape is every JSON path with the type found there (object keys that are data, like stream
labels or process ids, count as one ``{}`` key). The simulator may only send paths and types that
the fixtures written after the real servers' own test material also hold, and must send at least
what a healthy real answer holds. The same fixtures are what the clients are tested on
(test_jaeger_fixtures.py, test_loki_fixtures.py), so the demo cannot drift from the real wire
format without a test failing here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from opsconsole.backends.jaeger import JaegerClient
from opsconsole.config import EndpointSettings
from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.demo_fixtures import FROZEN_NOW, running_demo
from tests.support.http_client import http_client

FIXTURES = Path(__file__).parent / "fixtures"
NS = 1_000_000_000
US = 1_000_000
# Objects whose keys are data, not schema.
DATA_KEYED = {"stream", "metric", "structuredMetadata", "parsed", "labels", "processes"}
Shape = set[tuple[str, str]]


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(value: Any, path: str = "$") -> Shape:
    """Every (path, type) in ``value``."""
    out = {(path, _type(value))}
    if isinstance(value, dict):
        data_keyed = path.rsplit(".", 1)[-1] in DATA_KEYED
        for key, item in value.items():
            out |= shape(item, f"{path}.{'{}' if data_keyed else key}")
    elif isinstance(value, list):
        for item in value:
            out |= shape(item, f"{path}[]")
    return out


def keys(found: Shape) -> set[str]:
    return {path for path, _ in found}


def fixture_shapes(*names: str) -> Shape:
    out: Shape = set()
    for name in names:
        out |= shape(json.loads((FIXTURES / name).read_text()))
    return out


def assert_within(sim: Shape, real: Shape, what: str) -> None:
    extra = sorted(sim - real)
    assert not extra, f"the simulated {what} sends what no real answer does: {extra[:8]}"


def assert_covers(sim: Shape, required: set[str], what: str) -> None:
    missing = sorted(required - keys(sim))
    assert not missing, f"the simulated {what} lacks what a real answer has: {missing[:8]}"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[DemoStack, DemoUrls]]:
    """A stack of this module's own: the tests switch the simulator's knobs."""
    with running_demo() as running:
        yield running


def _get(url: str, **params: Any) -> Any:
    return http_client().get(url, params=params, timeout=30).json()


LOKI_STREAMS = (
    "loki/query-range-streams-warnings.json",
    "loki/query-range-categorized.json",
    "loki/query-range-push-form-metadata.json",
)


def test_loki_query_range_matches_the_real_shape_with_and_without_warnings(
    demo: tuple[DemoStack, DemoUrls],
) -> None:
    stack, urls = demo
    query = {
        "query": '{namespace="progressive-framework-prod"}',
        "start": int((FROZEN_NOW - 300) * NS),
        "end": int(FROZEN_NOW * NS),
        "limit": 20,
    }
    real = fixture_shapes(*LOKI_STREAMS)
    healthy = keys(fixture_shapes(LOKI_STREAMS[0])) - {"$.warnings", "$.warnings[]"}
    plain = shape(_get(f"{urls.loki}/loki/api/v1/query_range", **query))
    assert_within(plain, real, "Loki query_range")
    assert_covers(plain, healthy, "Loki query_range")
    assert "$.warnings" not in keys(plain)  # absent when there are none, as Loki does
    stack.loki.query_warnings = ["query was split at the max_query_length limit"]
    try:
        warned = shape(_get(f"{urls.loki}/loki/api/v1/query_range", **query))
    finally:
        stack.loki.query_warnings = []
    assert_within(warned, real, "Loki query_range")
    assert_covers(warned, healthy | {"$.warnings", "$.warnings[]"}, "Loki query_range")


async def test_loki_tail_frames_match_the_real_shape(demo: tuple[DemoStack, DemoUrls]) -> None:
    urls = demo[1]
    query = '{namespace="progressive-framework-prod"}'
    url = f"ws{urls.loki[4:]}/loki/api/v1/tail?query={query}&start={int((FROZEN_NOW - 60) * NS)}&limit=5"
    async with websockets.connect(url) as socket:
        frame = json.loads(await socket.recv())
    assert frame["streams"]
    assert_within(
        shape(frame), fixture_shapes("loki/tail-frame.json", "loki/tail-frame-categorized.json"), "tail"
    )


JAEGER_V1 = sorted(p.name for p in (FIXTURES / "jaeger").glob("v1-*.json"))


async def _a_trace_id(urls: DemoUrls) -> str:
    """A failed request's trace: it has span logs (events) and error tags, like the fixtures."""
    client = JaegerClient(EndpointSettings(url=urls.jaeger))
    try:
        traces = await client.search(
            "progressive-framework-npa",
            start_us=int((FROZEN_NOW - 300) * US),
            end_us=int(FROZEN_NOW * US),
            tags={"error": "true"},
            limit=3,
        )
    finally:
        await client.aclose()
    return traces[0].trace_id


async def test_jaeger_v1_matches_the_real_shape(demo: tuple[DemoStack, DemoUrls]) -> None:
    urls = demo[1]
    real = fixture_shapes(*(f"jaeger/{n}" for n in JAEGER_V1))
    healthy = keys(fixture_shapes("jaeger/v1-trace.json"))
    trace_id = await _a_trace_id(urls)
    by_id = shape(_get(f"{urls.jaeger}/api/traces/{trace_id}"))
    search = shape(
        _get(
            f"{urls.jaeger}/api/traces",
            service="progressive-framework-npa",
            start=int((FROZEN_NOW - 300) * US),
            end=int(FROZEN_NOW * US),
            tags=json.dumps({"error": "true"}),
            limit=3,
        )
    )
    for name, sim in (("trace", by_id), ("search", search)):
        assert_within(sim, real, f"Jaeger v1 {name}")
        assert_covers(sim, healthy, f"Jaeger v1 {name}")
    not_found = shape(_get(f"{urls.jaeger}/api/traces/{'0' * 31}1"))
    assert_within(not_found, real, "Jaeger v1 not-found")


async def test_jaeger_v3_matches_the_real_shape(demo: tuple[DemoStack, DemoUrls]) -> None:
    urls = demo[1]
    traces = fixture_shapes("jaeger/v3-find-traces.json", "jaeger/v3-get-trace-minimal.json")
    span = "$.result.resourceSpans[].scopeSpans[].spans[]"
    required = {
        "$.result.resourceSpans[].resource.attributes[].key",
        "$.result.resourceSpans[].resource.attributes[].value.stringValue",
        *(f"{span}.{k}" for k in ("traceId", "spanId", "parentSpanId", "name", "kind", "status")),
        *(f"{span}.{k}" for k in ("startTimeUnixNano", "endTimeUnixNano", "attributes", "events")),
    }
    trace_id = await _a_trace_id(urls)
    by_id = shape(_get(f"{urls.jaeger}/api/v3/traces/{trace_id}"))
    search = shape(
        _get(
            f"{urls.jaeger}/api/v3/traces",
            **{
                "query.service_name": "progressive-framework-npa",
                "query.start_time_min": "2026-01-01T00:00:00Z",
                "query.start_time_max": "2030-01-01T00:00:00Z",
                "query.num_traces": 3,
                "query.attributes": json.dumps({"error": "true"}),
            },
        )
    )
    for name, sim in (("trace", by_id), ("search", search)):
        assert_within(sim, traces, f"Jaeger v3 {name}")
        assert_covers(sim, required, f"Jaeger v3 {name}")
    assert_within(
        shape(_get(f"{urls.jaeger}/api/v3/services")), fixture_shapes("jaeger/v3-services.json"), "v3"
    )
    operations = shape(_get(f"{urls.jaeger}/api/v3/operations", service="progressive-framework-npa"))
    assert_within(operations, fixture_shapes("jaeger/v3-operations.json"), "v3 operations")
    errors = fixture_shapes("jaeger/v3-no-traces.json")
    assert_within(shape(_get(f"{urls.jaeger}/api/v3/traces/{'0' * 31}1")), errors, "v3 not-found")


async def test_the_console_reads_the_demo_through_v3_as_through_v1(demo: tuple[DemoStack, DemoUrls]) -> None:
    """With v1's search gone (Jaeger after 2.20), the same traces come back through v3."""
    stack, urls = demo
    client = JaegerClient(EndpointSettings(url=urls.jaeger))
    window = {"start_us": int((FROZEN_NOW - 300) * US), "end_us": int(FROZEN_NOW * US), "limit": 5}
    try:
        v1 = await client.search("progressive-framework-npa", tags={"error": "true"}, **window)  # type: ignore[arg-type]
        v1_ops = await client.operations("progressive-framework-npa")
        stack.jaeger.v1_removed = True
        try:
            v3 = await client.search("progressive-framework-npa", tags={"error": "true"}, **window)  # type: ignore[arg-type]
            v3_ops = await client.operations("progressive-framework-npa")
            one = await client.trace(v1[0].trace_id)
        finally:
            stack.jaeger.v1_removed = False
    finally:
        await client.aclose()
    assert v1 and [t.trace_id for t in v3] == [t.trace_id for t in v1]
    assert v3_ops == v1_ops
    for a, b in zip(v1, v3, strict=True):
        assert sorted(
            (s.span_id, s.parent_id, s.start_us, s.duration_us, s.service) for s in a.spans
        ) == sorted((s.span_id, s.parent_id, s.start_us, s.duration_us, s.service) for s in b.spans)
        assert a.error_count == b.error_count and a.root == a.root
        assert all(t.error_count for t in v3)
    assert one.trace_id == v1[0].trace_id
