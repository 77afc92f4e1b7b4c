"""Silences and acks: drafts, the single mutation path, the CLI — against real Alertmanagers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.config import EndpointSettings
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_draft import (
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    matchers_for_alert,
    parse_ack,
    parse_draft_matchers,
    parse_silence_duration,
)
from opsconsole.mutations.silences import SilenceService
from tests.support.http_client import http_client
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.real_servers import RunningAlertmanager, RunningServer, wait_until

ALWAYS = 'alertname="OpsconsoleTestAlwaysFiring"'
DEAD = "http://127.0.0.1:9"


def _draft(matchers: str = ALWAYS, comment: str = "maintenance", minutes: float = 30) -> SilenceDraft:
    now = time.time()
    return SilenceDraft(parse_draft_matchers(matchers), now, now + minutes * 60, "tester", comment)


# -- drafts (pure) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matchers", "comment", "problem"),
    [
        ("", "x", "at least one matcher"),
        ('alertname=~".*"', "x", "must not match the empty string"),
        ('alertname!="Foo"', "x", "must not match the empty string"),  # != matches the empty string too
        (ALWAYS, "  ", "a comment is required"),
    ],
)
def test_drafts_alertmanager_would_refuse_are_refused_first(
    matchers: str, comment: str, problem: str
) -> None:
    draft = _draft(matchers, comment)
    assert any(problem in p for p in draft.problems())
    with pytest.raises(SilenceInvalid, match=problem):
        draft.check()


def test_alert_matchers_pin_identity_labels_only() -> None:
    matchers = matchers_for_alert({"alertname": "Down", "agent_id": "npa-3", "__name__": "ALERTS"})
    assert matchers == (LabelMatcher("agent_id", "=", "npa-3"), LabelMatcher("alertname", "=", "Down"))


def test_ack_comment_round_trips_and_durations_parse() -> None:
    comment = ack_comment("alice@laptop", "opsconsole@bastion", "looking at it")
    assert comment.startswith("ACK by alice@laptop from opsconsole@bastion")
    ack = parse_ack(comment, ends_at=1000 + 12 * 60)
    assert ack is not None
    assert ack.describe(now=1000) == "acked by alice@laptop, 12 min left"
    assert parse_ack("maintenance window", 0) is None
    assert parse_silence_duration("15m") == 900
    assert parse_silence_duration("1d") == 86400
    assert parse_silence_duration("90m") == 5400
    with pytest.raises(SilenceInvalid, match="not a duration"):
        parse_silence_duration("soon")


# -- the mutation path on real Alertmanager -----------------------------------------------------------


def _am_silences(am: RunningAlertmanager) -> list[dict[str, object]]:
    """Every silence, as amtool (an independent client) reports it: active/pending, then expired."""
    out: list[dict[str, object]] = []
    for extra in ((), ("--expired",)):
        text = am.amtool("silence", "query", *extra, "-o", "json").stdout
        out += json.loads(text) if text.strip() else []
    return out


def _state(am: RunningAlertmanager, silence_id: str) -> dict[str, object]:
    return next(s for s in _am_silences(am) if s["id"] == silence_id)


def _suppressed(am: RunningAlertmanager) -> bool:
    alerts = http_client().get(f"{am.url}/api/v2/alerts", params={"filter": ALWAYS}, timeout=10).json()
    return bool(alerts) and all(a["status"]["state"] == "suppressed" for a in alerts)


async def test_create_extend_expire_checked_with_amtool(
    real_alertmanager: RunningAlertmanager, real_prometheus: RunningServer, tmp_path: Path
) -> None:
    am = real_alertmanager
    journal = tmp_path / "mutations.log"
    service = SilenceService([AlertmanagerClient(EndpointSettings(url=am.url))], journal_path=journal)
    try:
        silence_id = await service.create(_draft())
        try:
            assert _state(am, silence_id)["status"] == {"state": "active"}
            wait_until(lambda: _suppressed(am), timeout=10, what="alert suppressed")

            [current] = [s for s in await service.silences() if s.id == silence_id]
            new_end = time.time() + 3 * 3600
            extended_id = await service.create(service.extended(current, new_end))
            # Alertmanager keeps the id when it can update in place; otherwise it expires the old
            # silence and makes a new one. Either way one silence with the same matchers and
            # comment is active, ending at the new time.
            if extended_id != silence_id:
                assert _state(am, silence_id)["status"] == {"state": "expired"}
            extended = _state(am, extended_id)
            assert extended["status"] == {"state": "active"}
            assert extended["comment"] == "maintenance"
            assert extended["matchers"] == _state(am, silence_id)["matchers"]
            ends = datetime.fromisoformat(str(extended["endsAt"]).replace("Z", "+00:00")).timestamp()
            assert abs(ends - new_end) < 2
            silence_id = extended_id
        finally:
            await service.expire(silence_id)
        assert _state(am, silence_id)["status"] == {"state": "expired"}
        wait_until(lambda: not _suppressed(am), timeout=10, what="alert active again")
    finally:
        await service.peers[0].aclose()
    sent = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(e["method"], e["outcome"].split()[0]) for e in sent] == [
        ("POST", "ok"),
        ("POST", "ok"),
        ("DELETE", "ok"),
    ]
    assert sent[0]["body"]["comment"] == "maintenance"


async def test_alertmanagers_own_refusal_is_shown_verbatim(real_alertmanager: RunningAlertmanager) -> None:
    service = SilenceService([AlertmanagerClient(EndpointSettings(url=real_alertmanager.url))])
    # The matcher parser refuses this regex as Alertmanager does (Go's RE2 has no lookaround); made
    # directly, past the parser, it stands for whatever else only Alertmanager refuses.
    now = time.time()
    regex = LabelMatcher("alertname", "=~", "(?=x)Opsconsole.*")
    draft = SilenceDraft((LabelMatcher("team", "=", "x"), regex), now, now + 1800, "tester", "maintenance")
    try:
        with pytest.raises(BackendError) as caught:
            await service.create(draft)
    finally:
        await service.peers[0].aclose()
    assert caught.value.status == 400
    assert "regex" in caught.value.message.lower() or "invalid" in caught.value.message.lower()
    assert service.journal[-1]["outcome"].startswith("error: ")


async def test_read_only_sends_nothing() -> None:
    with scripted_server(lambda _: Reply(200, b"{}")) as server:
        service = SilenceService([AlertmanagerClient(EndpointSettings(url=server.url))], read_only=True)
        try:
            with pytest.raises(ReadOnlyViolation, match="nothing was sent"):
                await service.create(_draft())
            with pytest.raises(ReadOnlyViolation):
                await service.expire("00000000-0000-0000-0000-000000000000")
        finally:
            await service.peers[0].aclose()
    assert server.received == []
    assert [e["outcome"] for e in service.journal] == ["refused: this context is read-only"] * 2


async def test_an_unreachable_peer_alone_is_a_clear_error() -> None:
    service = SilenceService([AlertmanagerClient(EndpointSettings(url=DEAD))])
    try:
        with pytest.raises(BackendError) as caught:
            await service.create(_draft())
    finally:
        await service.peers[0].aclose()
    assert caught.value.kind == FailureKind.CONNECTION_REFUSED


async def test_ha_pair_skips_a_dead_peer_and_the_silence_reaches_both(
    am_cluster: tuple[RunningAlertmanager, RunningAlertmanager],
) -> None:
    first, second = am_cluster
    peers = [AlertmanagerClient(EndpointSettings(url=u)) for u in (DEAD, first.url)]
    service = SilenceService(peers)
    try:
        silence_id = await service.create(_draft('alertname="HaTest"', "ha test"))
        wait_until(
            lambda: any(s["id"] == silence_id for s in _am_silences(second)),
            timeout=20,
            what="silence gossiped to the second peer",
        )
        assert [e["outcome"].split(":")[0] for e in service.journal] == ["error", "ok " + silence_id]
        await service.expire(silence_id)
        wait_until(
            lambda: _state(second, silence_id)["status"] == {"state": "expired"},
            timeout=20,
            what="expiry gossiped",
        )
    finally:
        for peer in peers:
            await peer.aclose()


async def test_a_create_whose_answer_was_lost_is_not_made_twice_on_failover(
    am_cluster: tuple[RunningAlertmanager, RunningAlertmanager],
) -> None:
    """The first peer takes the silence but its answer never comes back (a timeout). Trying the
    next peer blindly would make a second silence: it is looked up there first, and reused."""
    first, second = am_cluster
    timeout = 1.0

    def takes_it_then_hangs(request: Received) -> Reply:
        if request.method == "POST":
            headers = {"Content-Type": "application/json"}
            http_client().post(
                f"{first.url}{request.path}", content=request.body, headers=headers, timeout=10
            ).raise_for_status()
            return Reply(200, b"{}", delay=timeout * 5)  # longer than the client waits
        return Reply(404, b"")

    with scripted_server(takes_it_then_hangs) as lossy:
        peers = [
            AlertmanagerClient(EndpointSettings(url=lossy.url, name="lossy", timeout=timeout)),
            AlertmanagerClient(EndpointSettings(url=second.url)),
        ]
        service = SilenceService(peers)
        comment = f"lost answer {time.time()}"
        try:
            silence_id = await service.create(_draft('alertname="LostAnswerTest"', comment))
        finally:
            for peer in peers:
                await peer.aclose()
    made = [s for s in _am_silences(second) if s["comment"] == comment]
    assert [s["id"] for s in made] == [silence_id]
    assert [e["outcome"] for e in service.journal] == [
        f"error: timeout: no answer within {timeout:g}s",
        f"ok {silence_id}",
    ]
    http_client().delete(f"{second.url}/api/v2/silence/{silence_id}", timeout=10)


# -- the CLI ----------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opsconsole", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_ack_pins_the_alert_and_is_recognisable(
    real_alertmanager: RunningAlertmanager, real_prometheus: RunningServer
) -> None:
    am = real_alertmanager
    alerts = http_client().get(f"{am.url}/api/v2/alerts", params={"filter": ALWAYS}, timeout=10).json()
    fingerprint = alerts[0]["fingerprint"]
    result = _cli("ack", fingerprint, "--alertmanager", am.url, "--author", "bob", "--json")
    assert result.returncode == 0, result.stderr
    silence_id = json.loads(result.stdout)["silenceID"]
    try:
        silence = _state(am, silence_id)
        assert str(silence["comment"]).startswith("ACK by bob from opsconsole@")
        assert {
            "name": "alertname",
            "value": "OpsconsoleTestAlwaysFiring",
            "isRegex": False,
            "isEqual": True,
        } in (
            silence["matchers"]  # type: ignore[operator]
        )
        wait_until(lambda: _suppressed(am), timeout=10, what="acked alert suppressed")
        listed = _cli("silence", "list", "--alertmanager", am.url)
        assert silence_id in listed.stdout
        assert "ACK by bob" in listed.stdout
    finally:
        expired = _cli("silence", "expire", silence_id, "--alertmanager", am.url)
        assert expired.returncode == 0, expired.stderr


def test_cli_refusals_say_why(real_alertmanager: RunningAlertmanager) -> None:
    am = real_alertmanager
    bad_syntax = _cli("silence", "add", "alertname=", "--comment", "x", "--alertmanager", am.url)
    assert bad_syntax.returncode == 2
    assert "refused before sending" in bad_syntax.stderr
    everything = _cli("silence", "add", 'alertname=~".*"', "--comment", "x", "--alertmanager", am.url)
    assert everything.returncode == 2
    assert "empty string" in everything.stderr
    before = len(_am_silences(am))
    read_only = _cli("silence", "add", ALWAYS, "--comment", "x", "--alertmanager", am.url, "--read-only")
    assert read_only.returncode == 1
    assert "read-only" in read_only.stderr
    assert len(_am_silences(am)) == before
    dead = _cli("silence", "add", ALWAYS, "--comment", "x", "--alertmanager", DEAD)
    assert dead.returncode == 1
    assert "connection refused" in dead.stderr
    dry = _cli("silence", "add", ALWAYS, "--comment", "x", "--alertmanager", am.url, "--dry-run")
    assert dry.returncode == 0
    assert "POST /api/v2/silences" in dry.stdout
    assert "would mute 1 of" in dry.stdout
    assert len(_am_silences(am)) == before
