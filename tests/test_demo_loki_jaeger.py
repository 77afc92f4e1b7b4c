"""The demo's Loki and Jaeger: documented response shapes, LogQL subset, tail, and logs ↔ traces."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.config import EndpointSettings
from opsconsole.core.trace_layout import build_waterfall
from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.demo_fixtures import FROZEN_NOW
from tests.support.http_client import http_client

NS = 1_000_000_000
END_NS = int(FROZEN_NOW * NS)
START_NS = END_NS - 300 * NS
NPA = '{namespace="progressive-framework-prod", app="npa"}'

Demo = tuple[DemoStack, DemoUrls]


def _loki(demo: Demo) -> LokiClient:
    return LokiClient(EndpointSettings(url=demo[1].loki))


def _jaeger(demo: Demo) -> JaegerClient:
    return JaegerClient(EndpointSettings(url=demo[1].jaeger))


def test_query_range_wire_shape_follows_the_loki_docs(frozen_demo: Demo) -> None:
    response = http_client().get(
        f"{frozen_demo[1].loki}/loki/api/v1/query_range",
        params={"query": NPA, "start": START_NS, "end": END_NS, "limit": 5},
        timeout=10,
    )
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["resultType"] == "streams"
    values = [v for stream in body["data"]["result"] for v in stream["values"]]
    assert len(values) == 5  # limit counts lines across all streams
    for stream in body["data"]["result"]:
        assert stream["stream"]["app"] == "npa"
        for timestamp, line in stream["values"]:
            assert isinstance(timestamp, str)  # nanoseconds as a string, never a float
            assert START_NS <= int(timestamp) < END_NS
            assert isinstance(line, str)
        stamps = [int(t) for t, _ in stream["values"]]
        assert stamps == sorted(stamps, reverse=True)  # backward: newest first within a stream


async def test_line_filter_json_stage_and_label_filter(frozen_demo: Demo) -> None:
    client = _loki(frozen_demo)
    try:
        errors = await client.query_range(
            f'{NPA} |= "timed out" | json | level="error"', START_NS, END_NS, limit=200
        )
        everything = await client.query_range(f"{NPA} | json", START_NS, END_NS, limit=200)
    finally:
        await client.aclose()
    assert errors.entries, "npa-2 logs errors during the incident"
    for entry in errors.entries:
        assert "timed out" in entry.line
        assert entry.labels["level"] == "error"  # extracted by | json into the stream labels
        assert json.loads(entry.line)["level"] == "error"
    assert {e.labels["level"] for e in everything.entries} >= {"info", "error"}


async def test_log_queries_are_refused_as_instant_queries_and_limits_enforced(frozen_demo: Demo) -> None:
    client = _loki(frozen_demo)
    try:
        with pytest.raises(BackendError) as instant:
            await client.query(NPA)
        with pytest.raises(BackendError) as too_many:
            await client.query_range(NPA, START_NS, END_NS, limit=10_000)
    finally:
        await client.aclose()
    assert instant.value.status == 400
    assert "range query" in instant.value.message
    assert too_many.value.status == 400
    assert "max entries limit" in too_many.value.message


async def test_labels_values_and_series(frozen_demo: Demo) -> None:
    client = _loki(frozen_demo)
    try:
        labels = await client.labels(START_NS, END_NS)
        apps = await client.label_values("app", START_NS, END_NS)
        series = await client.series([NPA], START_NS, END_NS)
    finally:
        await client.aclose()
    assert {"namespace", "app", "pod"} <= set(labels)  # 000's promtail labels
    assert {"npa", "mca", "wpa", "bma", "progressive-framework-v5"} <= set(apps)
    assert series
    assert all(s["app"] == "npa" for s in series)


async def test_error_log_trace_ids_resolve_to_error_traces_in_jaeger(frozen_demo: Demo) -> None:
    loki, jaeger = _loki(frozen_demo), _jaeger(frozen_demo)
    try:
        result = await loki.query_range(f'{NPA} | json | level="error"', START_NS, END_NS, limit=3)
        trace_ids = [json.loads(e.line)["trace_id"] for e in result.entries]
        traces = [await jaeger.trace(t) for t in trace_ids]
    finally:
        await loki.aclose()
        await jaeger.aclose()
    assert len(traces) == 3
    for trace_id, trace in zip(trace_ids, traces, strict=True):
        assert trace.trace_id == trace_id
        services = {span.service for span in trace.spans}
        assert "progressive-framework-npa" in services  # 001's serviceName progressive-framework-${agentType}
        assert len(services) >= 2  # the request crossed services: core API → coordinator → agent
        assert any(span.is_error and span.service == "progressive-framework-npa" for span in trace.spans)
        roots = [s for s in trace.spans if s.parent_id is None]
        assert len(roots) == 1


async def test_waterfall_of_demo_traces_is_a_tree_with_a_connected_critical_path(frozen_demo: Demo) -> None:
    jaeger = _jaeger(frozen_demo)
    try:
        traces = await jaeger.search(
            "progressive-framework-npa", start_us=START_NS // 1000, end_us=END_NS // 1000, limit=20
        )
    finally:
        await jaeger.aclose()
    assert len(traces) >= 10
    for trace in traces:
        waterfall = build_waterfall(trace.spans)
        assert sorted(r.index for r in waterfall.rows) == list(range(len(trace.spans)))
        rows = {r.index: r for r in waterfall.rows}
        root = waterfall.rows[0]
        assert root.depth == 0 and root.critical and trace.spans[root.index].parent_id is None
        for row in waterfall.rows[1:]:
            parent = waterfall.parent_of[row.index]
            assert parent is not None and rows[parent].depth == row.depth - 1
            if row.critical:  # the path never jumps: a critical span's parent is critical too
                assert rows[parent].critical
        # Under every span on the path, the child that finishes last is on it too.
        for row in waterfall.rows:
            children = [r.index for r in waterfall.rows if waterfall.parent_of[r.index] == row.index]
            if row.critical and children:
                last = max(children, key=lambda c: trace.spans[c].start_us + trace.spans[c].duration_us)
                assert rows[last].critical


async def test_jaeger_services_operations_and_search(frozen_demo: Demo) -> None:
    client = _jaeger(frozen_demo)
    end_us = int(FROZEN_NOW * 1e6)
    try:
        services = await client.services()
        operations = await client.operations("progressive-framework-npa")
        slow_errors = await client.search(
            "progressive-framework-npa",
            start_us=end_us - 300_000_000,
            end_us=end_us,
            tags={"error": "true"},
            min_duration="500ms",
            limit=10,
        )
    finally:
        await client.aclose()
    assert {"progressive-framework-npa", "progressive-framework-v5"} <= set(services)
    assert operations
    assert slow_errors
    assert len(slow_errors) <= 10
    for trace in slow_errors:
        npa_spans = [s for s in trace.spans if s.service == "progressive-framework-npa"]
        assert any(s.is_error and s.duration_us >= 500_000 for s in npa_spans)


def test_jaeger_envelopes_and_errors(frozen_demo: Demo) -> None:
    base = frozen_demo[1].jaeger
    services: dict[str, Any] = http_client().get(f"{base}/api/services", timeout=10).json()
    assert set(services) == {"data", "total", "limit", "offset", "errors"}
    assert services["total"] == len(services["data"])
    missing = http_client().get(f"{base}/api/traces", timeout=10)
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["msg"] == "parameter 'service' is required"
    unknown = http_client().get(f"{base}/api/traces/00000000000000000000000000000001", timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()["data"] is None


async def test_unknown_trace_is_a_not_found_error(frozen_demo: Demo) -> None:
    client = _jaeger(frozen_demo)
    try:
        with pytest.raises(BackendError) as caught:
            await client.trace("00000000000000000000000000000001")
    finally:
        await client.aclose()
    assert caught.value.kind == FailureKind.NOT_FOUND


async def test_live_tail_streams_new_lines_over_the_websocket(live_demo: DemoUrls) -> None:
    client = LokiClient(EndpointSettings(url=live_demo.loki))
    start_ns = int((time.time() - 2) * NS)
    stream = LokiTailStream(client, f'{NPA} | json | level="info"', start_ns=start_ns)
    got = []

    async def collect() -> None:
        async for batch in stream:
            got.extend(batch.entries)
            if len(got) >= 3:
                return

    try:
        await asyncio.wait_for(collect(), timeout=20)
    finally:
        await client.aclose()
    assert len(got) >= 3
    assert all(e.ts_ns >= start_ns for e in got)
    assert all(e.labels.get("level") == "info" for e in got)
    keys = [e.key for e in got]
    assert len(keys) == len(set(keys))


async def test_line_format_rewrites_lines_from_extracted_labels(frozen_demo: Demo) -> None:
    client = _loki(frozen_demo)
    try:
        result = await client.query_range(
            f'{NPA} | json | level="error" | line_format "{{{{.agent_id}}}}: {{{{ .message }}}}"',
            START_NS,
            END_NS,
            limit=5,
        )
        with pytest.raises(BackendError) as unsupported:
            await client.query_range(f'{NPA} | line_format "{{{{ .message | upper }}}}"', START_NS, END_NS)
    finally:
        await client.aclose()
    assert result.entries
    npa2 = frozen_demo[0].world.instance("npa-2").pod  # agent_id in the line is the pod name
    assert all(e.line == f"{npa2}: {e.labels['message']}" for e in result.entries)
    assert unsupported.value.status == 400
    assert "line_format" in unsupported.value.message
