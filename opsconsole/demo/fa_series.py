"""What a FreeAgentics deployment exports, as its runbook describes it (002 §API Metrics,
§Infrastructure Metrics): the API's ``freeagentics_*`` metrics (prometheus_client, default
buckets), its agent coordination counters, and the host's node exporter. The workers job is
scraped but the runbook names none of its metrics, so it only has ``up``.

``freeagentics_agent_coordination_time_seconds`` and ``freeagentics_active_agents_total`` are only
named in the runbook's dashboards; here they are a histogram with the default buckets and a gauge,
as their use there implies.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from opsconsole.demo.fleet import Instance
from opsconsole.demo.pf_series import le_text
from opsconsole.demo.scrape import sample_labels
from opsconsole.demo.series import Series

if TYPE_CHECKING:
    from opsconsole.demo.world import World

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, math.inf)
ENDPOINTS = (
    ("GET", "/api/v1/agents", 0.35),
    ("POST", "/api/v1/agents", 0.1),
    ("POST", "/api/v1/coalitions", 0.15),
    ("POST", "/api/v1/inference", 0.25),
    ("GET", "/health", 0.15),
)
CPUS = 4
MEMORY_TOTAL = 16 * 2**30
DISK_SIZE = 200 * 2**30


def freeagentics_series(world: World, inst: Instance) -> list[Series]:
    """The series Prometheus stores for ``inst`` (nothing for instances of other systems)."""
    if not inst.kind.startswith("fa-") or inst.kind == "fa-coordination":
        return []
    target = inst.target_labels

    def labels(**own: str) -> tuple[tuple[str, str], ...]:
        return sample_labels(target, own)

    def counter(source: Instance, quantity: str, weight: float = 1.0) -> Callable[[float], float | None]:
        def value(t: float) -> float | None:
            v = world.counter(source, quantity, t)
            return None if v is None else v * weight

        return value

    out = [world.up_series(labels(), inst)]
    if inst.kind == "fa-api":
        for method, endpoint, weight in ENDPOINTS:
            own = {"method": method, "endpoint": endpoint}
            value, absent = world.lazy_counter(inst, "errors", weight)
            out += [
                Series(
                    "freeagentics_requests_total",
                    labels(**own, status="200"),
                    counter(inst, "ok", weight),
                    "counter",
                ),
                Series("freeagentics_requests_total", labels(**own, status="500"), value, "counter", absent),
                Series(
                    "freeagentics_request_duration_seconds_count",
                    labels(**own),
                    counter(inst, "total", weight),
                    "counter",
                ),
                Series(
                    "freeagentics_request_duration_seconds_sum",
                    labels(**own),
                    counter(inst, "sum", weight),
                    "counter",
                ),
                *(
                    Series(
                        "freeagentics_request_duration_seconds_bucket",
                        labels(**own, le=le_text(b)),
                        counter(inst, f"le={b!r}", weight),
                        "counter",
                    )
                    for b in DEFAULT_BUCKETS
                ),
            ]
        coordination = world.instance("fa-coordination")
        failures, failures_absent = world.lazy_counter(coordination, "coordination_failures")

        def successes(t: float) -> float | None:
            total, failed = (
                world.counter(coordination, "total", t),
                world.counter(coordination, "coordination_failures", t),
            )
            return None if total is None or failed is None else total - failed

        out += [
            Series(
                "freeagentics_active_connections",
                labels(),
                lambda t: float(round(40 + 12 * math.sin(t / 180))),
            ),
            Series("freeagentics_agent_coordination_success_total", labels(), successes, "counter"),
            Series(
                "freeagentics_agent_coordination_failures_total",
                labels(),
                failures,
                "counter",
                failures_absent,
            ),
            Series(
                "freeagentics_agent_coordination_time_seconds_count",
                labels(),
                counter(coordination, "total"),
                "counter",
            ),
            Series(
                "freeagentics_agent_coordination_time_seconds_sum",
                labels(),
                counter(coordination, "sum"),
                "counter",
            ),
            *(
                Series(
                    "freeagentics_agent_coordination_time_seconds_bucket",
                    labels(le=le_text(b)),
                    counter(coordination, f"le={b!r}"),
                    "counter",
                )
                for b in DEFAULT_BUCKETS
            ),
            Series(
                "freeagentics_active_agents_total",
                labels(),
                lambda t: float(round(24 + 4 * math.sin(t / 600))),
            ),
        ]
    elif inst.kind == "fa-node":
        out += _node_series(inst, labels)
    return out


def _node_series(inst: Instance, labels: Callable[..., tuple[tuple[str, str], ...]]) -> list[Series]:
    """node_exporter's CPU, memory and root filesystem; CPU counters are closed-form integrals."""
    omega = 2 * math.pi / 3600

    def busy_seconds(cpu: int, t: float) -> float:
        # busy share 0.3 + 0.08 sin(omega t + phase): its integral from the epoch
        phase = inst.phase + cpu
        return 0.3 * t - 0.08 / omega * (math.cos(omega * t + phase) - math.cos(phase))

    def seconds_in(cpu: int, mode: str) -> Callable[[float], float]:
        # Counted from a boot near 2020-09 so the counters stay positive and plausible.
        share = {"user": 0.7, "system": 0.3}.get(mode)
        if share is None:
            return lambda t: (t - busy_seconds(cpu, t)) - 1.6e9 * 0.7
        return lambda t: busy_seconds(cpu, t) * share - 1.6e9 * 0.3 * share

    out = [
        Series("node_cpu_seconds_total", labels(cpu=str(cpu), mode=mode), seconds_in(cpu, mode), "counter")
        for cpu in range(CPUS)
        for mode in ("user", "system", "idle")
    ]
    fs = {"device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"}
    out += [
        Series("node_memory_MemTotal_bytes", labels(), lambda t: float(MEMORY_TOTAL)),
        Series(
            "node_memory_MemAvailable_bytes",
            labels(),
            lambda t: MEMORY_TOTAL * (0.42 + 0.05 * math.sin(t / 900 + inst.phase)),
        ),
        Series("node_filesystem_size_bytes", labels(**fs), lambda t: float(DISK_SIZE)),
        Series("node_filesystem_free_bytes", labels(**fs), lambda t: DISK_SIZE * (0.38 - 1e-9 * (t % 86400))),
    ]
    return out
