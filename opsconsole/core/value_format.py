"""Numbers as an on-call engineer reads them: units scaled, no false precision."""

from __future__ import annotations

import math

from opsconsole.core.durations import format_duration

_BYTES = ("B", "KiB", "MiB", "GiB", "TiB")


def _bytes(value: float) -> str:
    size = abs(value)
    for unit in _BYTES:
        if size < 1024 or unit == _BYTES[-1]:
            text = f"{size:.0f}" if unit == "B" else f"{size:.1f}"
            return f"{'-' if value < 0 else ''}{text} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _seconds(value: float) -> str:
    if value < 0:  # a skew or a deadline passed: scaled like the positive one, not as µs
        return f"-{_seconds(-value)}"
    if value < 1e-3:
        return f"{value * 1e6:.0f}µs"
    if value < 1:
        return f"{value * 1e3:.0f}ms"
    if value < 60:
        return f"{value:.2f}s"
    return format_duration(value)


def _plain(value: float) -> str:
    if value == 0:
        return "0"
    size = abs(value)
    if round(size / 1e3, 1) >= 1000:  # from 999,950 on: 999,999 reads 1.0M, not 1000.0k
        return f"{value / 1e6:.1f}M"
    if size >= 1e4:
        return f"{value / 1e3:.1f}k"
    if size >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    if size >= 1:  # one decimal; a value that rounds to a whole number reads as one ("1", not "1.0")
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3g}"


def format_value(value: float | None, unit: str = "") -> str:
    """``value`` in ``unit`` (``bytes``, ``ratio``, ``s``, ``req/s``…); ``—`` for no data."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if unit == "bytes":
        return _bytes(value)
    if unit in ("ratio", "percent"):
        share = value * 100 if unit == "ratio" else value
        if share == 0:
            return "0%"
        return f"{share:.2f}%" if abs(share) < 10 else f"{share:.1f}%"
    if unit == "s":
        return _seconds(value)
    if unit == "req/s":
        return f"{_plain(value)}/s"
    text = _plain(value)
    return f"{text} {unit}" if unit and unit not in ("", "none") else text


def format_micros(us: float) -> str:
    """A span duration: ``850µs``, ``12.4ms``, ``3.21s``, ``2m05s``."""
    if us < 1000:
        return f"{us:.0f}µs"
    if us < 1_000_000:
        return f"{us / 1000:.1f}ms"
    if us < 60_000_000:
        return f"{us / 1_000_000:.2f}s"
    minutes, seconds = divmod(int(us // 1_000_000), 60)
    return f"{minutes}m{seconds:02d}s"
