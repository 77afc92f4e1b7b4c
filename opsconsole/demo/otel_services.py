"""HTTP servers instrumented with OpenTelemetry, as Prometheus sees them, for the ``otel-http`` pack.

Two ways OpenTelemetry metrics reach Prometheus, with the names each produces:

- ``progressive-framework-v5`` (the core API, seed 000's NodeSDK with the HTTP instrumentation on
  the stable conventions) pushes OTLP to an OpenTelemetry Collector whose ``prometheus`` exporter
  Prometheus scrapes with ``honor_labels: true``. The exporter turns ``service.name`` into ``job``
  and ``service.instance.id`` into ``instance``, adds ``otel_scope_name``/``otel_scope_version``,
  and puts the other resource attributes on ``target_info`` (without ``service_name``):
  ``http_server_request_duration_seconds_{bucket,sum,count}{http_request_method,
  http_response_status_code, http_route, url_scheme, network_protocol_version}``.
- ``agent-dashboard``, a Python service on the older conventions (still the Python
  instrumentation's default), exposes the SDK's own Prometheus endpoint, scraped directly by a job
  named ``python-services``: ``job`` and ``instance`` are the scrape's, ``service_name`` is on
  ``target_info`` only, and the histogram is ``http_server_duration_milliseconds`` with
  ``http_method``, ``http_status_code``, ``http_route``.

Counters are exact integrals of smooth rates; latency is log-normal over the conventions' default
bucket boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from opsconsole.demo.scraped import (
    EXPORTER_AGE,
    LatencyMix,
    ScrapedSeries,
    diurnal_integral,
    labels,
    le_text,
)
from opsconsole.demo.world import World

# Advisory boundaries of http.server.request.duration (seconds), and the SDKs' default
# boundaries, which the older millisecond histogram uses.
STABLE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, math.inf)
LEGACY_BUCKETS_MS = (
    0.0,
    5.0,
    10.0,
    25.0,
    50.0,
    75.0,
    100.0,
    250.0,
    500.0,
    750.0,
    1000.0,
    2500.0,
    5000.0,
    7500.0,
    10000.0,
    math.inf,
)


@dataclass(frozen=True)
class Route:
    """One route of a service: method, template, share of traffic, 5xx and 4xx shares, median s."""

    method: str
    route: str
    share: float
    errors: float
    client_errors: float
    median: float


@dataclass(frozen=True)
class Service:
    """An instrumented HTTP server and how it reaches Prometheus."""

    name: str
    stable: bool  # stable conventions (seconds) or the older ones (milliseconds)
    instances: tuple[tuple[str, str], ...]  # (job, instance) as stored
    rps: float
    routes: tuple[Route, ...]
    resource: tuple[tuple[str, str], ...]  # target_info labels besides job and instance
    scope: tuple[tuple[str, str], ...]  # otel_scope_* labels on every point
    via: str  # the scrape job Prometheus runs
    via_instance: str


SERVICES = (
    Service(
        "progressive-framework-v5",
        True,
        tuple(("progressive-framework-v5", f"core-{n}") for n in (1, 2, 3)),
        35.0,
        (
            Route("POST", "/api/plans", 0.3, 0.0004, 0.02, 0.08),
            Route("GET", "/api/users/:id", 0.5, 0.0002, 0.03, 0.03),
            Route("GET", "/api/agents/status", 0.2, 0.0003, 0.0, 0.02),
        ),
        (
            ("deployment_environment", "production"),
            ("service_version", "5.0.0"),
            ("telemetry_sdk_language", "nodejs"),
            ("telemetry_sdk_name", "opentelemetry"),
            ("telemetry_sdk_version", "1.30.1"),
        ),
        (("otel_scope_name", "@opentelemetry/instrumentation-http"), ("otel_scope_version", "0.57.2")),
        "otel-collector",
        "otel-collector:8889",
    ),
    Service(
        "agent-dashboard",
        False,
        tuple(("python-services", f"10.244.1.{n}:9464") for n in (31, 32)),
        6.0,
        (
            Route("GET", "/dashboard", 0.6, 0.0005, 0.01, 0.12),
            Route("GET", "/api/agents", 0.4, 0.0012, 0.0, 0.06),
        ),
        (
            ("service_name", "agent-dashboard"),
            ("service_version", "2.3.1"),
            ("telemetry_sdk_language", "python"),
            ("telemetry_sdk_name", "opentelemetry"),
            ("telemetry_sdk_version", "1.29.0"),
        ),
        (("otel_scope_name", "opentelemetry.instrumentation.flask"), ("otel_scope_version", "0.50b0")),
        "python-services",
        "",
    ),
)


class OtelHttpServices:
    """The series of :data:`SERVICES`."""

    def __init__(self, world: World) -> None:
        self.born = world.start - EXPORTER_AGE

    def series(self) -> list[ScrapedSeries]:
        """Histograms, ``target_info`` and ``up`` of every service."""
        out: list[ScrapedSeries] = []
        for service in SERVICES:
            for index, (job, instance) in enumerate(service.instances):
                target = {"job": job, "instance": instance}
                info = dict(service.resource)
                out.append(ScrapedSeries("target_info", labels(target, **info), lambda t: 1.0))
                if not service.via_instance:
                    out.append(ScrapedSeries("up", labels(target), lambda t: 1.0))
                phase = 1.3 * index + len(service.name)
                for route in service.routes:
                    out += self._histogram(service, target, route, phase)
            if service.via_instance:
                collector = {"job": service.via, "instance": service.via_instance}
                out.append(ScrapedSeries("up", labels(collector), lambda t: 1.0))
        return out

    def _histogram(
        self, service: Service, target: dict[str, str], route: Route, phase: float
    ) -> list[ScrapedSeries]:
        per_instance = service.rps * route.share / len(service.instances)
        mix = LatencyMix(route.median)
        codes = (
            ("200", 1 - route.errors - route.client_errors),
            ("404", route.client_errors),
            ("500", route.errors),
        )
        buckets: tuple[float, ...]
        if service.stable:
            name, buckets, scale = "http_server_request_duration_seconds", STABLE_BUCKETS, 1.0
        else:
            name, buckets, scale = "http_server_duration_milliseconds", LEGACY_BUCKETS_MS, 1000.0
        out = []
        for code, share in codes:
            if share <= 0:
                continue
            if service.stable:
                attrs = {
                    "http_request_method": route.method,
                    "http_response_status_code": code,
                    "http_route": route.route,
                    "network_protocol_version": "1.1",
                    "url_scheme": "http",
                }
            else:
                attrs = {
                    "http_method": route.method,
                    "http_status_code": code,
                    "http_route": route.route,
                    "http_flavor": "1.1",
                    "http_scheme": "http",
                    "net_host_port": "8000",
                }
            base = {**target, **attrs, **dict(service.scope)}
            rate = per_instance * share

            def count(t: float, r: float = rate) -> float:
                return round(diurnal_integral(t, self.born, r, phase, 0.3))

            def cumulative(bound: float, r: float = rate) -> Callable[[float], float]:
                fraction = mix.share(bound / scale)
                return lambda t: round(diurnal_integral(t, self.born, r * fraction, phase, 0.3))

            out.append(ScrapedSeries(f"{name}_count", labels(base), count, "counter"))
            out.append(
                ScrapedSeries(
                    f"{name}_sum",
                    labels(base),
                    (lambda r: lambda t: diurnal_integral(t, self.born, r * mix.mean * scale, phase, 0.3))(
                        rate
                    ),
                    "counter",
                )
            )
            out += [
                ScrapedSeries(f"{name}_bucket", labels(base, le=le_text(bound)), cumulative(bound), "counter")
                for bound in buckets
            ]
        return out
