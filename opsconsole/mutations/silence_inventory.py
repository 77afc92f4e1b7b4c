"""Every silence of every Alertmanager cluster of a context, with what each mutes now.

Each cluster is read through its own peers' failover (silences and alerts from the same cluster), so a
silence is counted against the alerts it can mute; a cluster that does not answer is reported with
its error, never left out in silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsconsole.backends.alertmanager_models import Silence
from opsconsole.backends.errors import BackendError
from opsconsole.core.silence_hygiene import SilenceHygiene, mutes_by_silence
from opsconsole.mutations.silences import SilenceService

STATE_ORDER = {"active": 0, "pending": 1, "expired": 2}


@dataclass(frozen=True)
class InventoryRow:
    """One silence where it lives, with its hygiene figures."""

    context: str
    cluster: str
    silence: Silence
    hygiene: SilenceHygiene


@dataclass(frozen=True)
class InventoryGap:
    """A cluster whose silences could not be read."""

    context: str
    cluster: str
    error: str


def clusters_of(service: SilenceService) -> list[str]:
    """The context's Alertmanager clusters, in configured order ("" = peers without a cluster name)."""
    return list(dict.fromkeys(p.endpoint.cluster or "" for p in service.peers))


def cluster_service(service: SilenceService, cluster: str) -> SilenceService:
    """The service limited to one cluster's peers ("" = the peers without a cluster name)."""
    if cluster:
        return service.for_cluster(cluster)
    unnamed = [p for p in service.peers if not p.endpoint.cluster]
    return SilenceService(
        unnamed,
        service.read_only,
        service.read_only_reason,
        service.journal_path,
        service.clock,
        service.journal,
    )


async def inventory(
    service: SilenceService, context: str = ""
) -> tuple[list[InventoryRow], list[InventoryGap]]:
    """Every silence of every cluster (active, then pending, then expired; soonest end first)."""
    rows: list[InventoryRow] = []
    gaps: list[InventoryGap] = []
    now = service.clock()
    for cluster in clusters_of(service):
        one = cluster_service(service, cluster)
        try:
            silences = await one.silences()
            alerts = await one.alerts()
        except BackendError as exc:
            gaps.append(InventoryGap(context, cluster, exc.message))
            continue
        mutes = mutes_by_silence(a.status.silenced_by for a in alerts)
        for silence in silences:
            hygiene = SilenceHygiene(
                silence.status.state, mutes.get(silence.id, 0), silence.ends_at.timestamp(), now
            )
            rows.append(InventoryRow(context, cluster, silence, hygiene))
    rows.sort(key=lambda r: (STATE_ORDER.get(r.silence.status.state, 3), r.silence.ends_at))
    return rows, gaps
