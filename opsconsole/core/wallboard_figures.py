"""What the wallboard shows, computed from a dashboard: pure functions, no drawing."""

from __future__ import annotations

from opsconsole.core.ack_state import AckFacts
from opsconsole.core.backend_labels import backend_labels
from opsconsole.core.dashboard import AlertView, Dashboard
from opsconsole.core.durations import format_duration
from opsconsole.core.severity import severity

PAGES = ("overview", "alerts", "slo", "health")
# Pages one may ask for with --pages besides the default ones: every context of the config, a row each.
EXTRA_PAGES = ("contexts",)
# The refresh panes each page draws from. No page draws the RED or saturation rows, so the wallboard
# does not ask for them. The health page's alert counts come from the alerts pane.
PAGE_PANES: dict[str, tuple[str, ...]] = {
    "overview": ("alerts", "health", "slo"),  # firing critical, agents down, worst budget
    "alerts": ("alerts",),
    "slo": ("slo",),
    "health": ("health", "alerts"),
    "contexts": (),  # every context's own refresh (ContextOverview), not this one's
}


def panes_drawn(pages: tuple[str, ...]) -> frozenset[str]:
    """The refresh panes the wallboard's ``pages`` draw from (an unknown page: every pane)."""
    if any(page not in PAGE_PANES for page in pages):
        return frozenset({"health", "saturation", "red", "slo", "alerts", "logs"})
    return frozenset(pane for page in pages for pane in PAGE_PANES[page])


def worst_budget(board: Dashboard) -> tuple[str, float] | None:
    """The SLO with the least error budget left, and that share."""
    known = [(s.display, s.figures.remaining) for s in board.slos if s.figures.remaining is not None]
    return min(known, key=lambda pair: pair[1]) if known else None


def firing(board: Dashboard) -> list[AlertView]:
    """Firing alerts (not silenced or inhibited), worst severity first, oldest first."""
    alerts = [a for g in board.alerts for a in g.alerts if a.state == "firing"]
    return sorted(alerts, key=lambda a: (severity(a.severity).rank, a.starts_at))


def acked(board: Dashboard) -> list[tuple[AlertView, AckFacts]]:
    """Alerts of the pack held by an ack, with the ack's facts (the console's and ``--json``'s)."""
    out = []
    for group in board.alerts:
        for alert in group.alerts:
            facts = alert.ack.ack_facts() if alert.ack is not None else None
            if facts is not None:
                out.append((alert, facts))
    return sorted(out, key=lambda pair: (severity(pair[0].severity).rank, pair[0].starts_at))


def stale_backends(board: Dashboard, now: float, limit_seconds: float, started: float) -> list[str]:
    """Backends that have not answered for ``limit_seconds`` (``name for 1m05s``)."""
    out = []
    for backend, name in zip(board.backends, backend_labels(board.backends, long=True), strict=True):
        since = backend.last_success if backend.last_success is not None else started
        if now - since >= limit_seconds:
            out.append(f"{name} for {format_duration(now - since)}")
    return out
