"""What a Progressive Framework v5 deployment exports, per process, as its docs describe it.

- Agents (``progressive-agents`` pods): 000 §Custom Metrics (``src/middleware/metrics.js``):
  ``progressive_agent_requests_total{agent_type, method, status}`` with HTTP codes,
  ``progressive_agent_response_time_seconds`` (le 0.1 .. 60), ``progressive_agent_errors_total``,
  ``progressive_agent_memory_usage_bytes{agent_type, agent_id}``; the MCA's coordination histogram
  and sync events, the NPA's and WPA's plan counters; and 001 §Custom Agent Metrics' per-type
  gauges ``<type>_health_status{agent_id, version}`` and ``<type>_active_connections{agent_id}``.
  Every sample's ``agent_type`` clashes with the target's (relabelled from the pod's ``app``) and
  is kept as ``exported_agent_type``, as Prometheus does.
- Core API: ``progressive_http_requests_total{method, route, status_code}``,
  ``progressive_http_request_duration_seconds`` (le 0.01 .. 10), active users, DB connections.
- Exporters, with the names the seeds' alert rules read: postgres_exporter, redis_exporter,
  mongodb_exporter (``up`` only: no seed names its metrics) and kube-state-metrics' restarts.

Agent ids (``agent_id``) are the pod names, as a Node process's hostname is in Kubernetes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from opsconsole.demo.fleet import Instance
from opsconsole.demo.scrape import sample_labels
from opsconsole.demo.series import Series

if TYPE_CHECKING:
    from opsconsole.demo.world import World

AGENT_BUCKETS = (
    0.1,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    30.0,
    60.0,
    math.inf,
)  # 000 progressive_agent_response_time_seconds
COORDINATION_BUCKETS = (
    0.1,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    math.inf,
)  # 000 progressive_agent_coordination_time_seconds
HTTP_BUCKETS = (
    0.01,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    math.inf,
)  # 000 progressive_http_request_duration_seconds
ROUTES = (("POST", "/api/plans", 0.3), ("GET", "/api/users/:id", 0.5), ("GET", "/api/health", 0.2))
COORDINATION_SHARE = 0.5  # of the MCA's requests that coordinate other agents
COORDINATION_SCALE = 0.35  # coordination latency against the MCA's request latency
COORDINATION_TARGETS = (("npa", 0.5), ("wpa", 0.3), ("bma", 0.2))
DATABASES = (("postgresql", "progressive", 18), ("redis", "cache", 8), ("mongodb", "analytics", 5))
VERSION = "5.0.0"


def le_text(bound: float) -> str:
    """``le`` as prom-client writes it: ``0.5``, ``10``, ``+Inf``."""
    return "+Inf" if math.isinf(bound) else f"{bound:g}"


def progressive_framework_series(world: World, inst: Instance) -> list[Series]:
    """The series Prometheus stores for ``inst`` (nothing for instances of other systems)."""
    if inst.kind not in ("agent", "core", "postgres", "redis", "mongodb", "kube-state"):
        return []
    target = inst.target_labels

    def labels(**own: str) -> tuple[tuple[str, str], ...]:
        return sample_labels(target, own)

    def down(t: float) -> bool:
        return world.effect(inst, t).down

    def when_up(fn: Callable[[float], float]) -> Callable[[float], float | None]:
        return lambda t: None if down(t) else fn(t)

    def counter(quantity: str, weight: float = 1.0) -> Callable[[float], float | None]:
        def value(t: float) -> float | None:
            v = world.counter(inst, quantity, t)
            return None if v is None else v * weight

        return value

    def lazy(name: str, own: dict[str, str], quantity: str, weight: float = 1.0) -> Series:
        value, absent = world.lazy_counter(inst, quantity, weight)
        return Series(name, labels(**own), value, "counter", absent)

    out = [world.up_series(labels(), inst)]
    if inst.kind == "agent":
        out += _agent_series(world, inst, labels, when_up, counter, lazy)
    elif inst.kind == "core":
        out += _core_series(world, inst, labels, when_up, counter, lazy)
    elif inst.kind == "postgres":

        def connections(share: float) -> Callable[[float], float]:
            return lambda t: round((38 + 4 * math.sin(t / 300) + 62 * world.db_pressure(t)) * share)

        out += [
            Series("pg_up", labels(), lambda t: 1.0),
            Series("pg_stat_activity_count", labels(datname="progressive", state="active"), connections(0.6)),
            Series("pg_stat_activity_count", labels(datname="progressive", state="idle"), connections(0.4)),
            Series("pg_settings_max_connections", labels(), lambda t: 100.0),
        ]
    elif inst.kind == "redis":
        out += [
            Series("redis_up", labels(), lambda t: 1.0),
            Series("redis_memory_used_bytes", labels(), lambda t: 512e6 + 20e6 * math.sin(t / 500)),
            Series("redis_config_maxmemory", labels(), lambda t: 2147483648.0),
        ]
    elif inst.kind == "kube-state":
        for pod in world.instances:
            if pod.kind not in ("agent", "core") or not pod.pod:
                continue
            restarts = Series(
                "kube_pod_container_status_restarts_total",
                labels(
                    namespace=pod.namespace,
                    pod=pod.pod,
                    container=pod.agent_type or "progressive-framework-v5",
                ),
                partial(_restarts, world, pod),
                "counter",
            )
            out.append(restarts)
    return out


def _restarts(world: World, pod: Instance, t: float) -> float:
    return float(len(world.restarts_before(pod, t)))


def _agent_series(world: World, inst: Instance, labels, when_up, counter, lazy) -> list[Series]:  # type: ignore[no-untyped-def]
    kind = inst.agent_type or ""
    eid = inst.entity_id
    me = {"agent_type": kind}
    out = [
        Series(
            "progressive_agent_requests_total",
            labels(**me, method="POST", status="200"),
            counter("ok"),
            "counter",
        ),
        lazy("progressive_agent_requests_total", {**me, "method": "POST", "status": "500"}, "errors"),
        lazy("progressive_agent_errors_total", {**me, "error_type": "timeout"}, "errors"),
        Series(
            "progressive_agent_response_time_seconds_count",
            labels(**me, method="POST"),
            counter("total"),
            "counter",
        ),
        Series(
            "progressive_agent_response_time_seconds_sum",
            labels(**me, method="POST"),
            counter("sum"),
            "counter",
        ),
        *(
            Series(
                "progressive_agent_response_time_seconds_bucket",
                labels(**me, method="POST", le=le_text(b)),
                counter(f"le={b!r}"),
                "counter",
            )
            for b in AGENT_BUCKETS
        ),
        Series(
            "progressive_agent_memory_usage_bytes",
            labels(**me, agent_id=inst.pod),
            when_up(lambda t: world.state(eid, t).memory_bytes),
        ),
        # 001's per-type gauges: health 1 or 0, connections.
        Series(
            f"{kind}_health_status",
            labels(agent_id=inst.pod, version=VERSION),
            when_up(lambda t: 1.0 if world.state(eid, t).health >= 0.5 else 0.0),
        ),
        Series(
            f"{kind}_active_connections",
            labels(agent_id=inst.pod),
            when_up(lambda t: float(round(world.state(eid, t).connections))),
        ),
    ]
    if kind == "mca":
        for target_agent, share in COORDINATION_TARGETS:
            weight = COORDINATION_SHARE * share
            own = {"source_agent": "mca", "target_agent": target_agent}
            out += [
                Series(
                    "progressive_agent_coordination_time_seconds_count",
                    labels(**own),
                    counter("total", weight),
                    "counter",
                ),
                Series(
                    "progressive_agent_coordination_time_seconds_sum",
                    labels(**own),
                    counter("sum", weight * COORDINATION_SCALE),
                    "counter",
                ),
                *(
                    Series(
                        "progressive_agent_coordination_time_seconds_bucket",
                        labels(**own, le=le_text(b)),
                        counter(f"le={b / COORDINATION_SCALE!r}", weight),
                        "counter",
                    )
                    for b in COORDINATION_BUCKETS
                ),
            ]
        out += [
            lazy(
                "progressive_agent_errors_total",
                {**me, "error_type": "coordination_failure"},
                "coordination_failures",
                COORDINATION_SHARE,
            ),
            Series(
                "progressive_agent_sync_events_total",
                labels(event_type="plan_sync", agents_involved="npa,wpa"),
                counter("ok", 0.2),
                "counter",
            ),
        ]
    elif kind == "npa":
        out += [
            Series(
                "progressive_nutrition_plans_generated_total",
                labels(plan_type=plan_type, success="true"),
                counter("ok", 0.25),
                "counter",
            )
            for plan_type in ("daily", "weekly")
        ]
        out.append(
            lazy(
                "progressive_nutrition_plans_generated_total",
                {"plan_type": "daily", "success": "false"},
                "errors",
                0.5,
            )
        )
    elif kind == "wpa":
        out.append(
            Series(
                "progressive_workout_plans_generated_total",
                labels(workout_type="strength", difficulty="intermediate", success="true"),
                counter("ok", 0.4),
                "counter",
            )
        )
    return out


def _core_series(world: World, inst: Instance, labels, when_up, counter, lazy) -> list[Series]:  # type: ignore[no-untyped-def]
    out: list[Series] = []
    for method, route, weight in ROUTES:
        out += [
            Series(
                "progressive_http_requests_total",
                labels(method=method, route=route, status_code="200"),
                counter("ok", weight),
                "counter",
            ),
            lazy(
                "progressive_http_requests_total",
                {"method": method, "route": route, "status_code": "500"},
                "errors",
                weight,
            ),
            Series(
                "progressive_http_request_duration_seconds_count",
                labels(method=method, route=route),
                counter("total", weight),
                "counter",
            ),
            Series(
                "progressive_http_request_duration_seconds_sum",
                labels(method=method, route=route),
                counter("sum", weight),
                "counter",
            ),
            *(
                Series(
                    "progressive_http_request_duration_seconds_bucket",
                    labels(method=method, route=route, le=le_text(b)),
                    counter(f"le={b!r}", weight),
                    "counter",
                )
                for b in HTTP_BUCKETS
            ),
        ]
    eid = inst.entity_id
    out.append(
        Series(
            "progressive_active_users_total",
            labels(environment="production"),
            when_up(lambda t: float(round(world.state(eid, t).rps * 12))),
        )
    )
    for database_type, database_name, pool in DATABASES:
        out.append(
            Series(
                "progressive_database_connections_active",
                labels(database_type=database_type, database_name=database_name),
                when_up(
                    lambda t, pool=pool, database_type=database_type: float(
                        round(
                            pool
                            * (0.6 + 0.1 * math.sin(t / 211))
                            * (1 + (world.db_pressure(t) if database_type == "postgresql" else 0))
                        )
                    )
                ),
            )
        )
    return out
