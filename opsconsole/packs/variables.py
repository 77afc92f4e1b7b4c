"""Pack variables: ``$name`` / ``${name}`` (like Grafana); ``$$`` is a literal dollar.

A ``$`` not followed by a name is left alone, so regex anchors such as
``=~".*-prod$"`` need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class UnknownVariable(KeyError):
    """A template used a variable nobody defined."""

    def __init__(self, name: str, known: set[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        known = ", ".join(f"${k}" for k in sorted(self.known)) or "none"
        return f"unknown variable ${self.name} (defined: {known})"


def variables_in(text: str) -> set[str]:
    """Names of the variables ``text`` uses."""
    return {m.group(1) or m.group(2) for m in _VARIABLE.finditer(text) if m.group() != "$$"}


def expand(text: str, values: Mapping[str, str]) -> str:
    """Replace every variable; raise :class:`UnknownVariable` for an undefined one."""

    def replace(match: re.Match[str]) -> str:
        if match.group() == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        if name not in values:
            raise UnknownVariable(name, set(values))
        return values[name]

    return _VARIABLE.sub(replace, text)


def format_duration(seconds: float) -> str:
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


def rate_window(scrape_interval: float, refresh_interval: float) -> str:
    """The range for ``rate()``: at least four scrapes, and one refresh plus one scrape."""
    return format_duration(max(4 * scrape_interval, refresh_interval + scrape_interval))


def builtin_values(
    scrape_interval: float = 15.0, refresh_interval: float = 5.0, time_range: str = "1h"
) -> dict[str, str]:
    """Variables every pack can use without defining them."""
    return {
        "rate_window": rate_window(scrape_interval, refresh_interval),
        "refresh_interval": format_duration(refresh_interval),
        "scrape_interval": format_duration(scrape_interval),
        "range": time_range,
    }
