"""Durations in one place: Prometheus-style text parsed (``1h30m``, ``30d``) and written back
exactly (``prometheus_duration``, for queries), and the short age a screen shows (``format_duration``:
``45s``, ``12m``, ``3h20m``, ``2d4h``, rounded down)."""

from __future__ import annotations

import re


def format_duration(seconds: float) -> str:
    """A short age: ``45s``, ``12m``, ``3h20m``, ``2d4h``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h" if hours else f"{days}d"


def prometheus_duration(seconds: float) -> str:
    """A Prometheus duration: ``90s`` → ``1m30s``, ``3600`` → ``1h``, ``86400`` → ``1d``."""
    remaining = max(round(seconds), 1)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if remaining >= size:
            count, remaining = divmod(remaining, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus-style duration (``1h30m``, ``30d``, ``250ms``, ``2w``)."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    pieces = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", text.strip())
    if not pieces or "".join(n + u for n, u in pieces) != text.strip():
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30s, 5m, 1h30m, 30d)")
    return sum(float(n) * units[u] for n, u in pieces)
