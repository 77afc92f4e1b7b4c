"""How much a silence (or an ack) would mute, counted among every alert of its Alertmanager cluster.

A pack shows only its own alerts, so a preview counted there ("matches 1 alert") can hide that the
same matchers mute the whole cluster. The count is taken over all current alerts the cluster
holds, and three cases need an explicit confirmation before anything is sent:

- it mutes every alert (when there are at least two: acking the only alert firing is ordinary);
- it mutes a heartbeat alert (``Watchdog``, ``DeadMansSwitch`` or a pack's ``heartbeat_alerts``),
  which exists to fire always: its dead man's switch then pages as if alerting were down, or, worse,
  a real outage of the alerting pipeline goes unnoticed;
- it mutes more than ``silence_blast_radius`` of all alerts (a share, 0.5 by default), and more
  than one alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from opsconsole.core.silence_draft import SilenceDraft
from opsconsole.core.untrusted_text import sanitize

DEFAULT_HEARTBEATS: tuple[str, ...] = ("Watchdog", "DeadMansSwitch")
DEFAULT_BLAST_RADIUS = 0.5
NAMES_SHOWN = 20


@dataclass(frozen=True)
class ClusterAlert:
    """One current alert of the cluster, as the count needs it."""

    fingerprint: str
    labels: Mapping[str, str]

    def describe(self, entity_labels: Sequence[str] = ()) -> str:
        """``AgentUnresponsive (npa-3)``: its name and, when known, what it is about (the first of
        ``entity_labels`` the alert carries, else its instance)."""
        # Label values come from whoever sent the alert: never let them steer the terminal.
        name = sanitize(self.labels.get("alertname", "?"))
        found = next((self.labels[k] for k in (*entity_labels, "instance") if self.labels.get(k)), "")
        entity = sanitize(found)
        return f"{name} ({entity})" if entity else name


@dataclass(frozen=True)
class BlastRadius:
    """What a draft would mute, and whether that needs an explicit confirmation."""

    muted: tuple[ClusterAlert, ...]
    total: int
    in_view: int | None  # of the muted, how many the pack shows (None: no pack to compare with)
    heartbeats: tuple[str, ...]  # names of the heartbeat alerts it mutes
    limit: float
    entity_labels: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many alerts it mutes."""
        return len(self.muted)

    @property
    def everything(self) -> bool:
        """It mutes every alert of the cluster (and there is more than one)."""
        return self.total > 1 and self.count == self.total

    @property
    def over_limit(self) -> bool:
        """It mutes more than ``limit`` of all alerts (and more than one alert)."""
        return self.count > 1 and self.total > 0 and self.count / self.total > self.limit

    @property
    def needs_confirmation(self) -> bool:
        """Whether sending it needs an explicit, typed (or ``--force``) confirmation."""
        return self.everything or bool(self.heartbeats) or self.over_limit

    def reasons(self) -> list[str]:
        """Why it needs confirmation, one sentence each (empty when it does not)."""
        out = []
        if self.everything:
            out.append(f"it mutes every alert of the cluster ({self.count} of {self.total})")
        if self.heartbeats:
            names = ", ".join(sanitize(n) for n in self.heartbeats)
            out.append(
                f"it mutes the heartbeat alert {names}, which fires always on purpose: whatever watches "
                "it will page as if alerting were down, or a real alerting outage goes unnoticed"
            )
        if self.over_limit and not self.everything:
            share = self.count / self.total
            out.append(
                f"it mutes {self.count} of {self.total} alerts ({share:.0%}), more than "
                f"silence_blast_radius ({self.limit:.0%})"
            )
        return out

    def summary(self) -> str:
        """``matches 3 alerts: 1 in this view, 2 outside this pack``."""
        noun = "alert" if self.count == 1 else "alerts"
        head = f"matches {self.count} {noun}"
        if self.in_view is None:
            return f"{head} of {self.total} in the cluster"
        outside = self.count - self.in_view
        if self.count == 0:
            return f"{head} (of {self.total} in the cluster)"
        if outside == 0:
            return f"{head}, all in this view"
        return f"{head}: {self.in_view} in this view, {outside} outside this pack"

    def names(self, limit: int = NAMES_SHOWN) -> str:
        """The muted alerts by name (and entity), heartbeats first; long lists end in "and N more"."""
        ordered = sorted(
            self.muted, key=lambda a: (a.labels.get("alertname") not in self.heartbeats, a.describe())
        )
        shown = [a.describe(self.entity_labels) for a in ordered[:limit]]
        more = len(ordered) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def blast_radius(
    draft: SilenceDraft,
    alerts: Iterable[ClusterAlert],
    *,
    in_view: Iterable[str] | None = None,
    heartbeats: Iterable[str] = DEFAULT_HEARTBEATS,
    limit: float = DEFAULT_BLAST_RADIUS,
    entity_labels: tuple[str, ...] = (),
) -> BlastRadius:
    """Count what ``draft`` mutes among ``alerts`` (all of the cluster's, one per fingerprint).

    ``in_view``: fingerprints the pack shows, to say how many muted alerts are outside it.
    """
    unique = {a.fingerprint: a for a in alerts}
    muted = tuple(a for a in unique.values() if draft.matches(a.labels))
    heartbeat_names = set(heartbeats)
    hit = sorted({a.labels.get("alertname", "") for a in muted} & heartbeat_names)
    shown = None if in_view is None else len({a.fingerprint for a in muted} & set(in_view))
    return BlastRadius(muted, len(unique), shown, tuple(hit), limit, entity_labels)
