"""Who is in the demo world: the processes of a Progressive Framework v5 deployment and of a
FreeAgentics one, each with the scrape target Prometheus would find for it.

Progressive Framework follows ``docs/05-DevOps/Monitoring-Alerting.md``: its agents (MCA, NPA,
WPA and BMA) are pods with labels ``app=<type>`` and ``tier=agents`` and a metrics port annotation
(8090), run by Deployments named ``<type>-deployment`` in ``progressive-framework-prod`` (and a
small staging copy in ``progressive-framework-staging``, which the pack must not show); the core
API is the ``progressive-framework-v5`` Deployment behind a Service of that name. Pod names and IPs
are generated the way Kubernetes makes them (``npa-deployment-7c9d8b6f54-x2k4p``). FreeAgentics
follows its runbook: static targets ``api:8000``, ``workers:8001`` and ``localhost:9100``.

Each process also has a short internal id (``npa-2``) that the scenarios use.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cached_property

from opsconsole.demo import seed_deployment as seed
from opsconsole.demo.scrape import ScrapeJob, Target

PROD = "progressive-framework-prod"
STAGING = "progressive-framework-staging"
AGENTS = {"mca": 2, "npa": 3, "wpa": 2, "bma": 2}
STAGING_AGENTS = {"mca": 1, "npa": 1}
AGENT_PORT = 8090  # 000 §Common Monitoring Issues: curl http://localhost:8090/metrics
CORE_PORT = 3000
CORE_DEPLOYMENT = "progressive-framework-v5"
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for pod-template-hash and suffixes


@dataclass(frozen=True)
class Instance:
    """One process of the world with its seeded baseline and the target that scrapes it."""

    kind: str  # agent | core | postgres | redis | mongodb | kube-state | fa-api | fa-workers | fa-node
    entity_id: str  # internal id the scenarios use: npa-2, core-1, fa-api
    target: Target | None
    agent_type: str | None = None
    namespace: str = ""
    pod: str = ""
    base_rps: float = 0.0
    base_error: float = 0.0
    base_median: float = 0.0
    phase: float = 0.0

    @cached_property
    def target_labels(self) -> dict[str, str]:
        """The labels Prometheus gives the target (after the job's relabelling)."""
        if self.target is None:
            return {}
        labels = self.target.labels()
        assert labels is not None, f"the demo's {self.entity_id} is dropped by its own job"
        return labels

    def labels(self) -> dict[str, str]:
        """Labels every series scraped from this instance carries."""
        return self.target_labels

    @property
    def job(self) -> str:
        """The scrape job."""
        return self.target.job.name if self.target else ""

    @property
    def instance(self) -> str:
        """The ``instance`` label."""
        return self.target_labels.get("instance", "")

    @property
    def display(self) -> str:
        """How the console names it: the pod where the target has one, else the instance."""
        return self.target_labels.get("kubernetes_pod_name") or self.instance


def _hash(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_HASH_ALPHABET) for _ in range(length))


def _pod_target(job: ScrapeJob, namespace: str, pod: str, ip: str, labels: dict[str, str]) -> Target:
    meta = {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_ip": ip,
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
        "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics",
        "__meta_kubernetes_pod_annotation_prometheus_io_port": str(AGENT_PORT),
        **{f"__meta_kubernetes_pod_label_{k}": v for k, v in labels.items()},
    }
    return Target(job, f"{ip}:{AGENT_PORT}", meta)


def _endpoint_target(job: ScrapeJob, namespace: str, service: str, ip: str, pod: str) -> Target:
    meta = {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_service_name": service,
        "__meta_kubernetes_service_label_app": service,
        "__meta_kubernetes_service_annotation_prometheus_io_scrape": "true",
        "__meta_kubernetes_service_annotation_prometheus_io_path": "/metrics",
        "__meta_kubernetes_service_annotation_prometheus_io_port": str(CORE_PORT),
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_endpoint_port_name": "http",
    }
    return Target(job, f"{ip}:{CORE_PORT}", meta)


def build_fleet(seed_value: int) -> list[Instance]:
    """Every process of both deployments, with seeded baselines, pod names and addresses."""
    rng = random.Random(seed_value)
    out: list[Instance] = []
    hosts = iter(range(10, 250))

    def ip() -> str:
        host = next(hosts)
        return f"10.42.{host % 3}.{host}"

    for namespace, fleet, prefix in ((PROD, AGENTS, ""), (STAGING, STAGING_AGENTS, "staging-")):
        for agent_type, count in fleet.items():
            template_hash = _hash(rng, 10)
            for n in range(1, count + 1):
                pod = f"{agent_type}-deployment-{template_hash}-{_hash(rng, 5)}"
                target = _pod_target(
                    seed.PF_AGENTS, namespace, pod, ip(), {"app": agent_type, "tier": "agents"}
                )
                out.append(
                    Instance(
                        "agent",
                        f"{prefix}{agent_type}-{n}",
                        target,
                        agent_type,
                        namespace,
                        pod,
                        base_rps=rng.uniform(4, 12),
                        base_error=0.0,
                        base_median=rng.uniform(0.6, 1.2),
                        phase=rng.uniform(0, 2 * math.pi),
                    )
                )
        template_hash = _hash(rng, 10)
        for n in range(1, (3 if namespace == PROD else 1) + 1):
            pod = f"{CORE_DEPLOYMENT}-{template_hash}-{_hash(rng, 5)}"
            target = _endpoint_target(seed.PF_CORE, namespace, CORE_DEPLOYMENT, ip(), pod)
            out.append(
                Instance(
                    "core",
                    f"{prefix}core-{n}",
                    target,
                    None,
                    namespace,
                    pod,
                    base_rps=rng.uniform(30, 50),
                    base_error=0.0,
                    base_median=rng.uniform(0.03, 0.06),
                    phase=rng.uniform(0, 2 * math.pi),
                )
            )
    out += [
        Instance(
            "postgres", "postgres-0", Target(seed.PF_POSTGRES, "postgres-exporter:9187"), namespace=PROD
        ),
        Instance(
            "redis",
            "redis-0",
            Target(
                seed.PF_REDIS,
                f"redis-exporter.{PROD}.svc:9121",
                {"__meta_kubernetes_namespace": PROD, "__meta_kubernetes_service_name": "redis-exporter"},
            ),
            namespace=PROD,
        ),
        Instance("mongodb", "mongodb-0", Target(seed.PF_MONGODB, "mongodb-exporter:9216"), namespace=PROD),
        Instance("kube-state", "kube-state-metrics", Target(seed.PF_KUBE_STATE, "kube-state-metrics:8080")),
        Instance(
            "fa-api",
            "fa-api",
            Target(seed.FA_API, "api:8000"),
            base_rps=rng.uniform(20, 30),
            base_median=rng.uniform(0.08, 0.14),
            phase=rng.uniform(0, 2 * math.pi),
        ),
        # Agent coordination inside the FreeAgentics API: its counters are exported by the API.
        Instance(
            "fa-coordination",
            "fa-coordination",
            None,
            base_rps=rng.uniform(3, 5),
            base_median=rng.uniform(0.15, 0.3),
            phase=rng.uniform(0, 2 * math.pi),
        ),
        Instance("fa-workers", "fa-workers", Target(seed.FA_WORKERS, "workers:8001")),
        Instance(
            "fa-node", "fa-node", Target(seed.FA_NODE, "localhost:9100"), phase=rng.uniform(0, 2 * math.pi)
        ),
    ]
    return out
