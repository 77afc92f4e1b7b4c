"""Hypothesis fuzzing of every response parser: whatever a backend sends, the only exception that
leaves a client is the typed BackendError, and what the screens build from parsed data (log rows,
trace waterfalls) never fails either."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import requests
import requests.adapters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import parse_tail_frame
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import RetryPolicy
from opsconsole.config import EndpointSettings
from opsconsole.core.log_parse import log_row
from opsconsole.core.trace_layout import build_waterfall
from opsconsole.kube.discovery import parse_service_list

URL = "http://backend.test"
NO_RETRY = RetryPolicy(attempts=1)
# OPSCONSOLE_FUZZ_EXAMPLES=1000 for a long hunt; the suite runs a quick pass.
EXAMPLES = int(os.environ.get("OPSCONSOLE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Field names the real APIs use, so generated documents reach deep into the parsers.
KEYS = [
    *("status", "data", "result", "resultType", "metric", "value", "values", "warnings", "infos"),
    *("stream", "streams", "labels", "annotations", "startsAt", "endsAt", "updatedAt", "fingerprint"),
    *("state", "silencedBy", "inhibitedBy", "receivers", "matchers", "id", "createdBy", "comment"),
    *("name", "isRegex", "isEqual", "alerts", "cluster", "versionInfo", "config", "uptime", "peers"),
    *("traceID", "spans", "spanID", "operationName", "references", "refType", "startTime", "duration"),
    *("tags", "logs", "processes", "processID", "serviceName", "key", "type", "fields", "timestamp"),
    *("groups", "rules", "query", "health", "activeTargets", "version", "revision", "dropped_entries"),
    *("items", "metadata", "spec", "ports", "port", "namespace", "clusterIP", "stats", "total"),
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["success", "error", "streams", "matrix", "vector", "scalar", "CHILD_OF", "1"])
    | st.sampled_from(["2026-11-23T04:00:00Z", "1795319610.5", "not-a-time", "NaN", "+Inf"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)
BODIES = (
    JSON.map(json.dumps)
    | st.builds(lambda d: json.dumps({"status": "success", "data": d}), JSON)
    | st.builds(lambda d: json.dumps({"data": d}), JSON)
    | st.builds(
        lambda d: json.dumps({"status": "success", "data": {"resultType": "streams", "result": d}}), JSON
    )
    | st.builds(
        lambda d: json.dumps({"status": "success", "data": {"resultType": "matrix", "result": d}}), JSON
    )
    | st.text(max_size=40)
)


def _endpoint() -> EndpointSettings:
    return EndpointSettings(url=URL, timeout=5)


def _mock(body: str) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(200, text=body, headers={"Content-Type": "application/json"})
    )


class _FixedBody(requests.adapters.BaseAdapter):
    """A requests adapter that answers every request with one body (for the Prometheus client)."""

    def __init__(self, body: str) -> None:
        super().__init__()
        self.body = body.encode()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response.raw = io.BytesIO(self.body)  # read by the client's bounded reader, as off the wire
        response.url = request.url or URL
        response.request = request
        # Hooks run in Session.send, after the adapter, as for a real answer.
        return response

    def close(self) -> None:
        pass


def _only_typed_errors(call: Callable[[], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        try:
            return await call()
        except BackendError:
            return None

    return asyncio.run(run())


PROMETHEUS_CALLS: dict[str, Callable[[PrometheusClient], Awaitable[Any]]] = {
    "query": lambda c: c.query("up"),
    "query_range": lambda c: c.query_range("up", 1000.0, 1600.0, 60.0),
    "alerts": lambda c: c.alerts(),
    "rules": lambda c: c.rules(),
    "targets": lambda c: c.targets(),
    "labels": lambda c: c.labels(1000.0, 1600.0),
    "label_values": lambda c: c.label_values("job", 1000.0, 1600.0),
    "series": lambda c: c.series(["up"], 1000.0, 1600.0),
    "metadata": lambda c: c.metadata(),
    "buildinfo": lambda c: c.buildinfo(),
    "probe": lambda c: c.probe(),
}


@pytest.mark.parametrize("method", list(PROMETHEUS_CALLS))
@FUZZ
@given(body=BODIES)
def test_prometheus_client(method: str, body: str) -> None:
    async def call() -> Any:
        client = PrometheusClient(_endpoint(), retry=NO_RETRY)
        client._session.mount(URL, _FixedBody(body))  # the client's own hooks still run
        try:
            return await PROMETHEUS_CALLS[method](client)
        finally:
            await client.aclose()

    _only_typed_errors(call)


ALERTMANAGER_CALLS: dict[str, Callable[[AlertmanagerClient], Awaitable[Any]]] = {
    "status": lambda c: c.status(),
    "alerts": lambda c: c.alerts(),
    "alert_groups": lambda c: c.alert_groups(),
    "receivers": lambda c: c.receivers(),
    "silences": lambda c: c.silences(),
    "silence": lambda c: c.silence("abc"),
    "probe": lambda c: c.probe(),
}


@pytest.mark.parametrize("method", list(ALERTMANAGER_CALLS))
@FUZZ
@given(body=BODIES)
def test_alertmanager_client(method: str, body: str) -> None:
    async def call() -> Any:
        client = AlertmanagerClient(_endpoint(), retry=NO_RETRY)
        client.http.transport = _mock(body)
        try:
            return await ALERTMANAGER_CALLS[method](client)
        finally:
            await client.aclose()

    _only_typed_errors(call)


LOKI_CALLS: dict[str, Callable[[LokiClient], Awaitable[Any]]] = {
    "query_range": lambda c: c.query_range('{app="x"}', 1, 2),
    "query": lambda c: c.query('{app="x"}'),
    "lines_since": lambda c: c.lines_since('{app="x"}', 1, 2, max_lines=50),
    "labels": lambda c: c.labels(1, 2),
    "label_values": lambda c: c.label_values("app", 1, 2),
    "series": lambda c: c.series(['{app="x"}'], 1, 2),
    "buildinfo": lambda c: c.buildinfo(),
    "probe": lambda c: c.probe(),
}


@pytest.mark.parametrize("method", list(LOKI_CALLS))
@FUZZ
@given(body=BODIES)
def test_loki_client(method: str, body: str) -> None:
    async def call() -> Any:
        client = LokiClient(_endpoint(), retry=NO_RETRY)
        client.http.transport = _mock(body)
        try:
            return await LOKI_CALLS[method](client)
        finally:
            await client.aclose()

    _only_typed_errors(call)


JAEGER_CALLS: dict[str, Callable[[JaegerClient], Awaitable[Any]]] = {
    "services": lambda c: c.services(),
    "operations": lambda c: c.operations("svc"),
    "search": lambda c: c.search("svc", start_us=1, end_us=2),
    "trace": lambda c: c.trace("abc"),
    "probe": lambda c: c.probe(),
}


@pytest.mark.parametrize("method", list(JAEGER_CALLS))
@FUZZ
@given(body=BODIES)
def test_jaeger_client_and_the_waterfall_built_from_it(method: str, body: str) -> None:
    async def call() -> Any:
        client = JaegerClient(_endpoint(), retry=NO_RETRY)
        client.http.transport = _mock(body)
        try:
            return await JAEGER_CALLS[method](client)
        finally:
            await client.aclose()

    result = _only_typed_errors(call)
    traces = result if isinstance(result, list) else [result]
    for trace in traces:
        if hasattr(trace, "spans"):
            build_waterfall(trace.spans)  # cycles, orphans, negative durations: never a crash


@FUZZ
@given(text=BODIES)
def test_loki_tail_frames_fail_only_as_value_errors(text: str) -> None:
    # The tail treats a bad frame as a dropped connection and reconnects.
    with contextlib.suppress(ValueError):
        parse_tail_frame(text)


@FUZZ
@given(payload=JSON)
def test_kubernetes_service_lists_fail_only_as_value_errors(payload: Any) -> None:
    with contextlib.suppress(ValueError):
        parse_service_list(payload)


@settings(max_examples=300, deadline=None)
@given(
    line=st.text(max_size=200) | JSON.map(json.dumps),
    labels=st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=4),
    ts=st.integers(min_value=-(2**63), max_value=2**63),
)
def test_any_log_line_becomes_a_row(line: str, labels: dict[str, str], ts: int) -> None:
    row = log_row(ts, line, labels, entity_field="agent_id")
    assert "\x1b" not in row.message
