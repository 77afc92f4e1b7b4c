"""Pack variables: ``$name`` / ``${name}`` (like Grafana); ``$$`` is a literal dollar.

A ``$`` not followed by a name is left alone, so regex anchors such as
``=~".*-prod$"`` need no escaping.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from opsconsole.core.durations import prometheus_duration

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class UnknownVariable(KeyError):
    """A template used a variable nobody defined."""

    def __init__(self, name: str, known: set[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        known = ", ".join(f"${k}" for k in sorted(self.known)) or "none"
        close = difflib.get_close_matches(self.name, sorted(self.known), n=1, cutoff=0.6)
        meant = f": did you mean ${close[0]}?" if close else ""
        return f"unknown variable ${self.name}{meant} (defined: {known})"


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


def rate_window(scrape_interval: float, refresh_interval: float) -> str:
    """The range for ``rate()``: at least four scrapes, and one refresh plus one scrape."""
    return prometheus_duration(max(4 * scrape_interval, refresh_interval + scrape_interval))


def builtin_values(
    scrape_interval: float = 15.0, refresh_interval: float = 5.0, time_range: str = "1h"
) -> dict[str, str]:
    """Variables every pack can use without defining them."""
    return {
        "rate_window": rate_window(scrape_interval, refresh_interval),
        "refresh_interval": prometheus_duration(refresh_interval),
        "scrape_interval": prometheus_duration(scrape_interval),
        "range": time_range,
    }
