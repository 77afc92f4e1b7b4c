"""Which alerts a pack shows, for saying how many muted alerts lie outside it (and its heartbeats).

The console knows what it shows; a command line has no screen, so it asks the context's pack the
same question the console's alerts pane does: the pack's ``alerts.matchers``, variables expanded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from opsconsole.core.alert_matchers import LabelMatcher, MatcherSyntaxError, parse_matchers
from opsconsole.core.silence_blast_radius import DEFAULT_HEARTBEATS, ClusterAlert
from opsconsole.packs.render import pack_values
from opsconsole.packs.schema import QueryPack
from opsconsole.packs.variables import expand


@dataclass(frozen=True)
class AlertScope:
    """A pack's view of the alerts: its matchers, its heartbeat alerts, its entity label."""

    pack: str | None = None
    matchers: tuple[LabelMatcher, ...] = ()
    heartbeats: tuple[str, ...] = DEFAULT_HEARTBEATS
    entity_labels: tuple[str, ...] = ()

    def in_view(self, alerts: Iterable[ClusterAlert]) -> set[str] | None:
        """Fingerprints of the alerts the pack shows (None without a pack)."""
        if self.pack is None:
            return None
        return {a.fingerprint for a in alerts if all(m.matches(dict(a.labels)) for m in self.matchers)}


def scope_for_pack(pack: QueryPack, overrides: Mapping[str, str] | None = None) -> AlertScope:
    """The scope of ``pack`` with the context's variables (``overrides``)."""
    values = pack_values(pack, overrides)
    matchers: list[LabelMatcher] = []
    for text in pack.alerts.matchers:
        try:
            matchers += parse_matchers(expand(text, values))
        except (MatcherSyntaxError, KeyError, ValueError):
            continue  # the pack loader reports bad matchers; here they only narrow the count
    heartbeats = tuple(dict.fromkeys([*DEFAULT_HEARTBEATS, *pack.alerts.heartbeat_alerts]))
    return AlertScope(pack.metadata.name, tuple(matchers), heartbeats, pack.alerts.entity_instance_labels)
