"""The y axis of a drill-down chart: from zero, in round steps, so flat data looks flat.

Scaled to the data's own minimum and maximum, a rate moving from 17.8111 to 17.8315 req/s fills
the chart top to bottom and reads as a cliff. Rates, counts, error shares, latencies and sizes are
never negative, so the axis starts at zero (or below, for data that does go negative) and ends at
the first round step above the maximum: the drop shows at its true size, and the ticks at both ends
say the range.
"""

from __future__ import annotations

import math
import re
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
        """Each tick as the axis shows it: one unit for the whole axis, the largest that keeps the
        labels short (``1G``, not ``1000M``; ``250``, not ``0.25k``), as many decimals as the step has
        in it; beyond any unit (or below a readable decimal) in scientific notation."""
        biggest = max(abs(t) for t in self.ticks)
        # The steps are even, but for a vast span's two ends (-1, 0, 1.5e308): the widest one counts.
        step = max(abs(b - a) for a, b in zip(self.ticks, self.ticks[1:], strict=False))
        # Largest unit first, so that of two equally wide sets of labels the larger unit's is kept
        # (``10.0k`` and ``10000``); a unit the top tick does not reach would read ``0.8G`` for 800M.
        candidates = [
            labels
            for scale, suffix in _UNITS
            if scale == 1.0 or biggest >= scale
            if (labels := _in_unit(self.ticks, step, scale, suffix)) is not None
        ]
        best = min(candidates, key=_width) if candidates else None
        if best is None or _width(best) > _SHORT:
            scientific = _scientific(self.ticks, step)
            if best is None or _width(scientific) < _width(best):
                best = scientific
        return best


# SI prefixes for counts and rates; none below one (a latency's "m" would read as minutes).
_UNITS = ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))
# Labels wider than this are tried in scientific notation (0.0000025 → 2.5e-6, 1e24 → 1.0e24).
_SHORT = 6


def _width(labels: tuple[str, ...]) -> int:
    return max(len(label) for label in labels)


def _in_unit(ticks: tuple[float, ...], step: float, scale: float, suffix: str) -> tuple[str, ...] | None:
    """The ticks in ``scale`` units with the step's decimals, or None when the step needs more than
    twelve of them (a value far below one: scientific notation says it shorter)."""
    scaled = step / scale
    decimals = next((d for d in range(13) if abs(round(scaled, d) - scaled) <= scaled * 1e-9), None)
    if decimals is None:
        return None
    return tuple(_label(tick / scale, decimals) + (suffix if tick else "") for tick in ticks)


def _label(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def _scientific(ticks: tuple[float, ...], step: float) -> tuple[str, ...]:
    """The ticks as ``2.5e-11``, with the fewest mantissa decimals that keep each within a thousandth
    of a step of its tick (a round step's ticks exactly; seventeen significant digits always do)."""
    digits = next(
        d for d in range(17) if all(abs(float(f"{t:.{d}e}") - t) <= step * 1e-3 for t in ticks) or d == 16
    )
    return tuple(_EXPONENT.sub(r"e\1\2", f"{t:.{digits}e}") if t else "0" for t in ticks)


# Python writes 2.5e-07 and 1.0e+24; the axis has no room for the plus and the padding zero.
_EXPONENT = re.compile(r"e\+?(-?)0*(\d)")


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
    ends = Axis(low, high, tuple(sorted({low, 0.0, high})))
    if math.isinf(raw):  # a span beyond the largest float: its two ends, no steps between
        return ends
    step = _round_step(raw)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    ticks = tuple(float(f"{(first + i) * step:.12g}") for i in range(last - first + 1))
    if math.isinf(ticks[0]) or math.isinf(ticks[-1]):  # the round step past the data overflows
        return ends
    return Axis(ticks[0], ticks[-1], ticks)
