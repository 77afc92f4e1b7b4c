"""How backends are named in the header and the wallboard's stale banner, and what that banner
lists (pure functions; the wallboard suites draw them)."""

from __future__ import annotations

from opsconsole.core.backend_labels import backend_labels, peer_name
from opsconsole.core.dashboard import AlertGroupView, AlertView, BackendStatus, Dashboard, SilenceView
from opsconsole.core.wallboard_figures import acked, firing, stale_backends

PROM = BackendStatus("prometheus", "prometheus", "http://p:9090", last_success=100.0)
LOKI = BackendStatus("loki", "loki", "http://l:3100", last_success=None)
AM0 = BackendStatus("alertmanager am-0", "alertmanager", "http://a0:9093", last_success=100.0)
AM1 = BackendStatus("alertmanager 10.0.4.2:9093", "alertmanager", "http://a1:9093", last_success=40.0)


def test_one_alertmanager_is_just_am() -> None:
    assert backend_labels([PROM, AM0, LOKI]) == ["prometheus", "am", "loki"]
    assert backend_labels([PROM, AM0, LOKI], short=True) == ["P", "A", "L"]
    assert backend_labels([AM0], long=True) == ["alertmanager"]


def test_every_peer_of_several_is_named() -> None:
    assert backend_labels([AM0, PROM, AM1]) == ["am am-0", "prometheus", "am 10.0.4.2:9093"]
    assert backend_labels([AM0, PROM, AM1], short=True) == ["A1", "P", "A2"]
    assert backend_labels([AM0, AM1], long=True) == ["alertmanager am-0", "alertmanager 10.0.4.2:9093"]


def test_a_peer_name_is_its_own_part_and_only_alertmanagers_have_one() -> None:
    assert peer_name(AM0) == "am-0"
    assert peer_name(PROM) == ""
    hostile = BackendStatus("alertmanager \x1b]52;c;eA==\x07am-9", "alertmanager", "http://x")
    assert "\x1b" not in peer_name(hostile) and peer_name(hostile).endswith("am-9")


def _board(backends: list[BackendStatus], alerts: list[AlertView] = ()) -> Dashboard:  # type: ignore[assignment]
    groups = [AlertGroupView((("alertname", a.alertname),), (a,)) for a in alerts]
    return Dashboard("ctx", "pack", 0.0, 3600.0, backends=list(backends), alerts=groups)


def test_the_stale_banner_lists_backends_silent_for_the_limit_or_longer() -> None:
    board = _board([PROM, AM0, AM1, LOKI])
    assert stale_backends(board, now=159.0, limit_seconds=60.0, started=100.0) == [
        "alertmanager 10.0.4.2:9093 for 1m",
    ]
    # At exactly the limit it is stale; a backend that never answered counts from the start.
    assert stale_backends(board, now=160.0, limit_seconds=60.0, started=100.0) == [
        "prometheus for 1m",
        "alertmanager am-0 for 1m",
        "alertmanager 10.0.4.2:9093 for 2m",
        "loki for 1m",
    ]
    assert stale_backends(board, now=160.0, limit_seconds=60.0, started=150.0)[-1] == (
        "alertmanager 10.0.4.2:9093 for 2m"
    )


def _alert(name: str, severity: str, state: str, starts: float) -> AlertView:
    return AlertView(name, name, severity, state, starts, "", {}, {})  # type: ignore[arg-type]


def test_the_wallboard_lists_firing_alerts_worst_severity_then_oldest() -> None:
    alerts = [
        _alert("w-new", "warning", "firing", 50.0),
        _alert("c-silenced", "critical", "silenced", 1.0),
        _alert("odd", "page-me", "firing", 1.0),  # an unknown severity goes last
        _alert("w-old", "warning", "firing", 10.0),
        _alert("c", "critical", "firing", 90.0),
        _alert("i", "info", "firing", 5.0),
        _alert("e", "error", "firing", 80.0),
        _alert("c-inhibited", "critical", "inhibited", 1.0),
    ]
    assert [a.fingerprint for a in firing(_board([], alerts))] == ["c", "e", "w-old", "w-new", "i", "odd"]


def _silence(sid: str, ack_by: str | None, starts: float = 0.0) -> SilenceView:
    return SilenceView(sid, "active", 'alertname="x"', "bob", "why", starts, starts + 600.0, ack_by=ack_by)


def _muted(name: str, severity: str, starts: float, *silences: SilenceView) -> AlertView:
    return AlertView(name, name, severity, "silenced", starts, "", {}, {}, silences=silences)


def test_the_wallboard_lists_acked_alerts_with_their_ack_worst_severity_then_oldest() -> None:
    ack_w_old = _silence("s-w-old", "alice", 20.0)
    alerts = [
        _muted("w-new", "warning", 50.0, _silence("s-w-new", "carol")),
        _muted("plain", "critical", 1.0, _silence("s-p", None)),  # an ordinary silence: no ack
        _muted("w-old", "warning", 10.0, _silence("s-0", None), ack_w_old),
        _alert("c-firing", "critical", "firing", 1.0),
        _muted("c", "critical", 90.0, _silence("s-c", "dave")),
    ]
    listed = acked(_board([], alerts))
    assert [(a.fingerprint, facts.by, facts.silence_id) for a, facts in listed] == [
        ("c", "dave", "s-c"),
        ("w-old", "alice", "s-w-old"),  # the ack, not the ordinary silence before it
        ("w-new", "carol", "s-w-new"),
    ]
    assert (listed[1][1].since, listed[1][1].until) == (20.0, 620.0)
    assert acked(_board([], alerts[1:2] + alerts[3:4])) == []
