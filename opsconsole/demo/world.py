"""The demo's simulated world: every metric a deterministic function of (seed, time).

Nothing is stored. Request rates follow a smooth daily cycle; counters are the
closed-form integral of that rate since the process started (40 days before the
demo, so 30-day SLO windows have data), plus a numerically integrated
correction over the scenario's incident window. Histogram buckets integrate
``rate × CDF(le)`` of a log-normal latency, so ``rate()``, ``increase()`` and
``histogram_quantile()`` over any range agree with each other. Instances that
restart reset their counters, as real ones do, and a labelled counter appears with
its first increment, as prom-client's do (a healthy route has no 5xx series).

Who is in it: :mod:`opsconsole.demo.fleet`; what they export: :mod:`opsconsole.demo.pf_series`
(Progressive Framework v5) and :mod:`opsconsole.demo.fa_series` (FreeAgentics), named and
labelled as the seeds' monitoring docs describe (``tests/seed_facts.yaml``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache, partial

from opsconsole.demo.fleet import PROD, Instance, build_fleet
from opsconsole.demo.scenarios import CALM, Effect, Scenario, get_scenario, with_background
from opsconsole.demo.series import Series

NAMESPACE = PROD
SCRAPE_INTERVAL = 15.0
LATENCY_SIGMA = 0.6
DAY = 86400.0
PROCESS_AGE = 40 * DAY
INTEGRATION_STEPS = 600

__all__ = ["NAMESPACE", "SCRAPE_INTERVAL", "Instance", "InstanceState", "Series", "World"]


@dataclass(frozen=True)
class InstanceState:
    """What an instance is doing at one moment (used by logs, traces and alerts too)."""

    up: bool
    health: float
    rps: float
    error_ratio: float
    median_latency: float
    memory_bytes: float
    connections: float


def lognormal_cdf(x: float, median: float) -> float:
    """Share of requests at or under ``x`` seconds for a log-normal latency with ``median``."""
    if math.isinf(x):
        return 1.0
    if median <= 0:
        return 1.0
    return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (LATENCY_SIGMA * math.sqrt(2))))


def bucket(bound: float, scale: float = 1.0) -> str:
    """The cumulative quantity counting requests at or under ``bound`` (latency scaled by ``scale``)."""
    return f"le={bound / scale!r}"


@dataclass
class World:
    """The fleet and its scenario. ``clock`` is injectable so tests can freeze time."""

    seed: int = 7
    scenario_name: str = "npa-degradation"
    speed: float = 1.0
    started_at: float | None = None
    clock: Callable[[], float] = time.time
    _corrections: dict[tuple[str, str], list[float]] = field(default_factory=dict, init=False, repr=False)
    _steps: dict[str, list[tuple[float, Effect]]] = field(default_factory=dict, init=False, repr=False)

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
        self._first_at: Callable[[Instance, str, float], tuple[tuple[float, float], ...]] = lru_cache(
            maxsize=4096
        )(self._absent_until_first)
        # Rules and panes read overlapping windows on one grid: most (instance, quantity, t) recur.
        self.counter = lru_cache(maxsize=524_288)(self._counter)  # type: ignore[method-assign]

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
        """Both deployments' processes, with seeded baselines."""
        return build_fleet(self.seed)

    @cached_property
    def _by_id(self) -> dict[str, Instance]:
        return {inst.entity_id: inst for inst in self.instances}

    def instance(self, entity_id: str) -> Instance:
        """An instance by its internal id (``npa-2``, ``core-1``, ``fa-api``)."""
        return self._by_id[entity_id]

    def by_display(self, name: str) -> Instance:
        """An instance by the name the console shows (pod name, or instance address)."""
        for inst in self.instances:
            if inst.display == name:
                return inst
        raise KeyError(name)

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
            connections=max(0.0, 6 + 3 * math.sin(t / 53 + inst.phase) + eff.connections_extra),
        )

    def db_pressure(self, t: float) -> float:
        """0 calm .. 1 connections at the limit."""
        tau = self.tau(t)
        return 0.0 if tau is None else self.scenario.db_pressure(tau)

    # -- counters -----------------------------------------------------------------------------

    @staticmethod
    def _rate_factor(quantity: str, error: float, median: float, coordination_failure: float) -> float:
        """Requests per request of ``quantity``: all, failed, latency sum, failed coordinations, or
        at or under a bucket bound (``le=<bound>``)."""
        if quantity == "total":
            return 1.0
        if quantity == "errors":
            return error
        if quantity == "ok":
            return 1.0 - error
        if quantity == "sum":
            return median * math.exp(LATENCY_SIGMA**2 / 2)
        if quantity == "coordination_failures":
            return coordination_failure
        if quantity.startswith("le="):
            return lognormal_cdf(float(quantity[3:]), median)
        raise KeyError(quantity)

    def _calm_integral(self, inst: Instance, t: float) -> float:
        omega = 2 * math.pi / DAY
        return inst.base_rps * (t - 0.3 / omega * math.cos(omega * t + inst.phase))

    def _incident_table(self, inst: Instance, quantity: str) -> list[float]:
        """Cumulative integral of ``quantity`` over the incident window, step by step.

        The integral itself, not its difference from calm: every step adds a non-negative amount,
        so the counter can never step back (a float-noise decrease would read as a reset)."""
        key = (inst.entity_id, quantity)
        cached = self._corrections.get(key)
        if cached is not None:
            return cached
        dt = (self.end - self.start) / INTEGRATION_STEPS
        table = [0.0]
        for rps, eff in self._incident_steps(inst):
            actual = 0.0
            if not eff.down:
                actual = self._rate_factor(
                    quantity,
                    min(1.0, inst.base_error + eff.extra_error),
                    inst.base_median * eff.latency_scale,
                    eff.coordination_failure,
                )
            table.append(table[-1] + rps * max(actual, 0.0) * dt)
        self._corrections[key] = table
        return table

    def _incident_steps(self, inst: Instance) -> list[tuple[float, Effect]]:
        """(calm request rate, effect) at the middle of each integration step: shared by every
        quantity of ``inst`` (a histogram has a dozen)."""
        cached = self._steps.get(inst.entity_id)
        if cached is None:
            dt = (self.end - self.start) / INTEGRATION_STEPS
            cached = []
            for step in range(INTEGRATION_STEPS):
                t = self.start + (step + 0.5) * dt
                cached.append((inst.base_rps * self._diurnal(inst, t), self.effect(inst, t)))
            self._steps[inst.entity_id] = cached
        return cached

    def _calm(self, inst: Instance, quantity: str, t: float) -> float:
        factor = self._rate_factor(quantity, inst.base_error, inst.base_median, 0.0)
        return factor * (self._calm_integral(inst, t) - self._calm_integral(inst, self.start - PROCESS_AGE))

    def _cumulative_uncached(self, inst: Instance, quantity: str, t: float) -> float:
        if t <= self.start:
            return self._calm(inst, quantity, t)
        table = self._incident_table(inst, quantity)
        value = self._calm(inst, quantity, self.start)
        if t >= self.end:
            return value + table[-1] + (self._calm(inst, quantity, t) - self._calm(inst, quantity, self.end))
        dt = (self.end - self.start) / INTEGRATION_STEPS
        position = t - self.start
        i = min(int(position / dt), INTEGRATION_STEPS - 1)
        frac = min(max((position - i * dt) / dt, 0.0), 1.0)
        # Interpolated inside the table, kept between its two steps, and only then added to the
        # calm part: (calm + table[i]) + step rounded twice, and where a bucket's increments are
        # below the counter's precision (npa-2's le=0.1 as its latency climbs) one second could
        # read an ulp below the one before, which rate() reads as a reset of the whole count.
        within = min(max(table[i] + (table[i + 1] - table[i]) * frac, table[i]), table[i + 1])
        return value + within

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

    def up_series(self, labels: tuple[tuple[str, str], ...], inst: Instance) -> Series:
        """``up`` of a target: 1, 0 while the process is down, from the process' start on."""

        def value(t: float) -> float | None:
            if t < self.start - PROCESS_AGE:
                return None
            return 0.0 if self.effect(inst, t).down else 1.0

        def breaks() -> list[float]:
            return sorted(
                {edge for interval in self.absent_intervals(inst) for edge in interval if math.isfinite(edge)}
            )

        return Series(
            "up", labels, value, absent=lambda: [(-math.inf, self.start - PROCESS_AGE)], breaks=breaks
        )

    def counter(self, inst: Instance, quantity: str, t: float) -> float | None:
        """A counter of ``inst`` at ``t``: None while down or before the process started."""
        return self._counter(inst, quantity, t)

    def _counter(self, inst: Instance, quantity: str, t: float) -> float | None:
        if t < self.start - PROCESS_AGE or self.effect(inst, t).down:
            return None
        restarts = self.restarts_before(inst, t)
        value = self._cumulative(inst, quantity, t)
        if restarts:
            value -= self._cumulative(inst, quantity, restarts[-1])
        return max(value, 0.0)

    def _absent_until_first(
        self, inst: Instance, quantity: str, weight: float
    ) -> tuple[tuple[float, float], ...]:
        """Where a labelled counter of ``quantity`` x ``weight`` has no series: while the process is
        away, and in each life of the process until its first increment (prom-client creates a
        labelled series on its first ``inc``)."""
        away = self.absent_intervals(inst)
        lives = []
        for (_, born), (died, _) in zip(away, [*away[1:], (math.inf, math.inf)], strict=True):
            lives.append((born, died))
        out = list(away)
        horizon = self.end + DAY
        for born, died in lives:
            until = min(died, horizon)
            if until <= born:
                continue

            def since_birth(t: float, born: float = born) -> float:
                return (self._cumulative(inst, quantity, t) - self._cumulative(inst, quantity, born)) * weight

            if since_birth(until) < 1.0:
                out.append((born, died))
                continue
            lo, hi = born, until
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if since_birth(mid) < 1.0 else (lo, mid)
            out.append((born, hi))
        return tuple(sorted(out))

    def lazy_counter(
        self, inst: Instance, quantity: str, weight: float = 1.0
    ) -> tuple[Callable[[float], float | None], Callable[[], list[tuple[float, float]]]]:
        """A labelled counter that appears with its first increment: (value(t), absent intervals)."""

        def absent() -> list[tuple[float, float]]:
            return list(self._first_at(inst, quantity, weight))

        def value(t: float) -> float | None:
            if any(lo <= t < hi for lo, hi in self._first_at(inst, quantity, weight)):
                return None
            v = self.counter(inst, quantity, t)
            return None if v is None else v * weight

        return value, absent

    # -- the series ---------------------------------------------------------------------------

    @cached_property
    def _series(self) -> list[Series]:
        from opsconsole.demo.fa_series import freeagentics_series
        from opsconsole.demo.pf_series import progressive_framework_series

        out: list[Series] = []
        for inst in self.instances:
            absent = partial(self.absent_intervals, inst)
            made = [*progressive_framework_series(self, inst), *freeagentics_series(self, inst)]
            out.extend(series if series.absent else replace(series, absent=absent) for series in made)
        return out

    def series(self) -> list[Series]:
        """Every series the simulated Prometheus serves."""
        return self._series
