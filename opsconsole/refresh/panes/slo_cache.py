"""What the SLO pane keeps between refreshes: long windows' ratios, where each SLI's data begins,
and the SLOs and recording rules discovered in Prometheus (each with its own time to live)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from opsconsole.refresh.slo_plans import SloPlan

SLOW_WINDOW = 86400.0  # SLO windows this long or longer are re-queried at most every TTL seconds
SLOW_WINDOW_TTL = 60.0
COVERAGE_TTL = 600.0  # where an SLI's data begins moves only with retention
DISCOVERY_TTL = 300.0  # Sloth/Pyrra SLOs and recording rules change with deployments, not refreshes


@dataclass
class SloCache:
    """The SLO pane's memory; every entry carries the instant it was asked."""

    slow_ratios: dict[tuple[str, str], tuple[float, float | None]] = field(default_factory=dict)
    # What is wrong with a kept ratio outside 0 to 1, said as long as it is kept.
    slow_impossible: dict[tuple[str, str], str] = field(default_factory=dict)
    coverage: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    found_plans: list[SloPlan] = field(default_factory=list)
    discovered_at: float = -math.inf
    recorded: dict[str, str] = field(default_factory=dict)  # recording rules a query can reuse

    def slow_ratio(self, key: tuple[str, str], now: float) -> tuple[bool, float | None]:
        """``(fresh, ratio)`` of a day-long window's ratio asked less than a TTL ago."""
        cached = self.slow_ratios.get(key)
        if cached is not None and now - cached[0] < SLOW_WINDOW_TTL:
            return True, cached[1]
        return False, None

    def discovery_due(self, now: float) -> bool:
        """Whether Sloth/Pyrra SLOs and recording rules are to be looked for again."""
        return now - self.discovered_at >= DISCOVERY_TTL
