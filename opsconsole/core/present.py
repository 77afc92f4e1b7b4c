"""The one vocabulary every renderer speaks: the console, the wallboard and ``opsconsole snapshot``
name states, severities, ages and budgets with these words, so a figure reads the same everywhere.

Levels are the theme's names (``crit``, ``warn``, ``ok``, ``info``, ``none``, ``muted``); the
renderers only map a level to a colour.
"""

from __future__ import annotations

from opsconsole.core.dashboard import AlertView, HealthState
from opsconsole.core.durations import format_duration
from opsconsole.core.severity import SEVERITIES, Severity, severity
from opsconsole.core.slo import budget_text, coverage_note, data_span, exhaustion_text


def severity_level(alert: AlertView) -> str:
    """The level an alert is drawn in: its severity's while firing, muted when held back."""
    return severity(alert.severity).level if alert.state == "firing" else "muted"


def is_critical(alert: AlertView) -> bool:
    """A firing alert whose severity is critical (``critical`` or ``page``)."""
    return alert.state == "firing" and severity(alert.severity).critical


HEALTH_STATE: dict[HealthState, tuple[str, str]] = {
    "down": ("✖ DOWN", "crit"),
    "unhealthy": ("▲ UNHEALTHY", "crit"),
    "degraded": ("◆ degraded", "warn"),
    "unknown": ("? unknown", "none"),
    "ok": ("● ok", "ok"),
}
ALERT_STATE = {
    "firing": ("FIRING", "crit"),
    "silenced": ("silenced", "muted"),
    "inhibited": ("inhibited", "muted"),
    "unprocessed": ("pending", "warn"),
}
SLO_STATUS = {
    "ok": ("● ok", "ok"),
    "ticket": ("◆ TICKET", "warn"),
    "page": ("▲ PAGE", "crit"),
    "exhausted": ("✖ EXHAUSTED", "crit"),
    "no data": ("? no data", "none"),
}
LEVEL_MARK = {"crit": "!! ", "warn": "! ", "ok": "", "none": "", "info": "", "muted": ""}


def since_text(now: float, since: float | None, exact: bool) -> str:
    """``12m`` for an exact start, ``>15m`` when the state held for the whole range, ``—`` unknown."""
    if since is None:
        return "—"
    age = format_duration(now - since)
    return age if exact else f">{age}"


def entity_fallback(entity_label: str, identity_labels: tuple[str, ...] | list[str]) -> bool:
    """Whether a row was named by a later identity label than the pack's first (say so: two
    renderers showing ``pod`` for one row and ``instance`` for another must not look alike)."""
    return bool(identity_labels) and entity_label != identity_labels[0]


__all__ = [
    "ALERT_STATE",
    "HEALTH_STATE",
    "LEVEL_MARK",
    "SEVERITIES",
    "SLO_STATUS",
    "Severity",
    "budget_text",
    "coverage_note",
    "data_span",
    "entity_fallback",
    "exhaustion_text",
    "format_duration",
    "is_critical",
    "severity",
    "severity_level",
    "since_text",
]
