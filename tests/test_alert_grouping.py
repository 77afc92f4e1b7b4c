"""Alerts grouped and ordered the way on-call reads them (core/alert_grouping.py).

Groups of several alerts, in every state, so each ordering rule is visible on its own: groups with
something firing first, then the worst severity, then the oldest; inside a group firing before
pending before inhibited before silenced, then the oldest.
"""

from __future__ import annotations

import random

from opsconsole.core.alert_grouping import alerts_per_entity, group_alerts
from opsconsole.core.dashboard import AlertView


def alert(
    fingerprint: str, name: str, severity: str, state: str = "firing", starts: float = 0.0, **labels: str
) -> AlertView:
    return AlertView(
        fingerprint=fingerprint,
        alertname=name,
        severity=severity,
        state=state,  # type: ignore[arg-type]
        starts_at=starts,
        summary="",
        labels={"alertname": name, "severity": severity, **labels},
        annotations={},
        entity=labels.get("agent_id"),
    )


BY = ["alertname", "severity"]


def order(alerts: list[AlertView], group_by: list[str] = BY) -> list[list[str]]:
    return [[a.fingerprint for a in group.alerts] for group in group_alerts(alerts, group_by)]


def test_inside_a_group_firing_comes_first_then_pending_inhibited_silenced_each_oldest_first() -> None:
    members = [
        alert("silenced-old", "Down", "critical", "silenced", starts=1),
        alert("firing-new", "Down", "critical", "firing", starts=50),
        alert("inhibited", "Down", "critical", "inhibited", starts=5),
        alert("firing-old", "Down", "critical", "firing", starts=10),
        alert("pending", "Down", "critical", "unprocessed", starts=2),
        alert("silenced-new", "Down", "critical", "silenced", starts=40),
    ]
    expected = [["firing-old", "firing-new", "pending", "inhibited", "silenced-old", "silenced-new"]]
    for seed in range(5):  # whatever order Alertmanager answers in
        random.Random(seed).shuffle(members)
        assert order(members) == expected


def test_equal_start_times_fall_back_to_the_fingerprint() -> None:
    members = [alert("b", "Down", "critical", starts=5), alert("a", "Down", "critical", starts=5)]
    assert order(members) == [["a", "b"]]


def test_groups_with_something_firing_come_before_fully_suppressed_ones() -> None:
    alerts = [
        alert("muted-critical", "Disk", "critical", "silenced", starts=1),
        alert("firing-info", "Info", "info", starts=100),
    ]
    assert order(alerts) == [["firing-info"], ["muted-critical"]]


def test_then_the_worst_severity_then_the_oldest() -> None:
    alerts = [
        alert("warning-old", "Slow", "warning", starts=1),
        alert("critical-new", "Down", "critical", starts=100),
        alert("page-mid", "Budget", "page", starts=50),
        alert("unknown", "Odd", "whatever", starts=0),
        alert("error", "Errors", "error", starts=0),
        alert("info", "Info", "info", starts=0),
    ]
    assert order(alerts) == [
        ["page-mid"],
        ["critical-new"],
        ["error"],
        ["warning-old"],
        ["info"],
        ["unknown"],
    ]


def test_a_group_takes_its_worst_severity_and_counts_what_fires() -> None:
    alerts = [
        alert("w", "Mixed", "warning", starts=30, team="db"),
        alert("c", "Mixed", "critical", "silenced", starts=20, team="db"),
        alert("i", "Mixed", "info", starts=10, team="db"),
    ]
    [group] = group_alerts(alerts, ["team"])
    assert group.key == (("team", "db"),)
    assert group.severity == "critical"
    assert group.firing == 2
    assert group.oldest == 10
    assert [a.fingerprint for a in group.alerts] == ["i", "w", "c"]


def test_a_missing_label_groups_under_the_empty_value_as_alertmanager_does() -> None:
    alerts = [
        alert("with", "Down", "critical", team="db"),
        alert("without-1", "Down", "critical", starts=1),
        alert("without-2", "Slow", "critical", starts=2),
    ]
    groups = group_alerts(alerts, ["team"])
    assert [(g.key, [a.fingerprint for a in g.alerts]) for g in groups] == [
        ((("team", "db"),), ["with"]),  # the oldest first
        ((("team", ""),), ["without-1", "without-2"]),
    ]


def test_grouping_by_nothing_makes_one_group() -> None:
    alerts = [alert("a", "A", "warning", starts=2), alert("b", "B", "critical", starts=1)]
    [group] = group_alerts(alerts, [])
    assert group.key == ()
    assert [a.fingerprint for a in group.alerts] == ["b", "a"]


def test_only_firing_alerts_are_pinned_on_their_entity() -> None:
    alerts = [
        alert("1", "Down", "critical", agent_id="npa-3"),
        alert("2", "Slow", "warning", agent_id="npa-3"),
        alert("3", "Slow", "warning", "silenced", agent_id="npa-2"),
        alert("4", "Queue", "warning", "inhibited", agent_id="npa-3"),
        alert("5", "Cluster", "warning"),
    ]
    assert alerts_per_entity(group_alerts(alerts, BY)) == {"npa-3": 2}
