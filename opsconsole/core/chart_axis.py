"""The y axis of a drill-down chart: from zero, in round steps, so flat data looks flat.

Scaled to the data's own minimum and maximum, a rate moving from 17.8111 to 17.8315 req/s fills
the chart top to bottom and reads as a cliff. Rates, counts, error shares, latencies and sizes are
never negative, so the axis starts at zero (or below, for data that does go negative) and ends at
the first round step above the maximum: the drop shows at its true size, and the ticks at both ends
say the range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# Steps are 1, 2, 2.5 or 5 times a power of ten; about four of them span the data.
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_TICKS = 4


@dataclass(frozen=True)
class Axis:
    """A y range and its labelled ticks (both ends included)."""

    low: float
    high: float
    ticks: tuple[float, ...]

    def labels(self) -> tuple[str, ...]:
        """Each tick as the axis shows it: as many decimals as the step has, thousands as k, M, G."""
        biggest = max(abs(t) for t in self.ticks)
        scale, suffix = next(((f, s) for f, s in _SUFFIXES if biggest >= f * 10), (1.0, ""))
        step = (self.ticks[1] - self.ticks[0]) / scale
        decimals = next(d for d in range(13) if abs(round(step, d) - step) <= step * 1e-9)
        return tuple(_label(tick / scale, decimals) + (suffix if tick else "") for tick in self.ticks)


_SUFFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def _label(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def _round_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 (times a power of ten) not below ``raw``."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in _STEPS if m * power >= raw * (1 - 1e-9))


def y_axis(values: Iterable[float]) -> Axis:
    """The axis for ``values``: zero always inside it, ends on round steps, ticks at every step."""
    finite = [v for v in values if math.isfinite(v)]
    low = min(0.0, *finite) if finite else 0.0
    high = max(0.0, *finite) if finite else 0.0
    if high == low:  # all zero (or no data): a unit range, so the flat line sits at the bottom
        high = low + 1.0
    raw = (high - low) / _TICKS
    if raw == 0.0:  # a span too small for a float to divide (subnormal values): a unit range
        high, raw = low + 1.0, 1.0 / _TICKS
    if math.isinf(raw):  # a span beyond the largest float: its two ends, no steps between
        return Axis(low, high, (low, 0.0, high) if low < 0.0 else (0.0, high))
    step = _round_step(raw)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    ticks = tuple(float(f"{(first + i) * step:.12g}") for i in range(last - first + 1))
    return Axis(ticks[0], ticks[-1], ticks)
