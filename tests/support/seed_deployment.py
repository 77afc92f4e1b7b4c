"""A Progressive Framework v5 deployment built from the seeds' facts, for real Prometheus.

Every pod is a ``prometheus_client`` registry served on its own loopback port, exporting what the
seeds say its code exports (``tests/seed_facts.yaml``): the agents as 001's ``AgentMetrics``
(``<type>_requests_total{method, status_code, endpoint}``, ``<type>_request_duration_seconds`` with
001's buckets, ``<type>_health_status``, ``<type>_active_connections``, prom-client's default
process metrics with the type as prefix), the core API as 000's ``metrics.js``
(``progressive_http_*`` with 000's buckets), plus postgres_exporter, redis_exporter and
kube-state-metrics with the names the seeds' rules read.

Prometheus finds them the way the seeds configure it: each ``scrape_configs`` entry of the facts
with its ``relabel_configs`` as written, Kubernetes service discovery replaced by static targets
that carry the ``__meta_kubernetes_*`` labels discovery would set. The agents are scraped as 001's
four jobs (mca, npa, wpa, bma), the core API as 000's ``progressive-framework-v5``, and a staging
agent as 000's ``progressive-agents`` (which the pack must leave out). The rules are the facts'
alert rules with ``for`` shortened, and the seeds' external labels are set.

Faults: a pod can be stopped (its scrapes fail) and any pod can be driven to answer 5xx.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

FACTS: dict[str, Any] = yaml.safe_load((Path(__file__).parents[1] / "seed_facts.yaml").read_text())
PF = FACTS["progressive_framework"]
PROD, STAGING, V5 = "progressive-framework-prod", "progressive-framework-staging", "progressive-framework-v5"
TEST_FOR = "2s"  # the seeds' `for` durations are minutes; the expressions are kept as written


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _buckets(metric: str) -> tuple[float, ...]:
    return tuple(float(b) for b in PF["metrics"][metric]["buckets"])


@dataclass
class Pod:
    """One process: its registry, its loopback server, and what service discovery knows of it."""

    name: str
    kind: str  # agent type, "core", "postgres", "redis", "kube-state"
    job: str
    namespace: str
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    metrics: dict[str, Any] = field(default_factory=dict)
    server: WSGIServer | None = None
    thread: threading.Thread | None = None
    failing: float = 0.0  # share of requests answered 5xx
    rps: float = 20.0

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_port)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def serve(self) -> None:
        self.server = make_server("127.0.0.1", 0, make_wsgi_app(self.registry), handler_class=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Kill the pod: its port closes, scrapes fail."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _agent_pod(kind: str, name: str, job: str, namespace: str, *, health_metric: bool, status: str) -> Pod:
    pod = Pod(name, kind, job, namespace)
    r = pod.registry
    # 001 §Custom Agent Metrics Implementation (prom-client, default metrics prefixed `${agentType}_`).
    pod.metrics["requests"] = Counter(
        f"{kind}_requests", "requests", ["method", "status_code", "endpoint"], registry=r
    )
    pod.metrics["duration"] = Histogram(
        f"{kind}_request_duration_seconds",
        "duration",
        ["method", "status_code", "endpoint"],
        buckets=_buckets("{type}_request_duration_seconds"),
        registry=r,
    )
    if health_metric:
        Gauge(f"{kind}_health_status", "health", ["agent_id", "version"], registry=r).labels(
            name, "5.0.0"
        ).set(1)
    pod.metrics["connections"] = Gauge(f"{kind}_active_connections", "conns", ["agent_id"], registry=r)
    pod.metrics["memory"] = Gauge(f"{kind}_process_resident_memory_bytes", "rss", registry=r)
    pod.metrics["memory"].set(450e6)
    if kind == "mca":
        pod.metrics["coordination"] = Histogram(
            "mca_coordination_latency_seconds",
            "coordination",
            ["coordination_type"],
            buckets=(0.1, 0.25, 0.5, 1, 2, 5),
            registry=r,
        )
    pod.metrics["status_style"] = status
    pod.rps = 6.0
    return pod


def _core_pod(name: str) -> Pod:
    pod = Pod(name, "core", "progressive-framework-v5", PROD)
    r = pod.registry
    # 000 §Custom Metrics for Progressive-Framework-v5 (src/middleware/metrics.js).
    pod.metrics["requests"] = Counter(
        "progressive_http_requests", "requests", ["method", "route", "status_code"], registry=r
    )
    pod.metrics["duration"] = Histogram(
        "progressive_http_request_duration_seconds",
        "duration",
        ["method", "route"],
        buckets=_buckets("progressive_http_request_duration_seconds"),
        registry=r,
    )
    Gauge("progressive_active_users_total", "users", ["environment"], registry=r).labels("production").set(
        300
    )
    db = Gauge(
        "progressive_database_connections_active", "db", ["database_type", "database_name"], registry=r
    )
    db.labels("postgresql", "progressive").set(12)
    db.labels("redis", "cache").set(4)
    pod.rps = 30.0
    return pod


def _exporter_pods(agent_pods: list[Pod]) -> list[Pod]:
    postgres = Pod("postgres-exporter", "postgres", "postgres", "")
    Gauge("pg_up", "up", registry=postgres.registry).set(1)
    activity = Gauge("pg_stat_activity_count", "conns", ["datname", "state"], registry=postgres.registry)
    activity.labels("progressive", "active").set(30)
    activity.labels("progressive", "idle").set(12)
    Gauge("pg_settings_max_connections", "max", registry=postgres.registry).set(100)
    redis = Pod("redis-exporter", "redis", "redis", "")
    Gauge("redis_up", "up", registry=redis.registry).set(1)
    Gauge("redis_memory_used_bytes", "used", registry=redis.registry).set(600e6)
    Gauge("redis_config_maxmemory", "max", registry=redis.registry).set(2**31)
    ksm = Pod("kube-state-metrics", "kube-state", "kube-state-metrics", "")
    restarts = Counter(
        "kube_pod_container_status_restarts",
        "restarts",
        ["namespace", "pod", "container"],
        registry=ksm.registry,
    )
    for pod in agent_pods:
        restarts.labels(pod.namespace or V5, pod.name, pod.kind).inc(0)
    return [postgres, redis, ksm]


@dataclass
class SeedDeployment:
    """Pods, the Prometheus config that scrapes them as the seeds do, and the seeds' rules."""

    pods: list[Pod]
    rename_namespace_to: str = "kubernetes_namespace"
    _stop: threading.Event = field(default_factory=threading.Event)

    def pod(self, name: str) -> Pod:
        return next(p for p in self.pods if p.name == name)

    def agents(self, kind: str | None = None) -> list[Pod]:
        return [p for p in self.pods if p.kind in ("mca", "npa", "wpa", "bma") and kind in (None, p.kind)]

    # -- traffic ----------------------------------------------------------------------------

    def _tick(self, rng: random.Random, dt: float) -> None:
        for pod in self.pods:
            if "requests" not in pod.metrics or pod.server is None:
                continue
            count = max(1, round(pod.rps * dt))
            for _ in range(count):
                failed = rng.random() < pod.failing
                latency = rng.lognormvariate(math.log(0.6 if pod.kind != "core" else 0.05), 0.5)
                if pod.kind == "core":
                    route = rng.choice(("/api/plans", "/api/users/:id"))
                    code = "500" if failed else "200"
                    pod.metrics["requests"].labels("GET", route, code).inc()
                    pod.metrics["duration"].labels("GET", route).observe(latency)
                    continue
                style = pod.metrics["status_style"]
                code = (
                    ("error" if failed else "success")
                    if style == "outcomes"
                    else ("500" if failed else "200")
                )
                endpoint = {
                    "mca": "/api/v1/route",
                    "npa": "/api/v1/meal-plans",
                    "wpa": "/api/v1/workouts",
                    "bma": "/api/v1/budgets",
                }[pod.kind]
                pod.metrics["requests"].labels("POST", code, endpoint).inc()
                pod.metrics["duration"].labels("POST", code, endpoint).observe(latency)
                if "coordination" in pod.metrics:
                    pod.metrics["coordination"].labels("plan").observe(latency / 3)
            if "connections" in pod.metrics:
                pod.metrics["connections"].labels(pod.name).set(rng.randint(3, 9))

    def _drive(self) -> None:
        rng = random.Random(19)
        last = time.monotonic()
        while not self._stop.wait(0.25):
            now = time.monotonic()
            self._tick(rng, now - last)
            last = now

    def start(self) -> None:
        for pod in self.pods:
            pod.serve()
        threading.Thread(target=self._drive, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        for pod in self.pods:
            pod.stop()

    # -- what Prometheus is told ------------------------------------------------------------

    def _job(self, name: str) -> dict[str, Any]:
        facts = PF["scrape_jobs"][name]
        job: dict[str, Any] = {"job_name": name, "scrape_interval": "1s", "scrape_timeout": "900ms"}
        if "metrics_path" in facts:
            job["metrics_path"] = facts["metrics_path"]
        if "params" in facts:
            job["params"] = facts["params"]
        relabel = [dict(rule) for rule in facts.get("relabel_configs", [])]
        for rule in relabel:
            if rule.get("target_label") == "kubernetes_namespace":
                rule["target_label"] = self.rename_namespace_to
        if relabel:
            job["relabel_configs"] = relabel
        targets = []
        for pod in (p for p in self.pods if p.job == name):
            labels: dict[str, str] = {}
            role = facts.get("role")
            if role == "pod":
                labels = {
                    "__meta_kubernetes_namespace": pod.namespace,
                    "__meta_kubernetes_pod_name": pod.name,
                    "__meta_kubernetes_pod_label_app": pod.kind,
                    "__meta_kubernetes_pod_label_tier": "agents",
                    "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
                    "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics",
                    "__meta_kubernetes_pod_annotation_prometheus_io_port": str(pod.port),
                }
            elif role == "endpoints":
                labels = {
                    "__meta_kubernetes_namespace": pod.namespace,
                    "__meta_kubernetes_service_name": "progressive-framework-v5",
                    "__meta_kubernetes_service_label_app": "progressive-framework-v5",
                    "__meta_kubernetes_service_annotation_prometheus_io_scrape": "true",
                    "__meta_kubernetes_service_annotation_prometheus_io_path": "/metrics",
                    "__meta_kubernetes_service_annotation_prometheus_io_port": str(pod.port),
                }
            targets.append({"targets": [pod.address], "labels": labels})
        job["static_configs"] = targets
        return job

    def prometheus_config(self, alertmanager_url: str, rules_file: str = "{rules}") -> str:
        jobs = sorted({p.job for p in self.pods})
        config = {
            "global": {
                "scrape_interval": "1s",
                "evaluation_interval": "1s",
                "external_labels": PF["external_labels"]["values"],
            },
            "rule_files": [rules_file],
            "alerting": {
                "alertmanagers": [
                    {"static_configs": [{"targets": [alertmanager_url.removeprefix("http://")]}]}
                ]
            },
            "scrape_configs": [self._job(name) for name in jobs],
        }
        return yaml.safe_dump(config, sort_keys=False)

    @staticmethod
    def rules() -> str:
        """The facts' alert rules as rule groups, with ``for`` shortened."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for rule in PF["alert_rules"]:
            groups.setdefault(rule["group"], []).append(
                {
                    "alert": rule["alert"],
                    "expr": rule["expr"],
                    "for": TEST_FOR if rule["for"] != "0m" else "0s",
                    "labels": rule["labels"],
                }
            )
        return yaml.safe_dump(
            {"groups": [{"name": name, "interval": "1s", "rules": rules} for name, rules in groups.items()]},
            sort_keys=False,
        )


def seed_deployment(
    *, health_metric: bool = True, status: str = "codes", rename_namespace_to: str = "kubernetes_namespace"
) -> SeedDeployment:
    """Two core API pods (000), agents as 001's four jobs, a staging agent (000's
    progressive-agents job), and the database and kube-state exporters."""
    agents = []
    suffix = iter(("x2k4p", "q9m7z", "b4t8n", "h6w2r", "k8s3d", "m5v7c", "p2n9f", "t4g6j"))
    counts = {"mca": 1, "npa": 3, "wpa": 2, "bma": 2}
    for kind, count in counts.items():
        for _ in range(count):
            name = f"{kind}-deployment-7c9d8b6f54-{next(suffix)}" if kind != "mca" else "mca-service"
            agents.append(_agent_pod(kind, name, kind, V5, health_metric=health_metric, status=status))
    staging = _agent_pod(
        "npa",
        "npa-deployment-5f6b7c8d9e-stg01",
        "progressive-agents",
        STAGING,
        health_metric=health_metric,
        status=status,
    )
    core = [_core_pod(f"progressive-framework-v5-6b8c9d7f5-{s}") for s in ("abcde", "fghij")]
    pods = [*agents, staging, *core, *_exporter_pods([a for a in agents if a.kind != "mca"] + [staging])]
    return SeedDeployment(pods, rename_namespace_to)


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def running(deployment: SeedDeployment) -> Iterator[SeedDeployment]:
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()
