"""JaegerClient against a real Jaeger v2 (in-memory), fed spans over OTLP by the OpenTelemetry SDK.

Every figure asserted here was chosen when the spans were sent: ids, parents, times to the
microsecond, attributes, events, status. The v1 API answers first; a proxy that hides v1's search
endpoints (as Jaeger builds after 2.20 do) makes the client take the v3 (OTLP JSON) path against the
same server, and both paths must agree.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.backends.jaeger_models import Span, Trace
from opsconsole.config import EndpointSettings
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.logs_screen import LogsScreen
from opsconsole.ui.pane_table import AlertRowKey
from opsconsole.ui.trace_screens import TraceScreen, TraceView
from tests.support.http_client import http_client
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.real_jaeger import RunningJaeger, SpanSpec, jaeger_has_trace, otlp_sender, start_jaeger
from tests.support.real_servers import wait_until
from tests.support.ui_harness import demo_app, settle, work_done

pytestmark = pytest.mark.real_backend

NOW_US = (int(time.time()) - 600) * 1_000_000  # ten minutes ago, whole seconds
CHECKOUT = "5b8efff798038103d269b633813fc60c"
HEALTHY = "0af7651916cd43dd8448eb211c80319c"
SHORT = "00000000000000003f2a6c9e1b7d4e58"  # a 64-bit id, as older clients and some logs carry it

TRACES = [
    SpanSpec(
        CHECKOUT,
        "eee19b7ec3c1b174",
        None,
        "api-gateway",
        "POST /plan",
        NOW_US,
        812_000,
        kind=SpanKind.SERVER,
        attributes={"http.method": "POST", "http.status_code": 500},
        error=True,
        events=[("exception", NOW_US + 801_000, {"exception.message": "npa timed out"})],
    ),
    SpanSpec(
        CHECKOUT,
        "a3ce929d0e0e4736",
        "eee19b7ec3c1b174",
        "npa",
        "plan.route",
        NOW_US + 2_000,
        790_000,
        kind=SpanKind.SERVER,
        attributes={"agent_id": "npa-2"},
        error=True,
    ),
    SpanSpec(
        CHECKOUT,
        "00f067aa0ba902b7",
        "a3ce929d0e0e4736",
        "npa",
        "db.query",
        NOW_US + 5_000,
        640_000,
        kind=SpanKind.CLIENT,
        attributes={"db.system": "postgresql"},
    ),
    SpanSpec(
        HEALTHY,
        "53995c3f42cd8ad8",
        None,
        "api-gateway",
        "GET /health",
        NOW_US + 60_000_000,
        3_000,
        kind=SpanKind.SERVER,
        attributes={"http.method": "GET", "http.status_code": 200},
    ),
    SpanSpec(SHORT, "1b7d4e583f2a6c9e", None, "wpa", "optimise", NOW_US + 120_000_000, 42_000),
]


@pytest.fixture(scope="module")
def jaeger(real_jaeger: RunningJaeger) -> RunningJaeger:
    """The session's Jaeger with ``TRACES`` sent and stored."""
    with otlp_sender(real_jaeger, {"host.name": "gw-1"}) as sender:
        sender.send(TRACES)
    for trace_id, spans in ((CHECKOUT, 3), (HEALTHY, 1), (SHORT, 1)):
        wait_until(lambda t=trace_id, n=spans: jaeger_has_trace(real_jaeger, t, n), timeout=10, what=trace_id)
    return real_jaeger


@pytest.fixture
async def client(jaeger: RunningJaeger) -> Iterator[JaegerClient]:
    client = JaegerClient(EndpointSettings(url=jaeger.url, timeout=5))
    yield client
    await client.aclose()


def _window() -> dict[str, int]:
    return {"start_us": NOW_US - 60_000_000, "end_us": NOW_US + 300_000_000}


def _shape(trace: Trace) -> dict[str, tuple[str | None, str, str, int, int]]:
    """span id -> (parent, service, operation, start, duration): what both API versions must agree on."""
    return {s.span_id: (s.parent_id, s.service, s.operation, s.start_us, s.duration_us) for s in trace.spans}


async def test_an_empty_jaeger_has_no_services(tmp_path: Path) -> None:
    """Jaeger v2 answers ``"data": null`` before any span arrives: that is no services, not an error."""
    empty = start_jaeger(tmp_path)
    try:
        assert http_client().get(f"{empty.url}/api/services", timeout=5).json()["data"] is None
        client = JaegerClient(EndpointSettings(url=empty.url, timeout=5))
        assert await client.services() == []
        assert (await client.probe()).summary == "0 services"
        await client.aclose()
    finally:
        empty.stop()


async def test_services_and_operations(client: JaegerClient) -> None:
    assert {"api-gateway", "npa", "wpa"} <= set(await client.services())
    assert await client.operations("npa") == ["db.query", "plan.route"]
    assert await client.operations("api-gateway") == ["GET /health", "POST /plan"]
    assert await client.operations("no-such-service") == []


async def test_trace_by_id_keeps_ids_parents_times_and_attributes(client: JaegerClient) -> None:
    trace = await client.trace(CHECKOUT.upper())
    assert trace.trace_id == CHECKOUT
    assert _shape(trace) == {
        "eee19b7ec3c1b174": (None, "api-gateway", "POST /plan", NOW_US, 812_000),
        "a3ce929d0e0e4736": ("eee19b7ec3c1b174", "npa", "plan.route", NOW_US + 2_000, 790_000),
        "00f067aa0ba902b7": ("a3ce929d0e0e4736", "npa", "db.query", NOW_US + 5_000, 640_000),
    }
    root = next(s for s in trace.spans if s.parent_id is None)
    assert root.tags["span.kind"] == "server"
    assert root.tags["http.status_code"] == "500"
    assert root.is_error
    [event] = root.logs
    assert event.timestamp_us == NOW_US + 801_000
    assert event.fields["exception.message"] == "npa timed out"
    assert root.process_tags["host.name"] == "gw-1"
    query = next(s for s in trace.spans if s.operation == "db.query")
    assert query.tags["span.kind"] == "client" and not query.is_error
    assert trace.services == ["api-gateway", "npa"]
    assert trace.error_count == 2


async def test_a_64_bit_trace_id_is_found_by_its_short_and_long_form(client: JaegerClient) -> None:
    short = SHORT.lstrip("0")
    by_short = await client.trace(short)
    by_long = await client.trace(SHORT)
    assert (
        _shape(by_short)
        == _shape(by_long)
        == {"1b7d4e583f2a6c9e": (None, "wpa", "optimise", NOW_US + 120_000_000, 42_000)}
    )


async def test_unknown_trace_is_not_found(client: JaegerClient) -> None:
    with pytest.raises(BackendError) as err:
        await client.trace("0123456789abcdef0123456789abcdef")
    assert err.value.kind is FailureKind.NOT_FOUND


async def test_search_by_service_operation_tags_duration_and_time(client: JaegerClient) -> None:
    found = await client.search("api-gateway", **_window())
    assert [t.trace_id for t in found] == [HEALTHY, CHECKOUT]  # newest first
    assert [t.trace_id for t in await client.search("api-gateway", operation="POST /plan", **_window())] == [
        CHECKOUT
    ]
    failed = await client.search("api-gateway", tags={"http.status_code": "500"}, **_window())
    assert [t.trace_id for t in failed] == [CHECKOUT]
    slow = await client.search("npa", min_duration="700ms", **_window())
    assert [t.trace_id for t in slow] == [CHECKOUT]
    assert await client.search("npa", min_duration="1s", **_window()) == []
    before = await client.search("api-gateway", start_us=NOW_US - 3_600_000_000, end_us=NOW_US - 1)
    assert before == []
    assert len(await client.search("api-gateway", limit=1, **_window())) == 1


@contextlib.contextmanager
def _v1_search_hidden(jaeger: RunningJaeger) -> Iterator[str]:
    """A proxy to ``jaeger`` on which the v1 search endpoints answer 404, as on Jaeger after 2.20."""
    v1_search = re.compile(r"^/api/(services|operations|traces)/?$")

    def handler(request: Received) -> Reply:
        path = request.path.split("?", 1)[0]
        if v1_search.match(path):
            return Reply(404, "404 page not found", {"Content-Type": "text/plain"})
        upstream = http_client().get(f"{jaeger.url}{request.path}", timeout=5)
        return Reply(
            upstream.status_code, upstream.content, {"Content-Type": upstream.headers["content-type"]}
        )

    with scripted_server(handler) as server:
        yield server.url


async def test_v3_api_gives_the_same_services_and_traces(jaeger: RunningJaeger, client: JaegerClient) -> None:
    with _v1_search_hidden(jaeger) as url:
        v3 = JaegerClient(EndpointSettings(url=url, timeout=5))
        try:
            assert (
                http_client().get(f"{url}/api/services", timeout=5).status_code == 404
            )  # v1 really is hidden
            assert await v3.services() == await client.services()
            by_v3 = await v3.search("api-gateway", **_window())
            by_v1 = await client.search("api-gateway", **_window())
            assert [t.trace_id for t in by_v3] == [t.trace_id for t in by_v1] == [HEALTHY, CHECKOUT]
            for new, old in zip(by_v3, by_v1, strict=True):
                assert _shape(new) == _shape(old)
                assert {s.span_id: s.is_error for s in new.spans} == {
                    s.span_id: s.is_error for s in old.spans
                }
                assert {s.span_id: s.tags.get("span.kind") for s in new.spans} == {
                    s.span_id: s.tags.get("span.kind") for s in old.spans
                }
            root = next(s for s in by_v3[1].spans if s.parent_id is None)
            assert root.logs[0].fields["exception.message"] == "npa timed out"
            assert await v3.search("api-gateway", start_us=NOW_US - 3_600_000_000, end_us=NOW_US - 1) == []
        finally:
            await v3.aclose()


# -- the pivot: alert -> its logs -> the trace of a log line, in a real Jaeger -----------------------


def _as_sent(span: Span) -> SpanSpec:
    """A span as read from the demo's Jaeger, to be sent again over OTLP."""
    kinds = {"server": SpanKind.SERVER, "client": SpanKind.CLIENT, "producer": SpanKind.PRODUCER}
    derived = {"span.kind", "error", "otel.status_code"}  # Jaeger derives these from kind and status
    return SpanSpec(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_id=span.parent_id,
        service=span.service,
        operation=span.operation,
        start_us=span.start_us,
        duration_us=span.duration_us,
        kind=kinds.get(span.tags.get("span.kind", ""), SpanKind.INTERNAL),
        attributes={k: v for k, v in span.tags.items() if k not in derived},
        error=span.is_error,
        events=[(log.fields.get("event", "log"), log.timestamp_us, log.fields) for log in span.logs],
    )


async def test_alert_to_logs_to_a_trace_from_a_real_jaeger(
    frozen_demo: tuple[DemoStack, DemoUrls], real_jaeger: RunningJaeger
) -> None:
    """The demo's alerts and logs; the trace a log line names is served by a real Jaeger.

    The demo trace behind the line is sent to the real Jaeger over OTLP first, so the waterfall the
    console opens is Jaeger's own answer (it carries the OpenTelemetry SDK's resource attributes,
    which the demo's spans never have) and must have the same tree as the demo's.
    """
    stack, urls = frozen_demo
    npa2 = stack.world.instance("npa-2").pod
    app = demo_app(replace(urls, jaeger=real_jaeger.url))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        pane = app.panes["alerts"]
        key = next(k for k, r in pane.refs.items() if isinstance(r, AlertRowKey) and r.alert.entity == npa2)
        await pilot.press("2")
        pane.table.move_cursor(row=list(pane.refs).index(key))
        await pilot.press("enter")
        await settle(pilot)
        logs = app.screen
        assert isinstance(logs, LogsScreen)
        for _ in range(200):  # up through the alert's lead-up to the nearest line that names a trace
            row = logs.view.selected()
            if row is not None and row.trace_id:
                break
            await pilot.press("k")
        assert row is not None and row.trace_id, "no line of npa-2 names a trace"

        demo_jaeger = JaegerClient(EndpointSettings(url=urls.jaeger, timeout=5))
        try:
            simulated = await demo_jaeger.trace(row.trace_id)
        finally:
            await demo_jaeger.aclose()
        with otlp_sender(real_jaeger) as sender:
            sender.send([_as_sent(s) for s in simulated.spans])
        wait_until(
            lambda: jaeger_has_trace(real_jaeger, simulated.trace_id, len(simulated.spans)),
            timeout=10,
            what="the replayed trace in Jaeger",
        )

        await pilot.press("enter")
        await work_done(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        trace = screen.trace
        assert trace.trace_id == simulated.trace_id
        assert _shape(trace) == _shape(simulated)
        assert trace.error_count == simulated.error_count >= 1
        assert all(s.process_tags.get("telemetry.sdk.name") == "opentelemetry" for s in trace.spans)
        assert len(screen.query_one(TraceView).rows) == len(trace.spans)


def _listening_addresses(pid: int) -> list[str]:
    """``ip:port`` of every TCP socket ``pid`` listens on and every UDP socket it has bound."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found = []
    for table, listening in (("tcp", "0A"), ("tcp6", "0A"), ("udp", "07"), ("udp6", "07")):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode in inodes and state == listening:
                address, port = local.split(":")
                raw = bytes.fromhex(address)
                # /proc shows each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.append(f"{ipaddress.ip_address(words)}:{int(port, 16)}")
    return found


def test_jaeger_listens_on_loopback_only(real_jaeger: RunningJaeger) -> None:
    addresses = _listening_addresses(real_jaeger.process.pid)
    assert len(addresses) == 4, addresses  # query HTTP and gRPC, OTLP/HTTP, health
    assert all(a.startswith("127.0.0.1:") for a in addresses), addresses
