"""Scripted incidents for the demo world.

A scenario maps *scenario time* ``tau`` (seconds since the demo started,
multiplied by ``--speed``) to how each instance deviates from calm. Before the
demo started, and after the scenario ends, the world is calm. The thresholds the
incidents cross are the seeds' own alert rules (``alert_rules.py``).

``npa-degradation`` (default, ~10 minutes at speed 1):
  0-45 s calm; 45-120 s npa-2's latency climbs to 15x (p95 well over the 10 s of
  AgentHighLatency) and 15% of its requests fail with 5xx, its health gauge drops
  to 0; from 30 s the MCA pods retry against it and fail coordinations
  (AgentCoordinationFailure);
  150-420 s npa-3 is down (scrapes fail, it restarts at 420 s: counters reset,
  restart counter +1); 330-480 s npa-2 recovers; calm after 480 s. Meanwhile
  FreeAgentics' API returns 5xx (APIHighErrorRate) and its agent coordination
  fails (AgentCoordinationFailures) from 30 s to about 420 s.

``db-connection-exhaustion`` (~9 minutes at speed 1):
  0-60 s calm; 60-240 s PostgreSQL connections climb from ~40 to the limit of
  100; 180-420 s the core API's 5xx ratio rises to 8% and latency 4x, agents
  calling it see errors too; mca-2 fails its liveness probe (down 180-360 s) and
  core-2 crashes (down 220-340 s), so SystemDown fires and, by 000's inhibit
  rules, mutes AgentUnresponsive; recovery by 540 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Effect:
    """How one instance deviates from calm at one moment."""

    down: bool = False
    extra_error: float = 0.0
    latency_scale: float = 1.0
    health: float = 1.0
    memory_extra: float = 0.0
    connections_extra: float = 0.0
    coordination_failure: float = 0.0  # share of coordinations that fail (MCA, FreeAgentics)


CALM = Effect()


def _ramp(tau: float, start: float, end: float) -> float:
    """0 before ``start``, 1 after ``end``, linear between."""
    if tau <= start:
        return 0.0
    if tau >= end:
        return 1.0
    return (tau - start) / (end - start)


def _bump(tau: float, rise: tuple[float, float], fall: tuple[float, float]) -> float:
    """Rises over ``rise``, holds, falls over ``fall``."""
    return _ramp(tau, *rise) * (1.0 - _ramp(tau, *fall))


@dataclass(frozen=True)
class Scenario:
    """A named incident timeline."""

    name: str
    description: str
    duration: float
    effect: Callable[[str, float], Effect]
    down_intervals: Callable[[str], list[tuple[float, float]]]
    db_pressure: Callable[[float], float]


def _npa_effect(agent_id: str, tau: float) -> Effect:
    if agent_id == "npa-2":
        level = _bump(tau, (45, 120), (330, 480))
        return Effect(
            extra_error=0.15 * level,
            latency_scale=1 + 14 * level,
            health=0.0 if level > 0.6 else 1.0,
            memory_extra=300e6 * level,
            connections_extra=40 * level,
        )
    if agent_id == "npa-3" and 150 <= tau < 420:
        return Effect(down=True, health=0.0)
    if agent_id.startswith("mca-"):
        # The coordinator retries against the slow NPA: slower, some 5xx, failed coordinations.
        level = _bump(tau, (30, 90), (330, 480))
        return Effect(
            extra_error=0.02 * level, latency_scale=1 + 0.8 * level, coordination_failure=0.3 * level
        )
    if agent_id == "fa-api":
        level = _bump(tau, (30, 90), (360, 480))
        return Effect(extra_error=0.06 * level, latency_scale=1 + 2 * level)
    if agent_id == "fa-coordination":
        level = _bump(tau, (30, 90), (360, 480))
        return Effect(coordination_failure=0.1 * level, latency_scale=1 + 3 * level)
    return CALM


def _npa_down(agent_id: str) -> list[tuple[float, float]]:
    return [(150.0, 420.0)] if agent_id == "npa-3" else []


def _db_effect(agent_id: str, tau: float) -> Effect:
    if any(a <= tau < b for a, b in _db_down(agent_id)):
        return Effect(down=True, health=0.0)
    level = _bump(tau, (180, 300), (420, 540))
    if agent_id.startswith("core-"):
        return Effect(extra_error=0.08 * level, latency_scale=1 + 3 * level, health=1.0 - 0.5 * level)
    if agent_id.startswith(("npa-", "wpa-", "bma-")):
        return Effect(extra_error=0.03 * level, latency_scale=1 + level)
    return CALM


def _db_down(agent_id: str) -> list[tuple[float, float]]:
    """The cascade: a core pod crashes while its connection pool is exhausted, and an MCA pod
    fails its liveness probe waiting on the core (000's SystemDown then mutes AgentUnresponsive)."""
    return {"core-2": [(220.0, 340.0)], "mca-2": [(180.0, 360.0)]}.get(agent_id, [])


def with_background(agent_id: str, effect: Effect) -> Effect:
    """Add the fleet's standing noise, at every time: wpa-2 leaked memory long before the demo began.

    Real fleets always have some ticket-level warning open; it keeps the alerts pane honest from
    the first second and gives the incident something to stand out against.
    """
    if agent_id == "wpa-2":
        return replace(effect, memory_extra=effect.memory_extra + 720e6)
    return effect


SCENARIOS: dict[str, Scenario] = {
    "npa-degradation": Scenario(
        "npa-degradation",
        "npa-2 slows down and fails, npa-3 goes down and restarts, then recovery",
        600.0,
        _npa_effect,
        _npa_down,
        lambda tau: 0.0,
    ),
    "db-connection-exhaustion": Scenario(
        "db-connection-exhaustion",
        "PostgreSQL connections hit the limit; the core API and agents start failing",
        600.0,
        _db_effect,
        _db_down,
        lambda tau: _bump(tau, (60, 240), (420, 540)),
    ),
}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; ``KeyError`` lists the known ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r} (known: {', '.join(sorted(SCENARIOS))})") from None
