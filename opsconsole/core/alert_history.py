"""An alert's recent history from Prometheus' ``ALERTS`` series: since when, and how often it flapped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opsconsole.core.durations import format_duration


@dataclass(frozen=True)
class AlertHistory:
    """Firing spells of one alert inside a range."""

    first_firing: float | None
    firing_seconds: float
    spells: int
    range_seconds: float
    since_range_start: bool

    @property
    def flaps(self) -> int:
        """Times it started firing again after having stopped."""
        return max(0, self.spells - 1)

    def describe(self) -> str:
        """``firing 3 times in the last 1h (2 flaps), 22m in total, first at …``."""
        if self.spells == 0:
            return f"not firing in the last {format_duration(self.range_seconds)} (per ALERTS)"
        text = f"fired {self.spells}x in the last {format_duration(self.range_seconds)}"
        if self.flaps:
            text += f" ({self.flaps} flap{'s' if self.flaps > 1 else ''})"
        text += f", {format_duration(self.firing_seconds)} in total"
        if self.since_range_start:
            text += ", already firing when the range began"
        return text


def alert_history(points: Sequence[tuple[float, float]], step: float, range_seconds: float) -> AlertHistory:
    """Spells from a range query of ``ALERTS{alertstate="firing", …}`` sampled every ``step``.

    A gap longer than one step between samples ends a spell (the series is absent while the alert
    is not firing).
    """
    spells = 0
    firing = 0.0
    first = None
    previous = None
    for ts, value in points:
        if value <= 0:
            previous = None
            continue
        if previous is None or ts - previous > step * 1.5:
            spells += 1
        else:
            firing += ts - previous
        if first is None:
            first = ts
        previous = ts
    start = points[0][0] if points else None
    range_start = points[-1][0] - range_seconds if points else 0.0
    since_start = start is not None and first == start and start - range_start <= step * 1.5
    return AlertHistory(first, firing, spells, range_seconds, since_start)
