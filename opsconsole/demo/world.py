"""The demo's simulated fleet: every metric a deterministic function of (seed, time).

Nothing is stored. Request rates follow a smooth daily cycle; counters are the
closed-form integral of that rate since the process started (40 days before the
demo, so 30-day SLO windows have data), plus a numerically integrated
correction over the scenario's incident window. Histogram buckets integrate
``rate × CDF(le)`` of a log-normal latency, so ``rate()``, ``increase()`` and
``histogram_quantile()`` over any range agree with each other. Instances that
restart reset their counters, as real ones do.

Names and labels follow ``docs/progressive-framework-metrics.md``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache, partial

from opsconsole.demo.scenarios import CALM, Effect, Scenario, get_scenario, with_background

NAMESPACE = "progressive-framework-prod"
SCRAPE_INTERVAL = 15.0
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
LATENCY_SIGMA = 0.6
DAY = 86400.0
PROCESS_AGE = 40 * DAY
INTEGRATION_STEPS = 600
ROUTES = (("POST", "/api/plans", 0.3), ("GET", "/api/users/:id", 0.5), ("GET", "/api/health", 0.2))
AGENTS = {"mca": 2, "npa": 3, "wpa": 2, "bma": 2}
QUANTITIES = ("total", "errors", "sum", *(f"b{i}" for i in range(len(BUCKETS))))


@dataclass(frozen=True)
class Instance:
    """One scraped process of the fleet with its seeded baseline."""

    kind: str  # agent | core | postgres | redis
    job: str
    instance: str
    entity_id: str
    agent_type: str | None
    base_rps: float
    base_error: float
    base_median: float
    phase: float

    def labels(self) -> dict[str, str]:
        """Labels every series of this instance carries."""
        out = {"job": self.job, "instance": self.instance, "namespace": NAMESPACE}
        if self.agent_type:
            out |= {"agent_type": self.agent_type, "agent_id": self.entity_id}
        return out


@dataclass(frozen=True)
class InstanceState:
    """What an instance is doing at one moment (used by logs, traces and alerts too)."""

    up: bool
    health: float
    rps: float
    error_ratio: float
    median_latency: float
    memory_bytes: float
    queue_depth: float


@dataclass(frozen=True)
class Series:
    """A time series: metric name, labels, and its value at any time (None = no sample)."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: Callable[[float], float | None]
    kind: str = "gauge"
    absent: Callable[[], list[tuple[float, float]]] | None = None

    def gaps(self, start: float, end: float) -> list[tuple[float, float]] | None:
        """Intervals overlapping ``[start, end]`` with no samples (None when not known)."""
        if self.absent is None:
            return None
        return [(lo, hi) for lo, hi in self.absent() if hi >= start and lo <= end]

    @property
    def label_dict(self) -> dict[str, str]:
        """Labels including ``__name__``."""
        return {"__name__": self.name, **dict(self.labels)}


def _lognormal_cdf(x: float, median: float) -> float:
    if math.isinf(x):
        return 1.0
    return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (LATENCY_SIGMA * math.sqrt(2))))


@dataclass
class World:
    """The fleet and its scenario. ``clock`` is injectable so tests can freeze time."""

    seed: int = 7
    scenario_name: str = "npa-degradation"
    speed: float = 1.0
    started_at: float | None = None
    clock: Callable[[], float] = time.time
    _corrections: dict[str, list[list[float]]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        self.scenario: Scenario = get_scenario(self.scenario_name)
        if self.started_at is None:
            self.started_at = self.clock()
        # Queries sample on a fixed scrape grid, so the same (instance, quantity, t) recurs constantly.
        self._cumulative: Callable[[Instance, str, float], float] = lru_cache(maxsize=262_144)(
            self._cumulative_uncached
        )

    # -- time ---------------------------------------------------------------------------------

    def now(self) -> float:
        """Current (possibly frozen) time, unix seconds."""
        return self.clock()

    @property
    def start(self) -> float:
        """When the scenario started (unix seconds)."""
        assert self.started_at is not None
        return self.started_at

    @property
    def end(self) -> float:
        """When the scenario is over (unix seconds)."""
        return self.start + self.scenario.duration / self.speed

    def tau(self, t: float) -> float | None:
        """Scenario time at ``t``, or None outside the scenario (calm)."""
        if t < self.start or t > self.end:
            return None
        return (t - self.start) * self.speed

    def phase(self, t: float) -> str:
        """A human name for where the scenario is at ``t``."""
        tau = self.tau(t)
        if tau is None:
            return "calm" if t < self.start else "recovered"
        return f"{self.scenario.name} +{tau:.0f}s"

    # -- fleet --------------------------------------------------------------------------------

    @cached_property
    def instances(self) -> list[Instance]:
        """Agents, core API, PostgreSQL and Redis exporters, with seeded baselines."""
        rng = random.Random(self.seed)
        out = []
        for agent_type, count in AGENTS.items():
            for n in range(1, count + 1):
                out.append(
                    Instance(
                        "agent",
                        "progressive-agents",
                        f"{agent_type}-{n}:9102",
                        f"{agent_type}-{n}",
                        agent_type,
                        base_rps=rng.uniform(4, 12),
                        base_error=rng.uniform(0.0005, 0.002),
                        base_median=rng.uniform(0.04, 0.12),
                        phase=rng.uniform(0, 2 * math.pi),
                    )
                )
        for n in range(1, 4):
            out.append(
                Instance(
                    "core",
                    "progressive-framework-v5",
                    f"core-{n}:3000",
                    f"core-{n}",
                    None,
                    base_rps=rng.uniform(30, 50),
                    base_error=rng.uniform(0.0002, 0.0006),
                    base_median=rng.uniform(0.03, 0.06),
                    phase=rng.uniform(0, 2 * math.pi),
                )
            )
        out.append(Instance("postgres", "postgres", "postgres-0:9187", "postgres-0", None, 0, 0, 0.01, 0))
        out.append(Instance("redis", "redis", "redis-0:9121", "redis-0", None, 0, 0, 0.001, 0))
        return out

    def instance(self, entity_id: str) -> Instance:
        """An instance by id (``npa-2``, ``core-1``)."""
        for inst in self.instances:
            if inst.entity_id == entity_id:
                return inst
        raise KeyError(entity_id)

    def effect(self, inst: Instance, t: float) -> Effect:
        """The scenario's deviation for ``inst`` at ``t``."""
        tau = self.tau(t)
        effect = CALM if tau is None else self.scenario.effect(inst.entity_id, tau)
        return with_background(inst.entity_id, effect)

    def _diurnal(self, inst: Instance, t: float) -> float:
        return 1 + 0.3 * math.sin(2 * math.pi * t / DAY + inst.phase)

    def state(self, entity_id: str, t: float) -> InstanceState:
        """What ``entity_id`` is doing at ``t``."""
        inst = self.instance(entity_id)
        eff = self.effect(inst, t)
        rps = 0.0 if eff.down else inst.base_rps * self._diurnal(inst, t)
        wobble = 0.04 * math.sin(t / 97 + inst.phase)
        return InstanceState(
            up=not eff.down,
            health=eff.health,
            rps=rps,
            error_ratio=min(1.0, inst.base_error + eff.extra_error),
            median_latency=inst.base_median * eff.latency_scale,
            memory_bytes=(420e6 + 80e6 * inst.phase / (2 * math.pi)) * (1 + wobble) + eff.memory_extra,
            queue_depth=max(0.0, 4 + 3 * math.sin(t / 53 + inst.phase) + eff.queue_extra),
        )

    def db_pressure(self, t: float) -> float:
        """0 calm .. 1 connections at the limit."""
        tau = self.tau(t)
        return 0.0 if tau is None else self.scenario.db_pressure(tau)

    # -- counters -----------------------------------------------------------------------------

    def _rate_factor(self, inst: Instance, quantity: str, error: float, median: float) -> float:
        if quantity == "total":
            return 1.0
        if quantity == "errors":
            return error
        if quantity == "sum":
            return median * math.exp(LATENCY_SIGMA**2 / 2)
        return _lognormal_cdf(BUCKETS[int(quantity[1:])], median)

    def _calm_integral(self, inst: Instance, t: float) -> float:
        omega = 2 * math.pi / DAY
        return inst.base_rps * (t - 0.3 / omega * math.cos(omega * t + inst.phase))

    def _correction_table(self, inst: Instance) -> list[list[float]]:
        """Cumulative (actual - calm) integral over the incident window, per quantity."""
        cached = self._corrections.get(inst.entity_id)
        if cached is not None:
            return cached
        dt = (self.end - self.start) / INTEGRATION_STEPS
        tables = [[0.0] for _ in QUANTITIES]
        for step in range(INTEGRATION_STEPS):
            t = self.start + (step + 0.5) * dt
            eff = self.effect(inst, t)
            base_rps = inst.base_rps * self._diurnal(inst, t)
            for index, quantity in enumerate(QUANTITIES):
                calm = self._rate_factor(inst, quantity, inst.base_error, inst.base_median)
                actual = 0.0
                if not eff.down:
                    actual = self._rate_factor(
                        inst,
                        quantity,
                        min(1.0, inst.base_error + eff.extra_error),
                        inst.base_median * eff.latency_scale,
                    )
                tables[index].append(tables[index][-1] + base_rps * (actual - calm) * dt)
        self._corrections[inst.entity_id] = tables
        return tables

    def _cumulative_uncached(self, inst: Instance, quantity: str, t: float) -> float:
        index = QUANTITIES.index(quantity)
        calm_factor = self._rate_factor(inst, quantity, inst.base_error, inst.base_median)
        value = calm_factor * (
            self._calm_integral(inst, t) - self._calm_integral(inst, self.start - PROCESS_AGE)
        )
        if t > self.start:
            table = self._correction_table(inst)[index]
            position = min(t, self.end) - self.start
            dt = (self.end - self.start) / INTEGRATION_STEPS
            i = min(int(position / dt), INTEGRATION_STEPS - 1)
            frac = (position - i * dt) / dt
            value += table[i] + (table[i + 1] - table[i]) * frac
        return value

    def restarts_before(self, inst: Instance, t: float) -> list[float]:
        """Times (unix s) at which ``inst`` came back from being down, before ``t``."""
        out = []
        for _, end_tau in self.scenario.down_intervals(inst.entity_id):
            back = self.start + end_tau / self.speed
            if back <= t:
                out.append(back)
        return out

    def absent_intervals(self, inst: Instance) -> list[tuple[float, float]]:
        """When ``inst`` has no samples: before its process started, and while it is down."""
        out = [(-math.inf, self.start - PROCESS_AGE)]
        out += [
            (self.start + a / self.speed, self.start + b / self.speed)
            for a, b in self.scenario.down_intervals(inst.entity_id)
        ]
        return out

    def counter(self, inst: Instance, quantity: str, t: float) -> float | None:
        """A request counter of ``inst`` at ``t``: None while down or before the process started."""
        if t < self.start - PROCESS_AGE or self.effect(inst, t).down:
            return None
        restarts = self.restarts_before(inst, t)
        value = self._cumulative(inst, quantity, t)
        if restarts:
            value -= self._cumulative(inst, quantity, restarts[-1])
        return max(value, 0.0)

    # -- the series ---------------------------------------------------------------------------

    @cached_property
    def _series(self) -> list[Series]:
        out: list[Series] = []
        for inst in self.instances:
            absent = partial(self.absent_intervals, inst)
            out.extend(replace(series, absent=absent) for series in self._instance_series(inst))
        return out

    def series(self) -> list[Series]:
        """Every series the simulated Prometheus serves."""
        return self._series

    def _instance_series(self, inst: Instance) -> list[Series]:
        base = inst.labels()

        def labels(**extra: str) -> tuple[tuple[str, str], ...]:
            return tuple(sorted({**base, **extra}.items()))

        def up(t: float) -> float:
            return 0.0 if self.effect(inst, t).down else 1.0

        out = [Series("up", labels(), up)]

        def when_up(fn: Callable[[float], float]) -> Callable[[float], float | None]:
            return lambda t: None if self.effect(inst, t).down else fn(t)

        def counter(
            quantity: str, weight: float = 1.0, status_share: str | None = None
        ) -> Callable[[float], float | None]:
            def value(t: float) -> float | None:
                if status_share is None:
                    v = self.counter(inst, quantity, t)
                    return None if v is None else v * weight
                total = self.counter(inst, "total", t)
                errors = self.counter(inst, "errors", t)
                if total is None or errors is None:
                    return None
                return (errors if status_share == "error" else total - errors) * weight

            return value

        if inst.kind == "agent":
            eid = inst.entity_id
            out += [
                Series("agent_health_status", labels(), when_up(lambda t: self.state(eid, t).health)),
                Series(
                    "progressive_agent_memory_usage_bytes",
                    labels(),
                    when_up(lambda t: self.state(eid, t).memory_bytes),
                ),
                Series(
                    "progressive_agent_queue_depth",
                    labels(),
                    when_up(lambda t: self.state(eid, t).queue_depth),
                ),
                Series(
                    "progressive_agent_requests_total",
                    labels(status="success"),
                    counter("total", 1, "success"),
                    "counter",
                ),
                Series(
                    "progressive_agent_requests_total",
                    labels(status="error"),
                    counter("total", 1, "error"),
                    "counter",
                ),
                Series(
                    "progressive_agent_errors_total",
                    labels(error_type="timeout"),
                    counter("errors", 0.7),
                    "counter",
                ),
                Series(
                    "progressive_agent_errors_total",
                    labels(error_type="upstream"),
                    counter("errors", 0.3),
                    "counter",
                ),
                Series(
                    "progressive_agent_response_time_seconds_count", labels(), counter("total"), "counter"
                ),
                Series("progressive_agent_response_time_seconds_sum", labels(), counter("sum"), "counter"),
            ]
            out += [
                Series(
                    "progressive_agent_response_time_seconds_bucket",
                    labels(le=_le(b)),
                    counter(f"b{i}"),
                    "counter",
                )
                for i, b in enumerate(BUCKETS)
            ]
            restarts = Series(
                "kube_pod_container_status_restarts_total",
                tuple(
                    sorted(
                        {
                            "job": "kube-state-metrics",
                            "instance": "kube-state-metrics:8080",
                            "namespace": NAMESPACE,
                            "pod": eid,
                            "container": inst.agent_type or "",
                        }.items()
                    )
                ),
                lambda t: float(len(self.restarts_before(inst, t))),
                "counter",
            )
            out.append(restarts)
        elif inst.kind == "core":
            for method, route, weight in ROUTES:
                out += [
                    Series(
                        "progressive_http_requests_total",
                        labels(method=method, route=route, status_code="200"),
                        counter("total", weight, "success"),
                        "counter",
                    ),
                    Series(
                        "progressive_http_requests_total",
                        labels(method=method, route=route, status_code="500"),
                        counter("total", weight, "error"),
                        "counter",
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
                ]
                out += [
                    Series(
                        "progressive_http_request_duration_seconds_bucket",
                        labels(method=method, route=route, le=_le(b)),
                        counter(f"b{i}", weight),
                        "counter",
                    )
                    for i, b in enumerate(BUCKETS)
                ]
        elif inst.kind == "postgres":

            def connections(share: float) -> Callable[[float], float]:
                return lambda t: round((38 + 4 * math.sin(t / 300) + 62 * self.db_pressure(t)) * share)

            out += [
                Series(
                    "pg_stat_activity_count", labels(datname="progressive", state="active"), connections(0.6)
                ),
                Series(
                    "pg_stat_activity_count", labels(datname="progressive", state="idle"), connections(0.4)
                ),
                Series("pg_settings_max_connections", labels(), lambda t: 100.0),
            ]
        elif inst.kind == "redis":
            out += [
                Series("redis_connected_clients", labels(), lambda t: 120 + 10 * math.sin(t / 200)),
                Series("redis_memory_used_bytes", labels(), lambda t: 512e6 + 20e6 * math.sin(t / 500)),
            ]
        return out


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else f"{bound:g}"
