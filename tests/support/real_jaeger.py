"""A real Jaeger v2 on loopback for tests, and spans sent to it over OTLP the way services send them.

Jaeger v2 is an OpenTelemetry Collector build: the config below keeps only what the tests use (the
OTLP/HTTP receiver, in-memory storage, the query service and its health check) and binds every port
it opens to 127.0.0.1, so nothing listens on another interface and no fixed port can clash. The
binary is built by the test command (``opsconsole/server_builds.py``).
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from opentelemetry import trace as otel_trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from opsconsole import server_builds
from tests.support.http_client import http_client
from tests.support.real_servers import RunningServer, free_port, on_free_ports, wait_ready

JAEGER_CONFIG = """\
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none  # no Prometheus endpoint on :8888
    logs:
      level: info
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:{health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:{query_http}
    grpc:
      endpoint: 127.0.0.1:{query_grpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{otlp_http}
processors:
  batch:
    timeout: 50ms  # spans are searchable almost at once
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"""


@dataclass
class RunningJaeger(RunningServer):
    """Jaeger's query API at ``url``; spans go to ``otlp_url`` (OTLP/HTTP ``/v1/traces``)."""

    otlp_url: str = ""


def jaeger_binary() -> str:
    """The built Jaeger v2, or a failure that says how to build it."""
    try:
        return str(server_builds.binary_path(server_builds.JAEGER, "jaeger"))
    except server_builds.BuildError as exc:
        raise RuntimeError(str(exc)) from None


def start_jaeger(tmp: Path) -> RunningJaeger:
    """Start Jaeger v2 (all in one, in-memory) with every listener on a free loopback port."""
    return on_free_ports(lambda: _start_jaeger(tmp))


def _start_jaeger(tmp: Path) -> RunningJaeger:
    binary = jaeger_binary()
    tmp.mkdir(parents=True, exist_ok=True)
    ports = {
        "health": free_port(),
        "query_http": free_port(),
        "query_grpc": free_port(),
        "otlp_http": free_port(),
    }
    config = tmp / "jaeger.yaml"
    config.write_text(JAEGER_CONFIG.format(**ports))
    log = tmp / "jaeger.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "--config", str(config)], stdout=out, stderr=subprocess.STDOUT)
    server = RunningJaeger(
        f"http://127.0.0.1:{ports['query_http']}",
        ports["query_http"],
        tmp,
        process,
        log,
        version=server_builds.JAEGER.version,
        otlp_url=f"http://127.0.0.1:{ports['otlp_http']}/v1/traces",
    )
    try:
        wait_ready(f"http://127.0.0.1:{ports['health']}/status", process, log)
        wait_ready(f"{server.url}/api/services", process, log)
    except Exception:
        server.stop()
        raise
    return server


class _ChosenIds(IdGenerator):
    """Hands out the ids the test chose, so spans keep the ids they have elsewhere (logs, the demo)."""

    def __init__(self) -> None:
        self.trace_id = 0
        self.span_id = 0

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id


@dataclass(frozen=True)
class SpanSpec:
    """One span to send: ids in hex, times in microseconds since the epoch (as Jaeger shows them)."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    start_us: int
    duration_us: int
    kind: SpanKind = SpanKind.INTERNAL
    attributes: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    error: bool = False
    events: Sequence[tuple[str, int, Mapping[str, str]]] = ()  # (name, time in µs, attributes)


class OtlpSender:
    """Sends spans to a Jaeger over OTLP/HTTP with the OpenTelemetry SDK, one provider per service."""

    def __init__(self, otlp_url: str, resource: Mapping[str, str] | None = None) -> None:
        self.otlp_url = otlp_url
        self.resource = dict(resource or {})
        self._ids = _ChosenIds()
        self._providers: dict[str, TracerProvider] = {}

    def _provider(self, service: str) -> TracerProvider:
        if service not in self._providers:
            provider = TracerProvider(
                resource=Resource.create({**self.resource, "service.name": service}), id_generator=self._ids
            )
            # Synchronous export: when send() returns, Jaeger has the spans (searchable after its batch).
            provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=self.otlp_url)))
            self._providers[service] = provider
        return self._providers[service]

    def send(self, spans: Sequence[SpanSpec]) -> None:
        """Send ``spans`` (any order); each keeps its trace id, span id, parent, times and attributes."""
        for spec in spans:
            tracer = self._provider(spec.service).get_tracer("opsconsole-tests")
            self._ids.trace_id = int(spec.trace_id, 16)
            self._ids.span_id = int(spec.span_id, 16)
            context = None
            if spec.parent_id:
                parent = SpanContext(
                    trace_id=int(spec.trace_id, 16),
                    span_id=int(spec.parent_id, 16),
                    is_remote=True,
                    trace_flags=TraceFlags(TraceFlags.SAMPLED),
                )
                context = otel_trace.set_span_in_context(NonRecordingSpan(parent))
            span = tracer.start_span(
                spec.operation,
                context=context,
                kind=spec.kind,
                attributes=dict(spec.attributes),
                start_time=spec.start_us * 1000,
            )
            for name, at_us, attributes in spec.events:
                span.add_event(name, dict(attributes), timestamp=at_us * 1000)
            if spec.error:
                span.set_status(Status(StatusCode.ERROR, "failed"))
            span.end(end_time=(spec.start_us + spec.duration_us) * 1000)

    def close(self) -> None:
        """Flush and stop every provider."""
        for provider in self._providers.values():
            provider.shutdown()


@contextlib.contextmanager
def otlp_sender(jaeger: RunningJaeger, resource: Mapping[str, str] | None = None) -> Iterator[OtlpSender]:
    """An :class:`OtlpSender` to ``jaeger``, shut down when the block ends."""
    sender = OtlpSender(jaeger.otlp_url, resource)
    try:
        yield sender
    finally:
        sender.close()


def jaeger_has_trace(jaeger: RunningJaeger, trace_id: str, spans: int) -> bool:
    """True once Jaeger returns ``trace_id`` with at least ``spans`` spans (its batch has landed)."""
    response = http_client().get(f"{jaeger.url}/api/traces/{trace_id}", timeout=5)
    if response.status_code != 200:
        return False
    data = response.json().get("data") or []
    return bool(data) and len(data[0].get("spans") or []) >= spans
