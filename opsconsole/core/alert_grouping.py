"""Group alerts by labels and order them the way on-call reads them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opsconsole.core.dashboard import AlertGroupView, AlertView, group_order

STATE_RANK = {"firing": 0, "unprocessed": 1, "inhibited": 2, "silenced": 3}


def group_alerts(alerts: Iterable[AlertView], group_by: Sequence[str]) -> list[AlertGroupView]:
    """Groups by ``group_by`` label values: worst severity first, then the oldest.

    Within a group, firing before suppressed, then oldest first. An alert missing a label is grouped
    under an empty value, as Alertmanager does.
    """
    groups: dict[tuple[tuple[str, str], ...], list[AlertView]] = {}
    for alert in alerts:
        key = tuple((name, alert.labels.get(name, "")) for name in group_by)
        groups.setdefault(key, []).append(alert)
    out = [
        AlertGroupView(
            key, tuple(sorted(members, key=lambda a: (STATE_RANK[a.state], a.starts_at, a.fingerprint)))
        )
        for key, members in groups.items()
    ]
    out.sort(key=group_order)
    return out


def alerts_per_entity(groups: Iterable[AlertGroupView]) -> dict[str, int]:
    """Firing (not suppressed) alerts per entity, to pin on health rows."""
    counts: dict[str, int] = {}
    for group in groups:
        for alert in group.alerts:
            if alert.entity and alert.state == "firing":
                counts[alert.entity] = counts.get(alert.entity, 0) + 1
    return counts
