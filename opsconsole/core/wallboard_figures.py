"""What the wallboard shows, computed from a dashboard: pure functions, no drawing."""

from __future__ import annotations

from opsconsole.core.backend_labels import backend_labels
from opsconsole.core.dashboard import AlertView, Dashboard
from opsconsole.core.durations import format_duration
from opsconsole.core.severity import severity

PAGES = ("overview", "alerts", "slo", "health")


def worst_budget(board: Dashboard) -> tuple[str, float] | None:
    """The SLO with the least error budget left, and that share."""
    known = [(s.display, s.figures.remaining) for s in board.slos if s.figures.remaining is not None]
    return min(known, key=lambda pair: pair[1]) if known else None


def firing(board: Dashboard) -> list[AlertView]:
    """Firing alerts (not silenced or inhibited), worst severity first, oldest first."""
    alerts = [a for g in board.alerts for a in g.alerts if a.state == "firing"]
    return sorted(alerts, key=lambda a: (severity(a.severity).rank, a.starts_at))


def stale_backends(board: Dashboard, now: float, limit_seconds: float, started: float) -> list[str]:
    """Backends that have not answered for ``limit_seconds`` (``name for 1m05s``)."""
    out = []
    for backend, name in zip(board.backends, backend_labels(board.backends, long=True), strict=True):
        since = backend.last_success if backend.last_success is not None else started
        if now - since >= limit_seconds:
            out.append(f"{name} for {format_duration(now - since)}")
    return out
