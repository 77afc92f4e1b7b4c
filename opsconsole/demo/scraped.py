"""Building blocks of the demo's standard exporters: a series with its own scrape interval, and
counters that are exact integrals of smooth rates (so ``rate()`` over any range agrees with them).

Nothing is stored: every value is a function of time, like the world's own series.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

DAY = 86400.0
# The standard exporters' processes started this long before the scenario (30-day windows work).
EXPORTER_AGE = 40 * DAY


@dataclass(frozen=True)
class ScrapedSeries:
    """A series as the simulated Prometheus reads it: name, labels, value at any time (None = no
    sample), and how often its job is scraped (None: the server's global interval)."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: Callable[[float], float | None]
    kind: str = "gauge"
    scrape_interval: float | None = None
    steady: bool = True  # a sample at every scrape (False: it comes and goes with its target)

    def gaps(self, start: float, end: float) -> list[tuple[float, float]] | None:
        """None missing for a steady series (a 30-day rate() reads its ends only); unknown otherwise."""
        return [] if self.steady else None

    @property
    def label_dict(self) -> dict[str, str]:
        """Labels including ``__name__``."""
        return {"__name__": self.name, **dict(self.labels)}


class SeriesSource(Protocol):
    """One family of standard exporters the simulated Prometheus scrapes beside the world."""

    def series(self) -> Sequence[ScrapedSeries]:
        """Every series it serves (built once; values are functions of time)."""
        ...


def labels(base: Mapping[str, str], **extra: str) -> tuple[tuple[str, str], ...]:
    """Sorted label pairs of ``base`` plus ``extra`` (empty values dropped, as Prometheus does)."""
    return tuple(sorted((k, v) for k, v in {**base, **extra}.items() if v != ""))


def diurnal(t: float, phase: float, depth: float = 0.3) -> float:
    """1 ± ``depth`` over a day."""
    return 1 + depth * math.sin(2 * math.pi * t / DAY + phase)


def diurnal_integral(t: float, born: float, base: float, phase: float, depth: float = 0.3) -> float:
    """∫ base × diurnal dt since ``born`` (closed form, so rate() over any range is exact)."""
    omega = 2 * math.pi / DAY

    def primitive(x: float) -> float:
        return base * (x - depth / omega * math.cos(omega * x + phase))

    return primitive(max(t, born)) - primitive(born)


@dataclass(frozen=True)
class LatencyMix:
    """Share of requests at or under each bucket bound: a log-normal with ``median`` seconds."""

    median: float
    sigma: float = 0.6

    def share(self, bound: float) -> float:
        """Fraction of requests that took at most ``bound`` seconds."""
        if math.isinf(bound):
            return 1.0
        if bound <= 0:
            return 0.0
        z = (math.log(bound) - math.log(self.median)) / (self.sigma * math.sqrt(2))
        return 0.5 * (1 + math.erf(z))

    @property
    def mean(self) -> float:
        """Mean latency (seconds), for ``_sum`` counters."""
        return self.median * math.exp(self.sigma**2 / 2)


def le_text(bound: float) -> str:
    """A bucket bound as client libraries write it (``0.005``, ``1``, ``+Inf``)."""
    return "+Inf" if math.isinf(bound) else f"{bound:g}"
