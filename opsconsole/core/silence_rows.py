"""The rows of the silences screen, for one context or merged across every context.

A row is a silence where it lives (its contexts and Alertmanager cluster), what it mutes now, and
whether it may be changed from here. Two contexts that share an Alertmanager (the same URL among
their peers) see the same silences: those are one row naming both, changed through a context that
may write if one of them may. A row seen only from read-only contexts is ``locked``, with the reason
the screen shows; nothing can expire or extend it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from opsconsole.core.dashboard import SilenceView
from opsconsole.core.durations import format_duration
from opsconsole.core.shared_backends import shared_groups


@dataclass(frozen=True)
class SilenceRow:
    """One row of the silences screen."""

    silence: SilenceView
    contexts: tuple[str, ...] = ()  # () on the one-context screen
    cluster: str = ""
    via: str = ""  # the context a change goes through ("" on the one-context screen)
    locked: str = ""  # why it cannot be changed from here ("" = it can)
    muted: tuple[tuple[str, str], ...] = ()  # (fingerprint, alertname) of the alerts it mutes now

    @property
    def key(self) -> str:
        """Unique on the screen: the same id may live in two unrelated Alertmanagers."""
        return f"{self.via}\x1f{self.cluster}\x1f{self.silence.id}"

    @property
    def where(self) -> str:
        """``prod,prod-ro`` (and ``/cluster`` when the context has several clusters)."""
        return ",".join(self.contexts) + (f"/{self.cluster}" if self.cluster else "")


@dataclass(frozen=True)
class ContextSilences:
    """One context's silences as last read: per cluster, with the alerts each mutes."""

    context: str
    read_only: bool
    urls: frozenset[str]  # its Alertmanager peers (contexts sharing one see the same silences)
    silences: tuple[tuple[str, SilenceView, tuple[tuple[str, str], ...]], ...] = ()  # (cluster, view, muted)


def merge_silences(places: Sequence[ContextSilences], read_only_reason: str) -> list[SilenceRow]:
    """Every context's silences in one list (active, then pending, then expired; soonest end first).

    ``read_only_reason`` words why a locked row cannot be changed; ``{context}`` is replaced.
    """
    rows: list[SilenceRow] = []
    seen: dict[tuple[int, str, str], int] = {}
    groups = shared_groups([place.urls for place in places])
    for place, group in zip(places, groups, strict=True):
        locked = read_only_reason.format(context=place.context) if place.read_only else ""
        for cluster, view, muted in place.silences:
            key = (group, cluster, view.id)
            if key not in seen:
                seen[key] = len(rows)
                rows.append(SilenceRow(view, (place.context,), cluster, place.context, locked, muted))
                continue
            index = seen[key]
            known = rows[index]
            contexts = (*known.contexts, place.context)
            if known.locked and not locked:  # a context that may write changes it for both
                rows[index] = SilenceRow(view, contexts, cluster, place.context, "", muted)
            else:
                rows[index] = SilenceRow(
                    known.silence, contexts, cluster, known.via, known.locked, known.muted
                )
    order = {"active": 0, "pending": 1, "expired": 2}
    return sorted(rows, key=lambda r: (order[r.silence.state], r.silence.ends_at))


def muted_by(rows: Sequence[SilenceRow]) -> list[str]:
    """The names of the alerts ``rows`` mute now, an alert held by two of them once."""
    seen: dict[tuple[str, str, str], str] = {}
    for row in rows:
        for fingerprint, name in row.muted:
            seen.setdefault((row.via, row.cluster, fingerprint), name)
    return list(seen.values())


@dataclass(frozen=True)
class ContextReadState:
    """Whether a context's silences could be read, and how old the rows shown for it are."""

    context: str
    read_only: bool = False
    read_at: float | None = None  # the last good read
    error: str = ""  # the last read's failure ("" = it worked, or none finished yet)
    waiting: bool = False  # a read is under way and none has finished yet
    gaps: tuple[str, ...] = field(default_factory=tuple)  # clusters not read: "cluster: error"

    @property
    def ok(self) -> bool:
        """Read, and every cluster answered."""
        return self.read_at is not None and not self.error and not self.gaps and not self.waiting

    def text(self, now: float) -> str:
        """``staging ✖ connection refused · silences as of 2m ago`` (or ``never read``)."""
        if self.waiting and self.read_at is None and not self.error:
            return f"{self.context} … waiting"
        problems = ([self.error] if self.error else []) + list(self.gaps)
        if not problems:
            return f"{self.context} ✔"
        age = (
            f"silences as of {format_duration(max(0.0, now - self.read_at))} ago"
            if self.read_at is not None
            else "never read"
        )
        return f"{self.context} ✖ {'; '.join(problems)} · {age}"
