"""A simulated time series: a name, labels, and its value as a function of time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """A time series: metric name, labels, and its value at any time (None = no sample)."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: Callable[[float], float | None]
    kind: str = "gauge"
    absent: Callable[[], list[tuple[float, float]]] | None = None
    # Where the value may change, for series that are constant in between (``up``): long
    # ``*_over_time`` ranges are then counted stretch by stretch instead of read point by point.
    breaks: Callable[[], list[float]] | None = None

    def gaps(self, start: float, end: float) -> list[tuple[float, float]] | None:
        """Intervals overlapping ``[start, end]`` with no samples (None when not known)."""
        if self.absent is None:
            return None
        return [(lo, hi) for lo, hi in self.absent() if hi >= start and lo <= end]

    @property
    def label_dict(self) -> dict[str, str]:
        """Labels including ``__name__``."""
        return {"__name__": self.name, **dict(self.labels)}
