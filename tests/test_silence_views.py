"""A silence as the alerts pane shows it, in process: its matchers as a filter, who acked and until
when, how many current alerts it mutes and how many it matches (none once expired), and the
silences listed active first, then pending, then expired, each soonest-ending first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opsconsole.backends.alertmanager_models import Alert, Silence
from opsconsole.refresh.panes.alerts import _silence_order, silence_view

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
