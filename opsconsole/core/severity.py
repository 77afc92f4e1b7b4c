"""The one severity table: how an alert's ``severity`` label is coloured, ordered and counted by
the console, the wallboard and ``opsconsole snapshot`` alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Severity:
    """How one severity label is shown and counted."""

    level: str  # the theme level of a firing alert of this severity
    rank: int  # sort order, most urgent first
    critical: bool  # counted in the wallboard's "firing critical"


# Alertmanager's severity is a free label; these are the values seen in the wild (matched without
# case). ``page`` is what many teams call critical (it pages someone): critical everywhere.
SEVERITIES: dict[str, Severity] = {
    "critical": Severity("crit", 0, critical=True),
    "page": Severity("crit", 0, critical=True),
    "error": Severity("crit", 1, critical=False),
    "high": Severity("crit", 1, critical=False),
    "warning": Severity("warn", 2, critical=False),
    "warn": Severity("warn", 2, critical=False),
    "info": Severity("info", 3, critical=False),
}
UNKNOWN_SEVERITY = Severity("none", 4, critical=False)  # after info


def severity(name: str) -> Severity:
    """The table entry of a severity label (unknown ones sort last and count as nothing)."""
    return SEVERITIES.get(name.lower(), UNKNOWN_SEVERITY)
