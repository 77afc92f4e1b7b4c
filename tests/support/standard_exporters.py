"""Exporters of the tests' own that emit the standard names, and history for them, so the built-in
packs can be run against a real Prometheus scraping what a real deployment exposes.

Written from the exporters' own documentation and source, not from the demo: kube-state-metrics v2
(docs/pod-metrics.md, node conditions), the kubelet's cAdvisor endpoint, the OpenTelemetry
Collector's ``prometheus`` exporter (``exporter/prometheusexporter/collector.go``: job and instance
from service.name and service.instance.id, ``otel_scope_*`` labels, ``target_info`` without the
service attributes) and Loki's request histogram. The OpenTelemetry SDK services are the real SDK
(``tests/support/otel_http_service.py``), node-exporter is Debian's, Prometheus and Alertmanager are real.

Each exporter of our own is a function of time, so Prometheus' history can be written for it with
``promtool tsdb create-blocks-from openmetrics`` before the server starts: a rate() over four
one-minute scrapes then has its samples without the test waiting four minutes.
"""

from __future__ import annotations

import math
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client.parser import text_string_to_metric_families

from tests.support.http_client import http_client
from tests.support.real_servers import require_binary

Sample = tuple[str, dict[str, str], float]
Exposition = Callable[[float], list[Sample]]

NAMESPACE = "shop"
OOM_POD = "worker-0"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(samples: Sequence[Sample], at: float | None = None) -> str:
    """Samples in the text format (with ``at`` as explicit timestamps in seconds: OpenMetrics)."""
    lines = []
    for name, labels, value in samples:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        number = "NaN" if math.isnan(value) else ("+Inf" if value == math.inf else repr(float(value)))
        stamp = "" if at is None else f" {at:.3f}"
        lines.append(f"{name}{{{inner}}} {number}{stamp}")
    return "\n".join(lines) + "\n"


@contextmanager
def serving(exposition: Exposition, clock: Callable[[], float]) -> Iterator[str]:
    """``/metrics`` of ``exposition`` at the current time on a free loopback port; yields host:port."""

    def app(environ: Mapping[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
        return [render(exposition(clock())).encode()]

    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


# -- kube-state-metrics v2 --------------------------------------------------------------------


@dataclass(frozen=True)
class KubePod:
    """A pod as kube-state-metrics reports it."""

    namespace: str
    name: str
    container: str
    node: str
    ready: bool = True
    oom_killed_at: float | None = None


def cluster_pods(started: float) -> list[KubePod]:
    """A small shop: two API replicas, a worker OOM-killed five minutes ago, a crash-looping cache."""
    return [
        KubePod(NAMESPACE, "api-5d9f7c6b8-x2k4p", "api", "node-a"),
        KubePod(NAMESPACE, "api-5d9f7c6b8-q8r4m", "api", "node-b"),
        KubePod(NAMESPACE, OOM_POD, "worker", "node-a", oom_killed_at=started - 300),
        KubePod(NAMESPACE, "cache-0", "redis", "node-b", ready=False),
        KubePod("kube-system", "coredns-76f75df574-2xk9d", "coredns", "node-a"),
    ]


def kube_state_metrics(pods: Sequence[KubePod]) -> Exposition:
    """kube-state-metrics' pod and node series (labels as in its docs; ``uid`` as v2.x adds)."""

    def at(t: float) -> list[Sample]:
        out: list[Sample] = []
        for pod in pods:
            base = {"namespace": pod.namespace, "pod": pod.name, "uid": f"uid-{pod.name}"}
            cont = {**base, "container": pod.container}
            ready = 1.0 if pod.ready else 0.0
            out.append(("kube_pod_info", {**base, "node": pod.node, "created_by_kind": "ReplicaSet"}, 1.0))
            for condition, value in (("true", ready), ("false", 1 - ready), ("unknown", 0.0)):
                out.append(("kube_pod_status_ready", {**base, "condition": condition}, value))
            for phase in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
                out.append(
                    ("kube_pod_status_phase", {**base, "phase": phase}, 1.0 if phase == "Running" else 0.0)
                )
            out.append(("kube_pod_container_status_ready", cont, ready))
            restarts = 0.0
            if pod.oom_killed_at is not None and t >= pod.oom_killed_at:
                restarts = 1.0
                out.append(
                    ("kube_pod_container_status_last_terminated_reason", {**cont, "reason": "OOMKilled"}, 1.0)
                )
            if not pod.ready:
                restarts = 7.0
                out.append(
                    ("kube_pod_container_status_last_terminated_reason", {**cont, "reason": "Error"}, 1.0)
                )
                out.append(
                    ("kube_pod_container_status_waiting_reason", {**cont, "reason": "CrashLoopBackOff"}, 1.0)
                )
            out.append(("kube_pod_container_status_restarts_total", cont, restarts))
        for node in sorted({p.node for p in pods}):
            for condition in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
                healthy = "true" if condition == "Ready" else "false"
                for status in ("true", "false", "unknown"):
                    labels = {"node": node, "condition": condition, "status": status}
                    out.append(("kube_node_status_condition", labels, 1.0 if status == healthy else 0.0))
        return out

    return at


def cadvisor(pods: Sequence[KubePod], started: float) -> Exposition:
    """The kubelet's /metrics/cadvisor: one series per running container and one per pod cgroup."""

    def at(t: float) -> list[Sample]:
        out: list[Sample] = []
        for index, pod in enumerate(pods):
            cgroup = f"/kubepods/burstable/pod-{pod.name}"
            base = {"namespace": pod.namespace, "pod": pod.name}
            cores = 0.1 + 0.05 * index
            cpu = cores * (t - started + 86400)
            memory = 100e6 + 20e6 * index
            series = [({**base, "id": cgroup}, cpu, memory)]
            if pod.ready:
                container = {
                    "container": pod.container,
                    "image": f"{pod.container}:1",
                    "name": f"k8s_{pod.name}",
                }
                series.append(({**base, **container, "id": f"{cgroup}/{pod.name}"}, cpu, memory))
            for labels, cpu_seconds, working_set in series:
                out.append(("container_cpu_usage_seconds_total", {**labels, "cpu": "total"}, cpu_seconds))
                out.append(("container_memory_working_set_bytes", labels, working_set))
        return out

    return at


# -- the OpenTelemetry Collector's prometheus exporter --------------------------------------------

COLLECTOR_SERVICE = ("shop", "checkout")  # service.namespace, service.name
STABLE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


def otel_collector(started: float) -> Exposition:
    """What the Collector's prometheus exporter serves for a service pushing OTLP: ``job`` is
    ``service.namespace/service.name``, ``instance`` the ``service.instance.id``, scope labels on
    every point, and ``target_info`` with the remaining resource attributes."""
    namespace, name = COLLECTOR_SERVICE
    job = f"{namespace}/{name}"
    instances = ("5f1c1b53-7a4e-4c7d-9a53-1b6f0f2f3b1e", "9a0e7c2d-3b5f-4f8e-8d1c-6e2a4b7c9d0f")
    scope = {
        "otel_scope_name": "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
        "otel_scope_version": "0.59.0",
        "otel_scope_schema_url": "",
    }

    def at(t: float) -> list[Sample]:
        out: list[Sample] = []
        elapsed = t - started + 3600
        for index, instance in enumerate(instances):
            ident = {"job": job, "instance": instance}
            out.append(
                (
                    "target_info",
                    {
                        **ident,
                        "deployment_environment": "prod",
                        "telemetry_sdk_language": "go",
                        "host_name": f"pod-{index}",
                    },
                    1.0,
                )
            )
            for code, rps in (("200", 9.0), ("500", 0.02)):
                attrs = {
                    **ident,
                    **scope,
                    "http_request_method": "POST",
                    "http_response_status_code": code,
                    "http_route": "/checkout",
                    "network_protocol_name": "http",
                    "url_scheme": "https",
                }
                count = math.floor(rps * elapsed)
                out.append(("http_server_request_duration_seconds_count", attrs, float(count)))
                out.append(("http_server_request_duration_seconds_sum", attrs, count * 0.08))
                for bound in STABLE_BUCKETS:
                    share = 0.5 * (1 + math.erf((math.log(bound) - math.log(0.06)) / (0.6 * math.sqrt(2))))
                    out.append(
                        (
                            "http_server_request_duration_seconds_bucket",
                            {**attrs, "le": f"{bound:g}"},
                            float(math.floor(count * share)),
                        )
                    )
                out.append(
                    ("http_server_request_duration_seconds_bucket", {**attrs, "le": "+Inf"}, float(count))
                )
        return out

    return at


# -- Loki's own metrics -------------------------------------------------------------------------

LOKI_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100)


def loki_self_metrics(started: float) -> Exposition:
    """``loki_request_duration_seconds{method, route, status_code, ws}`` of a healthy Loki (which
    has discarded nothing yet, so it exposes no ``loki_discarded_samples_total``)."""

    def at(t: float) -> list[Sample]:
        out: list[Sample] = []
        elapsed = t - started + 3600
        for route, method, rps, code in (
            ("loki_api_v1_push", "POST", 20.0, "204"),
            ("loki_api_v1_query_range", "GET", 1.0, "200"),
            ("loki_api_v1_query_range", "GET", 0.01, "500"),
            ("loki_api_v1_tail", "GET", 0.001, "200"),
            ("/logproto.Pusher/Push", "gRPC", 5.0, "success"),
        ):
            labels = {
                "method": method,
                "route": route,
                "status_code": code,
                "ws": str(route.endswith("tail")).lower(),
            }
            count = math.floor(rps * elapsed)
            out.append(("loki_request_duration_seconds_count", labels, float(count)))
            out.append(("loki_request_duration_seconds_sum", labels, count * 0.05))
            for bound in LOKI_BUCKETS:
                share = min(1.0, bound / 0.2)
                out.append(
                    (
                        "loki_request_duration_seconds_bucket",
                        {**labels, "le": f"{bound:g}"},
                        float(math.floor(count * share)),
                    )
                )
            out.append(("loki_request_duration_seconds_bucket", {**labels, "le": "+Inf"}, float(count)))
        return out

    return at


# -- scrape targets and their history -----------------------------------------------------------


@dataclass
class ScrapeJob:
    """One scrape job of the test Prometheus."""

    name: str
    targets: list[str]
    honor_labels: bool = False
    # Our own exporters: history from the function. Real ones: their current /metrics, held constant.
    exposition: Exposition | None = None
    target_labels: dict[str, str] = field(default_factory=dict)


def snapshot(address: str) -> list[Sample]:
    text = http_client().get(f"http://{address}/metrics", timeout=10).text
    out: list[Sample] = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.value is not None:
                out.append((sample.name, dict(sample.labels), float(sample.value)))
    return out


def _as_scraped(job: ScrapeJob, target: str, samples: list[Sample]) -> list[Sample]:
    """Samples as Prometheus stores them from ``target``: job and instance added (kept from the
    exposition with honor_labels, else a clash renames the exporter's label exported_*)."""
    scrape = {"job": job.name, "instance": target, **job.target_labels}
    out = []
    for name, labels, value in samples:
        merged = dict(labels)
        for key, wanted in scrape.items():
            if key in merged and not job.honor_labels:
                merged[f"exported_{key}"] = merged.pop(key)
            if job.honor_labels:
                merged.setdefault(key, wanted)
            else:
                merged[key] = wanted
        out.append((name, {k: v for k, v in merged.items() if v != ""}, value))
    return out


def with_query_traffic(samples: Sequence[Sample], taken: float, per_second: float = 0.5) -> Exposition:
    """A snapshot of Prometheus' own /metrics as a function of time, with the query API answering
    ``per_second`` requests a second (all under the smallest latency bucket) around ``taken``.

    A Prometheus someone watches is queried all the time; replayed as a constant, its history has
    no query traffic, and the meta pack's error ratio and latency quantiles over it are 0/0, or
    not, depending on how many queries the restarted server happened to answer before its first
    scrape of itself."""
    counted = ("prometheus_http_requests_total", "prometheus_http_request_duration_seconds_")

    def at(t: float) -> list[Sample]:
        grown = per_second * max(0.0, t - taken + 3600)
        out: list[Sample] = []
        for name, labels, value in samples:
            if name.startswith(counted) and labels.get("handler", "").startswith("/api/v1/query"):
                if name.endswith("_sum"):
                    value += grown * 0.01
                elif not (name.endswith("_total") and labels.get("code", "200") != "200"):
                    value += grown
            out.append((name, labels, value))
        return out

    return at


def backfill(
    jobs: Sequence[ScrapeJob], data_dir: Path, now: float, interval: float, span: float = 900
) -> int:
    """Write ``span`` seconds of scrapes, ``interval`` apart and ending one interval before ``now``,
    into ``data_dir`` with promtool; returns how many samples were written."""
    history: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[float, float]]] = {}
    points = max(8, int(span // interval))
    times = [now - interval * k for k in range(points, 0, -1)]
    for job in jobs:
        for target in job.targets:
            current = None if job.exposition else snapshot(target)
            for t in times:
                raw = job.exposition(t) if job.exposition else current
                assert raw is not None
                for name, labels, value in _as_scraped(job, target, raw):
                    history.setdefault((name, tuple(sorted(labels.items()))), []).append((t, value))
    lines = []
    for (name, labels), points_of in sorted(history.items()):
        for t, value in points_of:
            lines.append(render([(name, dict(labels), value)], at=t).rstrip("\n"))
    openmetrics = data_dir.parent / f"{data_dir.name}-history.om"
    openmetrics.write_text("\n".join(lines) + "\n# EOF\n")
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            require_binary("promtool"),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            str(openmetrics),
            str(data_dir),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return len(lines)


def prometheus_config(jobs: Sequence[ScrapeJob], interval: str, alertmanager: str | None) -> str:
    """A prometheus.yml scraping ``jobs`` every ``interval``, rules from ``{rules}``."""
    lines = [
        "global:",
        f"  scrape_interval: {interval}",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - {rules}",
    ]
    if alertmanager:
        lines += [
            "alerting:",
            "  alertmanagers:",
            "    - static_configs:",
            f"        - targets: ['{alertmanager}']",
        ]
    lines.append("scrape_configs:")
    for job in jobs:
        lines += [
            f"  - job_name: {job.name}",
            f"    honor_labels: {str(job.honor_labels).lower()}",
            "    static_configs:",
        ]
        lines.append(f"      - targets: [{', '.join(repr(t) for t in job.targets)}]")
        if job.target_labels:
            lines.append(
                "        labels: {" + ", ".join(f"{k}: {v}" for k, v in job.target_labels.items()) + "}"
            )
    return "\n".join(lines) + "\n"


RULES = """\
groups:
  - name: standard-deployment
    interval: 1s
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none}
        annotations: {summary: Alerting pipeline heartbeat}
      - alert: KubePodNotReady
        expr: max by (namespace, pod) (kube_pod_status_ready{condition="false"}) == 1
        labels: {severity: warning}
        annotations: {summary: Pod has been in a non-ready state}
      - alert: KubeNodeNotReady
        expr: kube_node_status_condition{condition="Ready", status="true"} == 0
        labels: {severity: warning}
"""
