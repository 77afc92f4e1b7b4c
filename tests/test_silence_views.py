"""A silence as the alerts pane shows it, in process: its matchers as a filter, who acked and until
when, how many current alerts it mutes and how many it matches (none once expired), and the
silences listed active first, then pending, then expired, each soonest-ending first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from opsconsole.backends.alertmanager_models import Alert, Silence
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.packs.schema import AlertsSection, QueryPack
from opsconsole.refresh.backend_health import BackendHealth
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.panes.alerts import AlertsPane, _silence_order, alert_view, silence_view
from opsconsole.refresh.panes.run import PaneRun, RefreshSettings
from opsconsole.refresh.service import RefreshService

NOW = 1_795_320_000.0


def _at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _silence(
    sid: str, state: str = "active", ends: float = NOW + 3600, comment: str = "deploy", **more: Any
) -> Silence:
    return Silence.model_validate(
        {
            "id": sid,
            "status": {"state": state},
            "updatedAt": _at(NOW),
            "matchers": more.get(
                "matchers",
                [
                    {"name": "alertname", "value": "Disk.*", "isRegex": True},
                    {"name": "env", "value": "dev", "isRegex": False, "isEqual": False},
                ],
            ),
            "startsAt": _at(NOW - 600),
            "endsAt": _at(ends),
            "createdBy": "alice",
            "comment": comment,
        }
    )


def _alert(fingerprint: str, labels: dict[str, str], silenced_by: tuple[str, ...] = ()) -> tuple[Alert, str]:
    alert = Alert.model_validate(
        {
            "fingerprint": fingerprint,
            "labels": labels,
            "startsAt": _at(NOW - 60),
            "endsAt": _at(NOW + 240),
            "updatedAt": _at(NOW),
            "status": {"state": "suppressed" if silenced_by else "active", "silencedBy": list(silenced_by)},
        }
    )
    return alert, "am-0"


ALERTS = [
    _alert("1", {"alertname": "DiskFull", "env": "prod"}, ("s1",)),
    _alert("2", {"alertname": "DiskSlow", "env": "prod"}),  # matches, not (yet) muted by it
    _alert("3", {"alertname": "DiskFull", "env": "dev"}),  # env=dev: not matched
    _alert("4", {"alertname": "CPU", "env": "prod"}, ("s1",)),  # muted by it, by an older matcher set
]


def test_a_silence_shows_its_matchers_ack_and_the_alerts_it_mutes_and_matches() -> None:
    view = silence_view(
        _silence("s1", comment="ACK by bob from opsconsole until resolved: looking"), "am-1", ALERTS
    )
    assert (view.id, view.state, view.matchers, view.created_by, view.comment) == (
        "s1",
        "active",
        'alertname=~"Disk.*", env!="dev"',
        "alice",
        "ACK by bob from opsconsole until resolved: looking",
    )
    assert (view.starts_at, view.ends_at, view.source) == (NOW - 600, NOW + 3600, "am-1")
    assert (view.ack_by, view.ack_until_resolved) == ("bob", True)
    assert (view.mutes, view.matching) == (2, 2)


def test_an_ordinary_silence_has_no_ack_and_an_expired_one_matches_nothing() -> None:
    plain = silence_view(_silence("s1"), "am-0", ALERTS)
    assert (plain.ack_by, plain.ack_until_resolved, plain.matching) == (None, False, 2)
    timed = silence_view(_silence("s1", comment="ACK by carol from laptop: on it"), "am-0", ALERTS)
    assert (timed.ack_by, timed.ack_until_resolved) == ("carol", False)
    expired = silence_view(_silence("s1", state="expired", ends=NOW - 60), "am-0", ALERTS)
    assert (expired.state, expired.mutes, expired.matching) == ("expired", 2, 0)
    pending = silence_view(_silence("s9", state="pending"), "am-0", ALERTS)
    assert (pending.mutes, pending.matching) == (0, 2)


def test_silences_are_listed_active_then_pending_then_expired_soonest_end_first() -> None:
    views = [
        silence_view(_silence(sid, state, ends), "am-0", [])
        for sid, state, ends in [
            ("e", "expired", NOW - 10),
            ("p", "pending", NOW + 50),
            ("a2", "active", NOW + 7200),
            ("a1", "active", NOW + 60),
            ("e0", "expired", NOW - 900),
        ]
    ]
    assert [v.id for v in sorted(views, key=_silence_order)] == ["a1", "a2", "p", "e0", "e"]


# The alerts pane's other half: each alert as it is shown, and the pane built from every peer.

SPEC = AlertsSection.model_validate(
    {
        "matchers": ['team="pay"'],
        "entity_type_label": ["agent_type", "job"],
        "entity_instance_label": ["pod", "instance"],
    }
)


def _full(fingerprint: str, labels: dict[str, str], **status: Any) -> Alert:
    return Alert.model_validate(
        {
            "fingerprint": fingerprint,
            "labels": labels,
            "annotations": status.pop("annotations", {}),
            "startsAt": _at(NOW - 60),
            "endsAt": _at(NOW + 240),
            "updatedAt": _at(NOW),
            "receivers": [{"name": r} for r in status.pop("receivers", ())],
            "status": {"state": "active", **status},
        }
    )


def test_an_alert_is_shown_with_its_state_entity_summary_and_silences() -> None:
    ack = silence_view(_silence("s1", comment="ACK by bob from x: on it"), "am-0", [])
    views = {"s1": ack}
    firing = alert_view(
        SPEC,
        _full(
            "f1",
            {
                "alertname": "Down",
                "severity": "page",
                "job": "api",
                "instance": "10.0.0.1:80",
                "pod": "api-1",
            },
            annotations={"description": "the api is down"},
            receivers=("pager", "slack"),
        ),
        "am-1",
        views,
        "eu",
    )
    assert (firing.fingerprint, firing.alertname, firing.severity, firing.state, firing.starts_at) == (
        "f1",
        "Down",
        "page",
        "firing",
        NOW - 60,
    )
    assert (firing.summary, firing.entity, firing.entity_type) == ("the api is down", "api-1", "api")
    assert (firing.receivers, firing.source, firing.cluster, firing.silences) == (
        ("pager", "slack"),
        "am-1",
        "eu",
        (),
    )
    silenced = alert_view(
        SPEC,
        _full(
            "f2", {"team": "pay"}, annotations={"summary": "S", "description": "D"}, silencedBy=["s1", "gone"]
        ),
        "am-0",
        views,
    )
    assert (silenced.alertname, silenced.severity, silenced.state, silenced.summary) == (
        "?",
        "",
        "silenced",
        "S",
    )
    assert (silenced.annotations, silenced.cluster, silenced.labels) == (
        {"summary": "S", "description": "D"},
        "",
        {"team": "pay"},
    )
    assert (silenced.entity, silenced.entity_type, silenced.silenced_by, silenced.silences) == (
        None,
        None,
        ("s1", "gone"),
        (ack,),
    )
    assert silenced.ack == ack
    inhibited = alert_view(SPEC, _full("f3", {"alertname": "X"}, inhibitedBy=["f1"]), "am-0", {})
    assert (inhibited.state, inhibited.inhibited_by, inhibited.summary) == ("inhibited", ("f1",), "")
    both = alert_view(
        SPEC, _full("f4", {"alertname": "X"}, silencedBy=["s1"], inhibitedBy=["f1"]), "am-0", views
    )
    assert both.state == "silenced"
    fresh = alert_view(SPEC, _full("f5", {"alertname": "X"}, state="unprocessed"), "am-0", {})
    assert fresh.state == "unprocessed"


class _Peer:
    """An Alertmanager client as the pane uses it."""

    def __init__(self, name: str, alerts: Any, silences: Any = (), cluster: str | None = None) -> None:
        self.name = name
        self.endpoint = SimpleNamespace(cluster=cluster)
        self._alerts, self._silences = alerts, silences

    async def alerts(self) -> list[Alert]:
        if isinstance(self._alerts, BaseException):
            raise self._alerts
        return list(self._alerts)

    async def silences(self) -> list[Silence]:
        if isinstance(self._silences, BaseException):
            raise self._silences
        return list(self._silences)


def _pane(
    peers: list[_Peer], group_by: tuple[str, ...] = ("alertname",)
) -> tuple[Any, BackendHealth, AlertsPane]:
    pack = QueryPack.model_validate(
        {
            "apiVersion": "opsconsole.dev/v1",
            "kind": "QueryPack",
            "metadata": {"name": "t"},
            "variables": {"team": "pay"},
            "alerts": {"matchers": ['team="$team"'], "group_by": list(group_by)},
        }
    )
    health = BackendHealth()
    backends = BackendSet(alertmanagers=peers)  # type: ignore[arg-type]
    queries = RefreshService("t", pack, backends, clock=lambda: NOW).queries
    pane = AlertsPane(health)
    out = asyncio.run(pane(PaneRun(NOW, RefreshSettings(), queries, backends, None)))
    return out, health, pane


def _names(groups: Any) -> list[tuple[str, str, str]]:
    return sorted((a.alertname, a.source, a.cluster) for g in groups for a in g.alerts)


def test_ha_peers_show_each_alert_once_split_by_the_packs_matchers() -> None:
    pay, ops = _full("f1", {"alertname": "A", "team": "pay"}), _full("f2", {"alertname": "B", "team": "ops"})
    silence = _silence("s1", matchers=[{"name": "team", "value": "pay", "isRegex": False}])
    out, _, pane = _pane([_Peer("am-0", [pay, ops], [silence]), _Peer("am-1", [pay, ops], [silence])])
    assert [(v.id, v.source, v.matching) for v in pane.silences] == [("s1", "am-0", 1)]
    assert _names(out.rows) == [("A", "am-0", "")]
    assert _names(out.extra) == [("B", "am-0", "")]
    assert [g.key for g in out.rows] == [(("alertname", "A"),)]


def test_two_clusters_keep_their_alerts_apart_and_name_them() -> None:
    pay = _full("f1", {"alertname": "A", "team": "pay"})
    out, _, _ = _pane([_Peer("eu-0", [pay], cluster="eu"), _Peer("us-0", [pay], cluster="us")])
    assert _names(out.rows) == [("A", "eu-0", "eu"), ("A", "us-0", "us")]


def test_a_peer_that_fails_is_marked_and_the_others_are_shown() -> None:
    failure = BackendError("alertmanager", FailureKind.CONNECTION_REFUSED, "refused")
    pay = _full("f1", {"alertname": "A", "team": "pay"})
    out, health, _ = _pane([_Peer("am-0", failure, failure), _Peer("am-1", [pay])])
    assert _names(out.rows) == [("A", "am-1", "")]
    assert (set(health.errors), health.ok_at) == ({"alertmanager am-0"}, {"alertmanager am-1": NOW})
    with pytest.raises(BackendError):
        _pane([_Peer("am-0", failure), _Peer("am-1", failure)])


def test_without_an_alertmanager_the_pane_says_so() -> None:
    out, _, _ = _pane([])
    assert (out.rows, out.extra, out.notes) == ([], [], ["no Alertmanager in this context"])


def test_when_every_peer_fails_the_first_peers_error_is_the_panes() -> None:
    first = BackendError("alertmanager", FailureKind.CONNECTION_REFUSED, "am-0 refused")
    second = BackendError("alertmanager", FailureKind.TIMEOUT, "am-1 timed out")
    for peers in ([_Peer("am-0", first)], [_Peer("am-0", first), _Peer("am-1", second)]):
        with pytest.raises(BackendError) as raised:
            _pane(peers)
        assert raised.value is first, len(peers)


def test_the_panes_silences_are_listed_active_first_and_shown_on_the_alerts_they_mute() -> None:
    team = [{"name": "team", "value": "pay", "isRegex": False}]
    expired = _silence("e", state="expired", ends=NOW - 60, matchers=team)
    active = _silence("a", matchers=team)
    muted = _full("f1", {"alertname": "A", "team": "pay"}, silencedBy=["a"])
    out, _, pane = _pane([_Peer("am-0", [muted], [expired, active])])
    assert [(v.id, v.state, v.mutes) for v in pane.silences] == [("a", "active", 1), ("e", "expired", 0)]
    [alert] = [a for group in out.rows for a in group.alerts]
    assert (alert.state, [s.id for s in alert.silences]) == ("silenced", ["a"])


def test_peers_of_one_named_cluster_do_not_name_it_on_each_alert() -> None:
    pay = _full("f1", {"alertname": "A", "team": "pay"})
    out, _, _ = _pane([_Peer("eu-0", [pay], cluster="eu"), _Peer("eu-1", [pay], cluster="eu")])
    assert _names(out.rows) == [("A", "eu-0", "")]
