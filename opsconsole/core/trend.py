"""Sparklines and trend arrows for a short history of one number."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

BARS = "▁▂▃▄▅▆▇█"
Trend = Literal["up", "down", "flat", "none"]
ARROWS: dict[Trend, str] = {"up": "↑", "down": "↓", "flat": "→", "none": " "}


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def sparkline(values: Sequence[float | None], width: int = 12) -> str:
    """The last ``width`` points as block characters; a gap (no data) is a space.

    Bars are scaled from zero (or from the minimum when values go negative).
    """
    points = list(values)[-width:]
    finite = _finite(points)
    if not finite:
        return " " * len(points)
    # Scale from zero for non-negative data, so a 1% wobble does not look like a cliff.
    low, high = min(min(finite), 0.0), max(finite)
    span = high - low
    out = []
    for value in points:
        if value is None or not math.isfinite(value):
            out.append(" ")
        elif span == 0:
            out.append(BARS[0] if high == 0 else BARS[3])
        else:
            out.append(BARS[round((value - low) / span * (len(BARS) - 1))])
    return "".join(out)


def trend(values: Sequence[float | None], tolerance: float = 0.1) -> Trend:
    """Compare the latest point with the mean of the first half of the history.

    A change smaller than ``tolerance`` (relative) is flat, so noise does not flicker the arrow.
    """
    finite = _finite(values)
    if len(finite) < 2:
        return "none"
    head = finite[: max(1, len(finite) // 2)]
    baseline = sum(head) / len(head)
    latest = finite[-1]
    scale = max(abs(baseline), abs(latest), 1e-12)
    change = (latest - baseline) / scale
    if abs(change) < tolerance:
        return "flat"
    return "up" if change > 0 else "down"
