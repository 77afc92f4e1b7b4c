"""Acks as a state: who acked, for how long, and when an ack that lasts "until resolved" ends.

Alertmanager has no ack; an ack is a silence pinned to one alert whose comment starts ``ACK by``
(see :func:`opsconsole.core.silence_draft.parse_ack`). An ack made ``until resolved`` carries that
marker and a long cap (24h by default); it ends when its alert has been resolved for longer than a
grace period, which ``acks reconcile`` (and every console with write access) decides here.

**How "resolved since" is known.** Alertmanager's API shows only active alerts: once an alert
resolves it is simply absent. So the reconciler keeps, per ack silence, the moment it first saw the
alert absent (state in the XDG state dir, see :mod:`opsconsole.mutations.ack_reconcile`). The grace
runs from that moment; seeing the alert again (a flap) forgets it, so a flapping alert keeps its ack
as long as it comes back within the grace. With no record yet (a first run, a lost state file), the
grace starts at that run: an ack can only outlive its alert by one grace more, never end early.

This module is pure: the caller passes the silences, the alerts and the state, and gets back what
to expire and the state to keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.durations import format_duration

DEFAULT_GRACE_SECONDS = 300.0
DEFAULT_CAP_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class AckFacts:
    """One ack as every view shows it; :func:`ack_facts` is the one place these are computed."""

    by: str
    since: float
    until: float
    until_resolved: bool
    silence_id: str

    def acked_for(self, now: float) -> float:
        """Seconds since the ack was made."""
        return max(0.0, now - self.since)

    def text(self, now: float) -> str:
        """``ACK alice 12m · until resolved`` or ``ACK alice 12m · 3m left``: who, and for how long."""
        head = f"ACK {self.by} {format_duration(self.acked_for(now))}"
        if self.until_resolved:
            return f"{head} · until resolved"
        return f"{head} · {format_duration(max(0.0, self.until - now))} left"

    def as_json(self, now: float) -> dict[str, Any]:
        """The same figures for ``--json`` (unix seconds, and the text the screens show)."""
        return {
            "by": self.by,
            "since": self.since,
            "acked_for_seconds": round(self.acked_for(now), 3),
            "until": self.until,
            "until_resolved": self.until_resolved,
            "silence_id": self.silence_id,
            "text": self.text(now),
        }


def ack_facts(
    ack_by: str | None, starts_at: float, ends_at: float, until_resolved: bool, silence_id: str
) -> AckFacts | None:
    """The ack a silence records (None for an ordinary silence)."""
    if not ack_by:
        return None
    return AckFacts(ack_by, starts_at, ends_at, until_resolved, silence_id)


# -- reconciling acks that end when their alert resolves ---------------------------------------


@dataclass(frozen=True)
class AckSilence:
    """An active ``until resolved`` ack silence: its id, matchers and who made it."""

    id: str
    matchers: tuple[LabelMatcher, ...]
    by: str
    comment: str = ""

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether this ack's silence holds an alert with these labels."""
        return all(m.matches(dict(labels)) for m in self.matchers)


@dataclass(frozen=True)
class AckDecision:
    """What the reconciler does with one ack: ``keep`` (alert present), ``wait`` or ``expire``."""

    silence: AckSilence
    action: str  # "keep" | "wait" | "expire"
    resolved_since: float | None
    reason: str


@dataclass
class ReconcilePlan:
    """Every decision of one pass and the state to keep for the next."""

    decisions: list[AckDecision] = field(default_factory=list)
    state: dict[str, float] = field(default_factory=dict)

    @property
    def to_expire(self) -> list[AckSilence]:
        """The acks whose alert has been resolved longer than the grace."""
        return [d.silence for d in self.decisions if d.action == "expire"]


def plan_reconcile(
    acks: Sequence[AckSilence],
    alert_labels: Iterable[Mapping[str, str]],
    resolved_since: Mapping[str, float],
    now: float,
    grace: float,
) -> ReconcilePlan:
    """Decide each ack: its alert is present (keep, forget any absence), absent within the grace
    (wait, remembering since when), or absent for at least the grace (expire).

    ``alert_labels`` must be every alert the cluster holds now, silenced ones included (an acked
    alert is silenced). ``resolved_since`` maps silence ids to when their alert was first seen
    absent; the returned state holds only the acks still waiting (kept ones and gone ones drop out).
    """
    labels = [dict(a) for a in alert_labels]
    plan = ReconcilePlan()
    for ack in acks:
        if any(ack.matches(a) for a in labels):
            plan.decisions.append(AckDecision(ack, "keep", None, "its alert is active"))
            continue
        since = resolved_since.get(ack.id, now)
        gone_for = now - since
        if gone_for >= grace:
            reason = f"its alert resolved {format_duration(gone_for)} ago (grace {format_duration(grace)})"
            plan.decisions.append(AckDecision(ack, "expire", since, reason))
        else:
            plan.state[ack.id] = since
            left = format_duration(grace - gone_for)
            reason = f"its alert resolved {format_duration(gone_for)} ago; expires in {left} unless it fires"
            plan.decisions.append(AckDecision(ack, "wait", since, reason))
    return plan
