"""The demo's Kubernetes cluster as kube-state-metrics v2, the kubelet's cAdvisor and
node-exporter expose it, for the ``kubernetes`` pack.

Names and labels are the exporters' own: kube-state-metrics' ``kube_pod_*`` and
``kube_node_status_condition`` (``namespace``, ``pod``, ``container``, ``condition``, ``reason``;
scraped with ``honor_labels``), cAdvisor's ``container_*`` (one series per container plus the pod's
own cgroup without a ``container`` label), node-exporter's ``node_cpu_seconds_total{cpu, mode}``,
``node_memory_*_bytes`` and ``node_filesystem_*_bytes{device, fstype, mountpoint}``. Scrape jobs and
intervals follow seed 000 (``kube-state-metrics`` and ``kubernetes-cadvisor`` every 30s);
node-exporter runs at the global 15s.

The world's agents, core API and databases are pods of its namespace: a world instance that is
down is a container in CrashLoopBackOff (not ready, no cAdvisor series), and one that came back has
restarted with reason ``Error``. The platform namespaces (kube-system, monitoring) run quietly, and
redis-0 was OOM-killed 20 minutes before the incident, so the OOM signal has something to show for
an hour.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opsconsole.demo.scraped import EXPORTER_AGE, ScrapedSeries, diurnal, diurnal_integral, labels
from opsconsole.demo.world import World

KSM_INTERVAL = 30.0
CADVISOR_INTERVAL = 30.0
KSM = {"job": "kube-state-metrics", "instance": "kube-state-metrics:8080"}
NODES = ("worker-1", "worker-2", "worker-3")
NODE_CPUS = 4
NODE_MEMORY = 16 * 2**30
OOM_POD = "redis-0"  # OOM-killed a while before the incident (Redis at its memory limit)
OOM_BEFORE_START = 1200.0  # seconds before the scenario starts
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
CONDITIONS = ("true", "false", "unknown")


@dataclass(frozen=True)
class Pod:
    """One pod with one container."""

    namespace: str
    name: str
    container: str
    node: str
    cpu_cores: float
    memory_bytes: float
    world_instance: Any = None  # the world's Instance behind it, if any
    oom_at: float | None = None

    @property
    def uid(self) -> str:
        """A stable pod uid."""
        digest = hashlib.sha256(f"{self.namespace}/{self.name}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _condition(ready: Callable[[float], float], condition: str) -> Callable[[float], float]:
    """kube_pod_status_ready's value for ``condition`` (true/false/unknown), from readiness."""

    def value(t: float) -> float:
        return {"true": ready(t), "false": 1.0 - ready(t)}.get(condition, 0.0)

    return value


def _node_of(index: int) -> str:
    return NODES[index % len(NODES)]


def world_pods(world: World) -> list[Pod]:
    """The world's Kubernetes processes as pods of their namespaces (the one place that reads the
    world): the agents and core API under their pod names, the staging copy in its own namespace,
    the database exporters' pods. FreeAgentics runs outside the cluster (seed 002) and has none."""
    out = []
    for index, inst in enumerate(w for w in world.instances if w.namespace):
        name = inst.pod or inst.entity_id
        container = inst.agent_type or inst.kind
        cores = 0.35 + 0.05 * (index % 5)
        memory = 380e6 + 25e6 * (index % 7)
        oom = world.start - OOM_BEFORE_START if name == OOM_POD else None
        out.append(Pod(inst.namespace, name, container, _node_of(index), cores, memory, inst, oom))
    return out


def platform_pods() -> list[Pod]:
    """What every cluster runs besides the application."""
    pods = [
        Pod("kube-system", "coredns-5d78c9869d-7xk2p", "coredns", NODES[0], 0.02, 22e6),
        Pod("kube-system", "coredns-5d78c9869d-q8r4m", "coredns", NODES[1], 0.02, 21e6),
        Pod("monitoring", "prometheus-0", "prometheus", NODES[2], 0.6, 2.1e9),
        Pod("monitoring", "alertmanager-0", "alertmanager", NODES[0], 0.01, 40e6),
        Pod("monitoring", "loki-0", "loki", NODES[1], 0.3, 900e6),
        Pod("monitoring", "kube-state-metrics-6f8c9d7b5-l9w2x", "kube-state-metrics", NODES[2], 0.03, 60e6),
    ]
    for index, node in enumerate(NODES):
        pods.append(Pod("kube-system", f"kube-proxy-{node}", "kube-proxy", node, 0.01, 30e6))
        pods.append(
            Pod(
                "monitoring", f"node-exporter-{index + 1:d}x{index + 7:d}k", "node-exporter", node, 0.01, 18e6
            )
        )
    return pods


def _pod_key(series: Any) -> tuple[str, str | None, str | None]:
    labels = dict(series.labels)
    return series.name, labels.get("namespace"), labels.get("pod")


class KubernetesCluster:
    """kube-state-metrics, cAdvisor and node-exporter series of the demo cluster."""

    def __init__(self, world: World, existing: Sequence[Any] = ()) -> None:
        self.world = world
        self.pods = [*world_pods(world), *platform_pods()]
        # Series the world already serves under the same name and pod (e.g. a restart counter the
        # progressive-framework pack reads) are left to the world: one series, never two. Only pod
        # series can clash: a node's series (FreeAgentics' host has node-exporter too) never do.
        self._taken = {_pod_key(s) for s in existing if dict(s.labels).get("pod")}
        self.born = world.start - EXPORTER_AGE

    # -- the world's view of a pod ------------------------------------------------------------

    def _down(self, pod: Pod, t: float) -> bool:
        if pod.world_instance is None:
            return False
        return bool(self.world.effect(pod.world_instance, t).down)

    def _restarts(self, pod: Pod, t: float) -> list[tuple[float, str]]:
        """(when, reason) of each restart before ``t``."""
        out: list[tuple[float, str]] = []
        if pod.oom_at is not None and pod.oom_at <= t:
            out.append((pod.oom_at, "OOMKilled"))
        if pod.world_instance is not None:
            out += [(back, "Error") for back in self.world.restarts_before(pod.world_instance, t)]
        return sorted(out)

    # -- series -------------------------------------------------------------------------------

    def series(self) -> list[ScrapedSeries]:
        """Every series of the three exporters."""
        out: list[ScrapedSeries] = []
        for pod in self.pods:
            out += self._ksm_pod(pod)
            out += self._cadvisor_pod(pod)
        for index, node in enumerate(NODES):
            out += self._ksm_node(node)
            out += self._node_exporter(index, node)
        out += [
            self._up(KSM, KSM_INTERVAL),
            *(self._up(self._cadvisor_target(node), CADVISOR_INTERVAL) for node in NODES),
            *(self._up(self._node_target(i), None) for i in range(len(NODES))),
        ]
        return [s for s in out if _pod_key(s) not in self._taken]

    @staticmethod
    def _up(target: dict[str, str], interval: float | None) -> ScrapedSeries:
        return ScrapedSeries("up", labels(target), lambda t: 1.0, scrape_interval=interval)

    def _ksm(
        self, name: str, pod: Pod, value: Callable[[float], float | None], kind: str = "gauge", **extra: str
    ) -> ScrapedSeries:
        base = {**KSM, "namespace": pod.namespace, "pod": pod.name}
        # Reasons come and go; every other kube-state-metrics series is there at every scrape.
        steady = not name.endswith("_reason")
        return ScrapedSeries(name, labels(base, **extra), value, kind, KSM_INTERVAL, steady)

    def _ksm_pod(self, pod: Pod) -> list[ScrapedSeries]:
        ready = lambda t: 0.0 if self._down(pod, t) else 1.0  # noqa: E731
        owner = pod.name.rsplit("-", 2)[0] if pod.name.count("-") >= 2 else pod.name
        out = [
            self._ksm(
                "kube_pod_info",
                pod,
                lambda t: 1.0,
                node=pod.node,
                uid=pod.uid,
                host_ip=f"10.0.1.{11 + NODES.index(pod.node)}",
                pod_ip=f"10.244.{NODES.index(pod.node)}.{int(pod.uid[:2], 16)}",
                created_by_kind="ReplicaSet" if owner != pod.name else "StatefulSet",
                created_by_name=owner,
                priority_class="",
                host_network="false",
            ),
        ]
        out += [
            self._ksm(
                "kube_pod_status_phase",
                pod,
                (lambda p: lambda t: 1.0 if p == "Running" else 0.0)(phase),
                phase=phase,
            )
            for phase in PHASES
        ]
        out += [
            self._ksm(
                "kube_pod_status_ready",
                pod,
                _condition(ready, condition),
                condition=condition,
            )
            for condition in CONDITIONS
        ]
        container = {"container": pod.container}
        out += [
            self._ksm("kube_pod_container_status_ready", pod, ready, **container),
            self._ksm("kube_pod_container_status_running", pod, ready, **container),
            self._ksm(
                "kube_pod_container_status_restarts_total",
                pod,
                lambda t: float(len(self._restarts(pod, t))),
                "counter",
                **container,
            ),
            self._ksm(
                "kube_pod_container_status_waiting_reason",
                pod,
                lambda t: 1.0 if self._down(pod, t) else None,
                reason="CrashLoopBackOff",
                **container,
            ),
        ]
        for reason in ("OOMKilled", "Error"):
            out.append(
                self._ksm(
                    "kube_pod_container_status_last_terminated_reason",
                    pod,
                    (
                        lambda r: (
                            lambda t: 1.0 if (last := self._restarts(pod, t)) and last[-1][1] == r else None
                        )
                    )(reason),
                    reason=reason,
                    **container,
                )
            )
        for resource, unit, amount in (
            ("cpu", "core", pod.cpu_cores * 2),
            ("memory", "byte", pod.memory_bytes * 2),
        ):
            out.append(
                self._ksm(
                    "kube_pod_container_resource_limits",
                    pod,
                    (lambda a: lambda t: a)(amount),
                    node=pod.node,
                    resource=resource,
                    unit=unit,
                    **container,
                )
            )
        return out

    def _ksm_node(self, node: str) -> list[ScrapedSeries]:
        out = []
        for condition in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"):
            healthy = "true" if condition == "Ready" else "false"
            for status in CONDITIONS:
                value = 1.0 if status == healthy else 0.0
                out.append(
                    ScrapedSeries(
                        "kube_node_status_condition",
                        labels(KSM, node=node, condition=condition, status=status),
                        (lambda v: lambda t: v)(value),
                        scrape_interval=KSM_INTERVAL,
                    )
                )
        return out

    @staticmethod
    def _cadvisor_target(node: str) -> dict[str, str]:
        # Seed 000's kubernetes-cadvisor job: node SD with the node's labels mapped on.
        return {
            "job": "kubernetes-cadvisor",
            "instance": node,
            "kubernetes_io_hostname": node,
            "kubernetes_io_os": "linux",
        }

    def _cadvisor_pod(self, pod: Pod) -> list[ScrapedSeries]:
        target = self._cadvisor_target(pod.node)
        phase = (int(pod.uid[:4], 16) % 628) / 100
        cgroup = f"/kubepods/burstable/pod{pod.uid}"
        image = f"registry.example/{pod.container}:5.0.0"
        cid = hashlib.sha256(pod.uid.encode()).hexdigest()

        def running(fn: Callable[[float], float]) -> Callable[[float], float | None]:
            return lambda t: None if self._down(pod, t) else fn(t)

        def cpu(t: float) -> float:
            return diurnal_integral(t, self.born, pod.cpu_cores, phase, 0.25)

        def memory(t: float) -> float:
            return pod.memory_bytes * (1 + 0.05 * math.sin(t / 300 + phase)) * diurnal(t, phase, 0.1)

        container = {"container": pod.container, "image": image, "name": cid[:12], "id": f"{cgroup}/{cid}"}
        pod_cgroup = {"id": cgroup}  # the pod's own cgroup: no container, image or name
        base = {**target, "namespace": pod.namespace, "pod": pod.name}
        out = []
        steady = pod.world_instance is None
        for extra, wrap, always in ((container, running, steady), (pod_cgroup, lambda fn: fn, True)):
            out.append(
                ScrapedSeries(
                    "container_cpu_usage_seconds_total",
                    labels(base, **extra),
                    wrap(cpu),
                    "counter",
                    CADVISOR_INTERVAL,
                    always,
                )
            )
            out.append(
                ScrapedSeries(
                    "container_memory_working_set_bytes",
                    labels(base, **extra),
                    wrap(memory),
                    scrape_interval=CADVISOR_INTERVAL,
                    steady=always,
                )
            )
        return out

    @staticmethod
    def _node_target(index: int) -> dict[str, str]:
        return {"job": "node-exporter", "instance": f"10.0.1.{11 + index}:9100"}

    def _node_exporter(self, index: int, node: str) -> list[ScrapedSeries]:
        target = self._node_target(index)
        phase = index * 2.1
        busy = {"user": 0.22, "system": 0.08, "iowait": 0.02}
        out = []
        for cpu in range(NODE_CPUS):
            for mode, share in busy.items():
                out.append(
                    ScrapedSeries(
                        "node_cpu_seconds_total",
                        labels(target, cpu=str(cpu), mode=mode),
                        (lambda s: lambda t: diurnal_integral(t, self.born, s, phase))(share),
                        "counter",
                    )
                )

            def idle(t: float) -> float:
                # Idle is what the busy modes leave of each wall-clock second.
                used = sum(diurnal_integral(t, self.born, b, phase) for b in busy.values())
                return max(t, self.born) - self.born - used

            out.append(
                ScrapedSeries(
                    "node_cpu_seconds_total", labels(target, cpu=str(cpu), mode="idle"), idle, "counter"
                )
            )
        available = lambda t: NODE_MEMORY * (0.55 - 0.1 * math.sin(t / 900 + phase))  # noqa: E731
        out += [
            ScrapedSeries("node_memory_MemTotal_bytes", labels(target), lambda t: float(NODE_MEMORY)),
            ScrapedSeries("node_memory_MemAvailable_bytes", labels(target), available),
        ]
        filesystems = (
            ("/dev/nvme0n1p1", "ext4", "/", 100 * 2**30, 0.42 + 0.1 * index),
            ("tmpfs", "tmpfs", "/run", 3 * 2**30, 0.01),
            ("overlay", "overlay", "/var/lib/containerd/overlay", 100 * 2**30, 0.42 + 0.1 * index),
        )
        for device, fstype, mountpoint, size, used in filesystems:
            fs = labels(target, device=device, fstype=fstype, mountpoint=mountpoint)
            out += [
                ScrapedSeries("node_filesystem_size_bytes", fs, (lambda v: lambda t: float(v))(size)),
                ScrapedSeries(
                    "node_filesystem_avail_bytes",
                    fs,
                    (lambda v, u: lambda t: v * (1 - u - 0.01 * math.sin(t / 3600)))(size, used),
                ),
            ]
        return out
