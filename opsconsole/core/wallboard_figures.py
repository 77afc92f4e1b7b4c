"""What the wallboard shows, computed from a dashboard: pure functions, no drawing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

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


def empty_page_reason(board: Dashboard, pane: str, nothing: str) -> tuple[str, bool]:
    """What a page (or figure) drawn from ``pane`` says when it has no rows, and whether that is a
    problem to draw as one: the pane's error, every query of it returning nothing (the pack does
    not fit this Prometheus), or else ``nothing``, which is all clear. An empty page never reads
    as all clear when the truth is that nothing answered."""
    status = board.pane_status(pane)
    if status.error:
        if status.updated_at is None:
            return f"no data: {status.error}", True
        as_of = datetime.fromtimestamp(status.updated_at, UTC).strftime("%H:%M:%S")
        return f"{nothing} at the last answer ({as_of}Z); since then: {status.error}", True
    if status.all_empty:
        return status.emptiness(), True
    return nothing, False


def wallboard_notices(board: Dashboard | None, startup: Sequence[str]) -> list[str]:
    """What the console says in its notices, for a board that has no toasts to show them: problems
    found at start-up (a pack or theme file that failed, a pack name taken twice) and the board's
    own (no query of the pack finds anything here), each once, in order."""
    return list(dict.fromkeys([*startup, *(board.notices if board is not None else ())]))
