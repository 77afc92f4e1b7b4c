"""Every context in one view: one row per context, and the alerts of all of them merged.

A row is computed from that context's :class:`~opsconsole.core.dashboard.Dashboard` (the same refresh
the console runs), so its figures are the console's: firing alerts by severity (every alert its
Alertmanagers hold, not only the pack's), acked alerts, agents down of all, the worst SLO budget
left, and each backend's freshness. A context that failed or did not answer in time keeps its last
good figures with their age and says why; one never seen says so. The console's overview screen,
``snapshot --all-contexts`` (text and ``--json``) and the wallboard take every figure from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.dashboard import AlertView, Dashboard
from opsconsole.core.durations import format_duration
from opsconsole.core.shared_backends import shared_groups
from opsconsole.core.slo import budget_percent
from opsconsole.core.wallboard_figures import worst_budget

SEVERITIES = ("critical", "warning")  # their own columns; every other severity is "other"


@dataclass(frozen=True)
class BackendFreshness:
    """One backend of a context: its label, when it last answered, and its error if it failed."""

    name: str
    last_success: float | None
    error: str | None

    def text(self, now: float) -> str:
        """``prometheus 5s``, ``loki ✖`` or ``jaeger never``."""
        if self.error:
            return f"{self.name} ✖"
        if self.last_success is None:
            return f"{self.name} never"
        return f"{self.name} {format_duration(max(0.0, now - self.last_success))}"


@dataclass(frozen=True)
class ContextRow:
    """One context's figures, or its error (with the age of the last good figures, if any)."""

    context: str
    read_only: bool = False
    pack: str = ""
    firing: dict[str, int] = field(default_factory=dict)  # critical, warning, other
    acked: int = 0
    down: int = 0
    agents: int = 0
    entity_display: str = "agent"
    worst_budget: tuple[str, float] | None = None
    backends: tuple[BackendFreshness, ...] = ()
    as_of: float | None = None  # when these figures were refreshed (None: never)
    error: str = ""  # why the latest refresh gave nothing (timeout, config)

    @property
    def firing_total(self) -> int:
        """Firing alerts of every severity."""
        return sum(self.firing.values())

    def texts(self, now: float) -> dict[str, str]:
        """Each cell in the words every view shows."""
        firing = " ".join(f"{self.firing.get(s, 0)}" for s in (*SEVERITIES, "other"))
        budget = (
            "—"
            if self.worst_budget is None
            else f"{budget_percent(self.worst_budget[1])} {self.worst_budget[0]}"
        )
        age = "never answered" if self.as_of is None else format_duration(max(0.0, now - self.as_of))
        down = [b.name for b in self.backends if b.error]
        if self.error:
            status = f"✖ {self.error}" + (f" (figures {age} old)" if self.as_of is not None else "")
        else:
            status = f"⚠ no answer from {', '.join(down)}" if down else "ok"
        return {
            "context": self.context + (" (ro)" if self.read_only else ""),
            "firing": firing if self.as_of is not None else "—",
            "acked": str(self.acked) if self.as_of is not None else "—",
            "down": f"{self.down}/{self.agents}" if self.as_of is not None else "—",
            "budget": budget if self.as_of is not None else "—",
            "budget_percent": budget.split(" ", 1)[0] if self.as_of is not None else "—",
            "backends": " ".join(b.text(now) for b in self.backends) or "—",
            "status": status,
            "age": age,
        }

    def as_json(self, now: float) -> dict[str, Any]:
        """The row for ``--json``: raw figures and the screen's words (``text``)."""
        return {
            "context": self.context,
            "read_only": self.read_only,
            "pack": self.pack,
            "firing": {s: self.firing.get(s, 0) for s in (*SEVERITIES, "other")},
            "firing_total": self.firing_total,
            "acked": self.acked,
            "down": self.down,
            "agents": self.agents,
            "worst_budget": None
            if self.worst_budget is None
            else {"slo": self.worst_budget[0], "remaining": self.worst_budget[1]},
            "backends": [
                {"name": b.name, "last_success": b.last_success, "error": b.error} for b in self.backends
            ],
            "as_of": self.as_of,
            "error": self.error or None,
            "text": self.texts(now),
        }


def _every_alert(board: Dashboard) -> list[AlertView]:
    return [a for g in (*board.alerts, *board.alerts_outside) for a in g.alerts]


def context_row(board: Dashboard, *, read_only: bool = False) -> ContextRow:
    """The figures of one context's refresh."""
    alerts = _every_alert(board)
    firing: dict[str, int] = {}
    for alert in alerts:
        if alert.state == "firing":
            key = alert.severity if alert.severity in SEVERITIES else "other"
            firing[key] = firing.get(key, 0) + 1
    acked = sum(1 for a in alerts if a.ack is not None)
    down = sum(1 for h in board.health if h.state == "down")
    backends = tuple(BackendFreshness(b.name, b.last_success, b.error) for b in board.backends)
    return ContextRow(
        context=board.context,
        read_only=read_only,
        pack=board.pack,
        firing=firing,
        acked=acked,
        down=down,
        agents=len(board.health),
        entity_display=board.entity_display,
        worst_budget=worst_budget(board),
        backends=backends,
        as_of=board.now,
    )


def refreshed_row(board: Dashboard, last_good: ContextRow | None, *, read_only: bool = False) -> ContextRow:
    """The row for a refresh that came back: when no backend answered, it is a failure (its zeros
    would read as a quiet context), with the last good figures and their age."""
    row = context_row(board, read_only=read_only)
    dead = [b for b in row.backends if b.error]
    if row.backends and len(dead) == len(row.backends):
        failed = failed_row(
            board.context, f"no backend answered ({dead[0].error})", last_good, read_only=read_only
        )
        return replace(failed, backends=row.backends, pack=row.pack)
    return row


def failed_row(
    context: str, error: str, last_good: ContextRow | None, *, read_only: bool = False
) -> ContextRow:
    """A context whose refresh failed: its last good figures (with their age), else nothing."""
    if last_good is None:
        return ContextRow(context=context, read_only=read_only, error=error)
    return replace(last_good, error=error)


# -- the merged alerts view ------------------------------------------------------------------------


@dataclass(frozen=True)
class MergedAlert:
    """An alert with the contexts it was seen in (HA peers and contexts sharing an Alertmanager: one row)."""

    contexts: tuple[str, ...]
    alert: AlertView


def merged_alerts(
    boards: Sequence[tuple[str, Dashboard, frozenset[str]]],
) -> list[MergedAlert]:
    """Every context's alerts in one list. ``boards``: (context, its dashboard, its Alertmanager URLs).

    Within a context, HA peers are already one alert per (cluster, fingerprint). Two contexts that
    share an Alertmanager see the same alerts: those are one row naming both contexts.
    """
    out: list[MergedAlert] = []
    seen: dict[tuple[str, str], int] = {}
    groups = shared_groups([urls for _, _, urls in boards])
    for (context, board, urls), group in zip(boards, groups, strict=True):
        for alert in _every_alert(board):
            key = (str(group) if urls else f"ctx:{context}", f"{alert.cluster}\x1f{alert.fingerprint}")
            if key in seen:
                index = seen[key]
                previous = out[index]
                if context not in previous.contexts:
                    out[index] = MergedAlert((*previous.contexts, context), previous.alert)
                continue
            seen[key] = len(out)
            out.append(MergedAlert((context,), alert))
    order = {"critical": 0, "warning": 1}
    state = {"firing": 0}
    return sorted(
        out, key=lambda m: (state.get(m.alert.state, 1), order.get(m.alert.severity, 2), m.alert.starts_at)
    )


def filter_merged(alerts: Iterable[MergedAlert], text: str) -> tuple[list[MergedAlert], str]:
    """Those the alert filter keeps (``@context=prod`` matches any context a row names), and the
    filter's error if it has one."""
    parsed = AlertFilter.parse(text)
    kept = [m for m in alerts if any(parsed.keeps(m.alert, context) for context in m.contexts)]
    return kept, parsed.error
