"""Choosing the step and window of range queries.

Prometheus rejects more than 11,000 points per series; a step finer than the
scrape interval only repeats samples; and unaligned windows make every refresh
evaluate at different instants (jittery sparklines, no query-frontend cache hits).
"""

from __future__ import annotations

import math

MAX_POINTS = 11_000


def choose_step(start: float, end: float, columns: int, scrape_interval: float = 15.0) -> float:
    """Seconds per point: about one point per column, never finer than the scrape interval,
    never more than 11,000 points."""
    span = max(end - start, 0.0)
    step = max(span / max(columns, 1), scrape_interval, span / MAX_POINTS, 1.0)
    return float(math.ceil(step))


def align(start: float, end: float, step: float) -> tuple[float, float]:
    """Snap ``start`` and ``end`` down to multiples of ``step``."""
    return math.floor(start / step) * step, math.floor(end / step) * step


def points(start: float, end: float, step: float) -> int:
    """How many evaluation instants a range query ``start..end`` by ``step`` has."""
    return math.floor((end - start) / step) + 1 if end >= start else 0


def rate_window(step: float, scrape_interval: float = 15.0) -> float:
    """Smallest safe ``rate()`` range for a range query: never fewer than four scrapes,
    and at least one step plus one scrape so no step falls between samples."""
    return max(4 * scrape_interval, step + scrape_interval)
