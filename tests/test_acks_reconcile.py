"""Acks that end when their alert resolves, on a real Alertmanager.

The alerts are posted to Alertmanager the way Prometheus does (and resolved the way it does: the
same labels with an end in the past). The reconciler's clock is moved by hand, so the grace period
is crossed without waiting five minutes; Alertmanager's own state is real.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.cli import main
from opsconsole.commands.snapshot import as_json, as_text
from opsconsole.config import EndpointSettings
from opsconsole.core.ack_state import AckSilence, plan_reconcile
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.dashboard import AlertGroupView, AlertView, Dashboard, SilenceView
from opsconsole.core.silence_draft import ack_comment, parse_ack
from opsconsole.core.wallboard_figures import acked
from opsconsole.mutations.ack_reconcile import AckReconciler, load_state, reconcile_acks
from opsconsole.mutations.silences import SilenceService
from opsconsole.ui.cells import alert_cells
from opsconsole.ui.themes import load_themes
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, start_alertmanager, wait_until
from tests.support.recording_proxy import recording_proxy

GRACE = 300.0


@pytest.fixture(scope="module")
def am(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAlertmanager]:
    """An Alertmanager of our own: these tests resolve alerts, which others must not see."""
    server = start_alertmanager(tmp_path_factory.mktemp("am-acks"))
    try:
        yield server
    finally:
        server.stop()


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _labels(name: str) -> dict[str, str]:
    return {"alertname": name, "severity": "critical", "instance": f"{name.lower()}-1"}


def _fire(am: RunningAlertmanager, name: str) -> str:
    now = datetime.now(UTC)
    body = [{"labels": _labels(name), "startsAt": _iso(now), "endsAt": _iso(now + timedelta(hours=1))}]
    http_client().post(f"{am.url}/api/v2/alerts", json=body, timeout=10).raise_for_status()
    wait_until(lambda: _fingerprint(am, name), timeout=20, what=f"{name} in Alertmanager")
    return _fingerprint(am, name)


def _resolve(am: RunningAlertmanager, name: str) -> None:
    """What Prometheus sends when a rule stops firing: the labels with an end in the past."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    body = [{"labels": _labels(name), "startsAt": _iso(past - timedelta(minutes=5)), "endsAt": _iso(past)}]
    http_client().post(f"{am.url}/api/v2/alerts", json=body, timeout=10).raise_for_status()
    wait_until(lambda: not _fingerprint(am, name), timeout=20, what=f"{name} resolved")


def _fingerprint(am: RunningAlertmanager, name: str) -> str:
    alerts = http_client().get(f"{am.url}/api/v2/alerts", timeout=10).json()
    return next((str(a["fingerprint"]) for a in alerts if a["labels"]["alertname"] == name), "")


def _silence(am: RunningAlertmanager, silence_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = http_client().get(f"{am.url}/api/v2/silence/{silence_id}", timeout=10).json()
    return answer


def _state(am: RunningAlertmanager, silence_id: str) -> str:
    return str(_silence(am, silence_id)["status"]["state"])


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _ack(capsys: pytest.CaptureFixture[str], am: RunningAlertmanager, fingerprint: str, *extra: str) -> str:
    code, out, err = _run(
        capsys, "ack", fingerprint, "--alertmanager", am.url, "--author", "alice", "--json", *extra
    )
    assert code == 0, err
    return str(json.loads(out)["silenceID"])


class Clock:
    """The reconciler's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _service(am: RunningAlertmanager, clock: Clock, journal: Path, read_only: bool = False) -> SilenceService:
    peer = AlertmanagerClient(EndpointSettings(url=am.url), read_only=read_only)
    return SilenceService([peer], read_only=read_only, journal_path=journal, clock=clock)


def _pass(service: SilenceService, state: Path) -> dict[str, str]:
    """One reconcile pass; the action taken for each ack, by silence id."""

    async def once() -> dict[str, str]:
        try:
            outcomes = await reconcile_acks(service, GRACE, state)
        finally:
            for peer in service.peers:
                await peer.aclose()
        assert not any(o.error for o in outcomes), [o.error for o in outcomes]
        return {d.silence.id: d.action for o in outcomes for d in o.decisions}

    return asyncio.run(once())


# -- the ack itself ---------------------------------------------------------------------------------


def test_an_until_resolved_ack_is_pinned_capped_and_marked(
    am: RunningAlertmanager, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fingerprint = _fire(am, "CapCheck")
    silence_id = _ack(capsys, am, fingerprint, "--until-resolved")
    silence = _silence(am, silence_id)
    assert silence["comment"].startswith("ACK by alice from opsconsole@")
    assert parse_ack(silence["comment"], 0.0).until_resolved  # type: ignore[union-attr]
    pinned = {m["name"]: m["value"] for m in silence["matchers"]}
    assert pinned == _labels("CapCheck")
    ends = datetime.fromisoformat(silence["endsAt"].replace("Z", "+00:00")).timestamp()
    assert abs(ends - time.time() - 24 * 3600) < 120  # the default cap
    # The cap and the default come from the config: ack_until_resolved makes a plain `ack` one.
    config = tmp_path / "config.yaml"
    config.write_text(
        f"ack_until_resolved: true\nack_cap: 2h\ncontexts: {{c: {{alertmanagers: [{{url: '{am.url}'}}]}}}}\n"
    )
    code, out, err = _run(capsys, "--config", str(config), "ack", fingerprint, "--author", "bob", "--json")
    assert code == 0, err
    second = _silence(am, json.loads(out)["silenceID"])
    assert parse_ack(second["comment"], 0.0).until_resolved  # type: ignore[union-attr]
    ends = datetime.fromisoformat(second["endsAt"].replace("Z", "+00:00")).timestamp()
    assert abs(ends - time.time() - 2 * 3600) < 120
    # --duration still makes a timed ack under that default.
    code, out, err = _run(capsys, "--config", str(config), "ack", fingerprint, "--duration", "10m", "--json")
    assert code == 0, err
    timed = _silence(am, json.loads(out)["silenceID"])
    assert not parse_ack(timed["comment"], 0.0).until_resolved  # type: ignore[union-attr]


# -- reconciling ------------------------------------------------------------------------------------


def test_an_ack_ends_once_its_alert_has_been_resolved_for_the_grace(
    am: RunningAlertmanager, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fingerprint = _fire(am, "Resolves")
    ack = _ack(capsys, am, fingerprint, "--until-resolved")
    timed = _ack(capsys, am, fingerprint, "--duration", "1h")
    clock, state, journal = Clock(), tmp_path / "acks.json", tmp_path / "mutations.log"
    assert _pass(_service(am, clock, journal), state)[ack] == "keep"
    _resolve(am, "Resolves")
    assert _pass(_service(am, clock, journal), state)[ack] == "wait"
    clock.now += GRACE - 10
    assert _pass(_service(am, clock, journal), state)[ack] == "wait"
    assert _state(am, ack) == "active"
    clock.now += 10
    assert _pass(_service(am, clock, journal), state)[ack] == "expire"
    assert _state(am, ack) == "expired"
    # A timed ack is not this reconciler's business: it ends at its own end.
    assert _state(am, timed) == "active"
    entry = json.loads(journal.read_text().splitlines()[-1])
    assert entry["method"] == "DELETE" and entry["path"] == f"api/v2/silence/{ack}"
    assert entry["outcome"] == "ok" and "Resolves" in entry["reason"] and "resolved 5m ago" in entry["reason"]
    assert load_state(state) == ({}, "")  # nothing left to wait for


def test_a_flapping_alert_keeps_its_ack_while_it_returns_within_the_grace(
    am: RunningAlertmanager, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fingerprint = _fire(am, "Flaps")
    ack = _ack(capsys, am, fingerprint, "--until-resolved")
    clock, state, journal = Clock(), tmp_path / "acks.json", tmp_path / "mutations.log"
    _resolve(am, "Flaps")
    assert _pass(_service(am, clock, journal), state)[ack] == "wait"
    clock.now += GRACE - 60
    _fire(am, "Flaps")  # back within the grace
    assert _pass(_service(am, clock, journal), state)[ack] == "keep"
    _resolve(am, "Flaps")
    clock.now += 120  # past the first absence's grace, but the grace runs from the second
    assert _pass(_service(am, clock, journal), state)[ack] == "wait"
    assert _state(am, ack) == "active"
    clock.now += GRACE
    assert _pass(_service(am, clock, journal), state)[ack] == "expire"
    assert _state(am, ack) == "expired"


def test_one_shot_runs_share_the_state_file_like_a_cronjob(
    am: RunningAlertmanager, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fingerprint = _fire(am, "Cron")
    ack = _ack(capsys, am, fingerprint, "--until-resolved")
    _resolve(am, "Cron")
    state = tmp_path / "state.json"
    argv = ["acks", "reconcile", "--alertmanager", am.url, "--state-file", str(state)]
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    assert f"wait {ack}" in out and "expires in" in out
    recorded = load_state(state)[0][ack]
    # A second run keeps the first sighting (the grace does not restart).
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    assert load_state(state)[0][ack] == recorded
    mine = [a for a in json.loads(out)["clusters"][0]["acks"] if a["silence_id"] == ack]
    assert [a["action"] for a in mine] == ["wait"]
    # With --grace 0 it ends at once; the default state file lives in the (test's own) XDG state dir.
    code, out, err = _run(capsys, "acks", "reconcile", "--alertmanager", am.url, "--grace", "0")
    assert code == 0, err
    assert f"expired {ack}" in out
    assert _state(am, ack) == "expired"


def test_a_read_only_context_sends_nothing(
    am: RunningAlertmanager, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fingerprint = _fire(am, "ReadOnly")
    ack = _ack(capsys, am, fingerprint, "--until-resolved")
    _resolve(am, "ReadOnly")
    with recording_proxy(am.url) as proxy:
        code, _, err = _run(
            capsys, "--read-only", "acks", "reconcile", "--alertmanager", proxy.url, "--grace", "0"
        )
        assert code == 1
        assert "read-only" in err and f"NOT expired {ack}" in err
        assert proxy.writes() == []
        assert proxy.seen  # it did look
    assert _state(am, ack) == "active"


# -- the decision alone -----------------------------------------------------------------------------


def test_the_plan_keeps_waits_and_expires_by_the_first_absence() -> None:
    ack = AckSilence("s1", (LabelMatcher("alertname", "=", "A"),), "alice")
    other = {"alertname": "B"}
    first = plan_reconcile([ack], [other], {}, now=1000.0, grace=GRACE)
    assert [d.action for d in first.decisions] == ["wait"] and first.state == {"s1": 1000.0}
    assert plan_reconcile([ack], [other], first.state, 1000.0 + GRACE - 1, GRACE).state == {"s1": 1000.0}
    assert plan_reconcile([ack], [other], first.state, 1000.0 + GRACE, GRACE).to_expire == [ack]
    back = plan_reconcile([ack], [{"alertname": "A"}], first.state, 1000.0 + GRACE, GRACE)
    assert [d.action for d in back.decisions] == ["keep"] and back.state == {}


def test_the_marker_is_before_the_note() -> None:
    assert parse_ack(ack_comment("a", "h", "x", until_resolved=True), 0.0).until_resolved  # type: ignore[union-attr]
    assert not parse_ack(ack_comment("a", "h", "until resolved"), 0.0).until_resolved  # type: ignore[union-attr]


# -- one text for console, wallboard and --json ------------------------------------------------------


def _acked_board(until_resolved: bool) -> Dashboard:
    now = 100_000.0
    ack = SilenceView(
        id="s-1",
        state="active",
        matchers='alertname="AgentDown"',
        created_by="alice",
        comment=ack_comment("alice", "opsconsole@h", until_resolved=until_resolved),
        starts_at=now - 12 * 60,
        ends_at=now + 3 * 60,
        ack_by="alice",
        ack_until_resolved=until_resolved,
    )
    alert = AlertView(
        fingerprint="f1",
        alertname="AgentDown",
        severity="critical",
        state="silenced",
        starts_at=now - 3600,
        summary="down",
        labels={"alertname": "AgentDown"},
        annotations={},
        entity="npa-3",
        silenced_by=("s-1",),
        silences=(ack,),
    )
    return Dashboard("c", "p", now, 900, alerts=[AlertGroupView((("alertname", "AgentDown"),), (alert,))])


@pytest.mark.parametrize(
    ("until_resolved", "text"),
    [(True, "ACK alice 12m · until resolved"), (False, "ACK alice 12m · 3m left")],
)
def test_console_wallboard_and_json_say_who_and_for_how_long_alike(until_resolved: bool, text: str) -> None:
    board = _acked_board(until_resolved)
    alert = board.alerts[0].alerts[0]
    console = alert_cells(alert, load_themes()[0]["dark"], board.now)[4].plain
    [(_, wallboard)] = acked(board)
    snapshot = as_json(board)["alerts"][0]["alerts"][0]["ack"]
    assert console == wallboard.text(board.now) == snapshot["text"] == text
    assert snapshot["by"] == "alice" and snapshot["acked_for_seconds"] == 720
    assert snapshot["until_resolved"] is until_resolved
    assert f"[{text}]" in as_text(board)


def test_a_console_with_write_access_ends_them_and_a_read_only_one_never_asks(
    am: RunningAlertmanager, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fingerprint = _fire(am, "Console")
    ack = _ack(capsys, am, fingerprint, "--until-resolved")
    _resolve(am, "Console")
    clock, journal = Clock(), tmp_path / "mutations.log"
    reconciler = AckReconciler(grace=0.0, state_path=tmp_path / "acks.json")
    with recording_proxy(am.url) as proxy:
        read_only = _service(_proxied(proxy.url), clock, journal, read_only=True)
        assert asyncio.run(reconciler.run(read_only)) == []
        assert proxy.seen == []  # a read-only console does not even look
    assert _state(am, ack) == "active"
    outcomes = asyncio.run(reconciler.run(_service(am, clock, journal)))
    assert ack in [i for o in outcomes for i in o.expired]
    assert _state(am, ack) == "expired"


def _proxied(url: str) -> RunningAlertmanager:
    """Something with a ``url`` for :func:`_service`: the proxy in front of the Alertmanager."""
    return type("Proxied", (), {"url": url})()  # type: ignore[return-value]
