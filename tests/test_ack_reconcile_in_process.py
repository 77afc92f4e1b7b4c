"""``acks reconcile`` in process: every decision, expiry, failure and state-file rule of
``opsconsole/mutations/ack_reconcile.py``, against an Alertmanager v2 fake that answers in the real
server's shapes over httpx's mock transport (``tests/support/fake_alertmanager.py``).

``tests/test_acks_reconcile.py`` proves the same path on a real Alertmanager; these run in
milliseconds, so the mutation run (``benchmarks/mutation_kill_rate.py --areas mutations``) can run
them for every mutant.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.core.ack_state import AckSilence
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_draft import ack_comment
from opsconsole.mutations.ack_reconcile import (
    AckReconciler,
    ClusterOutcome,
    ack_silence,
    default_state_path,
    describe_ack,
    load_state,
    reconcile_acks,
    save_state,
)
from opsconsole.mutations.silences import SilenceService
from tests.support.fake_alertmanager import FakeAlertmanager, FakeSilence, matcher

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
GRACE = 300.0
ACK_A = "5b72dd9e-d16d-4ce6-89d8-c151306b0001"
ACK_B = "5b72dd9e-d16d-4ce6-89d8-c151306b0002"
TIMED = "5b72dd9e-d16d-4ce6-89d8-c151306b0003"
PLAIN = "5b72dd9e-d16d-4ce6-89d8-c151306b0004"


class Clock:
    """The one clock of the fake Alertmanager and the reconciler, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def _labels(name: str) -> dict[str, str]:
    return {"alertname": name, "instance": f"{name.lower()}-1", "severity": "critical"}


def _ack(
    am: FakeAlertmanager, silence_id: str, alertname: str, who: str = "alice", *, until_resolved: bool = True
) -> FakeSilence:
    """An ack as ``opsconsole ack`` makes it: pinned to the alert's labels, the marker in the comment."""
    return am.add_silence(
        FakeSilence(
            silence_id,
            [matcher("alertname", alertname), matcher("instance", f"{alertname.lower()}-1")],
            NOW - 600,
            NOW + 24 * 3600,
            who,
            ack_comment(who, "opsconsole@laptop", until_resolved=until_resolved),
        )
    )


def _service(*peers_of: FakeAlertmanager, clock: Clock, read_only: bool = False) -> SilenceService:
    peers = [am.peer(f"am-{i}", read_only=read_only) for i, am in enumerate(peers_of)]
    return SilenceService(
        peers, read_only=read_only, read_only_reason="context prod is read-only", clock=clock
    )


def _actions(outcomes: list[ClusterOutcome]) -> dict[str, str]:
    return {d.silence.id: d.action for o in outcomes for d in o.decisions}


# -- one ack through its life ------------------------------------------------------------------------


async def test_an_ack_is_kept_while_its_alert_fires_then_waits_the_grace_then_is_expired(
    tmp_path: Path,
) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    am.fire(_labels("DiskFull"))
    _ack(am, ACK_A, "DiskFull")
    state = tmp_path / "acks.json"
    service = _service(am, clock=clock)

    first = await reconcile_acks(service, GRACE, state)
    [decision] = first[0].decisions
    assert (decision.action, decision.resolved_since, decision.reason) == (
        "keep",
        None,
        "its alert is active",
    )
    assert load_state(state) == ({}, "")

    am.resolve("DiskFull")
    clock.now += 30
    waiting = await reconcile_acks(service, GRACE, state)
    assert [(d.action, d.resolved_since) for d in waiting[0].decisions] == [("wait", NOW + 30)]
    assert waiting[0].decisions[0].reason == "its alert resolved 0s ago; expires in 5m unless it fires"
    assert load_state(state) == ({ACK_A: NOW + 30}, "")

    clock.now += GRACE - 1  # one second short: the first absence is remembered, not restarted
    assert _actions(await reconcile_acks(service, GRACE, state)) == {ACK_A: "wait"}
    assert load_state(state) == ({ACK_A: NOW + 30}, "")
    assert am.writes() == []

    clock.now += 1
    [outcome] = await reconcile_acks(service, GRACE, state)
    [decision] = outcome.decisions
    assert (decision.action, decision.resolved_since) == ("expire", NOW + 30)
    assert outcome.expired == [ACK_A] and outcome.failed == {} and outcome.error == ""
    assert am.writes() == [("DELETE", f"/api/v2/silence/{ACK_A}")]
    assert am.state_of(ACK_A) == "expired"
    assert load_state(state) == ({}, "")  # nothing left to wait for
    # The journal says which ack, whose, and why, in the reconciler's own words.
    [entry] = service.journal
    assert entry["method"] == "DELETE" and entry["path"] == f"api/v2/silence/{ACK_A}"
    assert entry["peer"] == "am-0" and entry["outcome"] == "ok"
    assert entry["reason"] == (
        'acks reconcile: DiskFull{instance="diskfull-1"} (ACK alice): its alert resolved 5m ago (grace 5m)'
    )


async def test_an_alert_back_within_the_grace_keeps_its_ack_and_forgets_the_absence(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Flaps")
    state = tmp_path / "acks.json"
    service = _service(am, clock=clock)
    assert _actions(await reconcile_acks(service, GRACE, state)) == {ACK_A: "wait"}
    clock.now += GRACE - 1
    am.fire(_labels("Flaps"))
    assert _actions(await reconcile_acks(service, GRACE, state)) == {ACK_A: "keep"}
    assert load_state(state) == ({}, "")
    am.resolve("Flaps")
    clock.now += GRACE  # past the first absence's grace; the grace runs from the second
    assert _actions(await reconcile_acks(service, GRACE, state)) == {ACK_A: "wait"}
    assert am.writes() == []


async def test_the_ack_silencing_its_own_alert_does_not_hide_it(tmp_path: Path) -> None:
    """Alertmanager lists a silenced alert as ``suppressed`` with the ack in ``silencedBy``: present."""
    clock = Clock()
    am = FakeAlertmanager(clock)
    am.fire(_labels("Muted"))
    _ack(am, ACK_A, "Muted")
    outcomes = await reconcile_acks(_service(am, clock=clock), 0.0, tmp_path / "acks.json")
    assert _actions(outcomes) == {ACK_A: "keep"}
    assert am.writes() == []


async def test_only_active_until_resolved_acks_are_the_reconcilers(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    _ack(am, TIMED, "Gone", until_resolved=False)  # a timed ack ends at its own end
    am.add_silence(FakeSilence(PLAIN, [matcher("alertname", "Gone")], NOW - 60, NOW + 3600))
    expired = _ack(am, ACK_B, "Gone")
    expired.ends_at = NOW - 1
    pending = _ack(am, "5b72dd9e-d16d-4ce6-89d8-c151306b0005", "Gone")
    pending.starts_at = NOW + 60
    outcomes = await reconcile_acks(_service(am, clock=clock), 0.0, tmp_path / "acks.json")
    assert _actions(outcomes) == {ACK_A: "expire"}
    assert am.writes() == [("DELETE", f"/api/v2/silence/{ACK_A}")]


async def test_every_due_ack_of_a_pass_is_expired_not_only_the_first(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    am.fire(_labels("Stays"))
    _ack(am, ACK_A, "GoneA", "alice")
    _ack(am, "5b72dd9e-d16d-4ce6-89d8-c151306b0009", "Stays", "carol")
    _ack(am, ACK_B, "GoneB", "bob")
    [outcome] = await reconcile_acks(_service(am, clock=clock), 0.0, tmp_path / "acks.json")
    assert sorted(outcome.expired) == [ACK_A, ACK_B]
    assert sorted(am.writes()) == [
        ("DELETE", f"/api/v2/silence/{ACK_A}"),
        ("DELETE", f"/api/v2/silence/{ACK_B}"),
    ]


# -- the state file ------------------------------------------------------------------------------------


async def test_the_state_file_keeps_the_first_absence_and_drops_acks_no_longer_waiting(
    tmp_path: Path,
) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    state = tmp_path / "acks.json"
    save_state(state, {ACK_A: NOW - 100, "an-ack-long-gone": NOW - 50})
    [outcome] = await reconcile_acks(_service(am, clock=clock), GRACE, state)
    [decision] = outcome.decisions
    assert (decision.action, decision.resolved_since) == ("wait", NOW - 100)
    assert decision.reason == "its alert resolved 1m ago; expires in 3m unless it fires"
    assert load_state(state) == ({ACK_A: NOW - 100}, "")


async def test_without_a_state_file_each_pass_starts_the_grace_afresh(
    tmp_path: Path, isolated_home: Path
) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    service = _service(am, clock=clock)
    assert _actions(await reconcile_acks(service, GRACE)) == {ACK_A: "wait"}
    clock.now += GRACE
    assert _actions(await reconcile_acks(service, GRACE)) == {ACK_A: "wait"}
    assert am.writes() == []
    assert not default_state_path().exists()
    assert [p for p in isolated_home.rglob("*") if p.is_file()] == []


def test_the_state_lives_in_the_xdg_state_dir(isolated_home: Path) -> None:
    assert default_state_path() == isolated_home / ".local" / "state" / "opsconsole" / "acks-resolved.json"


def test_a_missing_state_file_is_a_first_run_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "acks.json"
    assert load_state(path) == ({}, "")
    path.write_text("{not json", encoding="utf-8")
    state, note = load_state(path)
    assert state == {}
    assert note.startswith(f"{path}: unreadable (") and note.endswith("); grace periods start now")
    for wrong in ('["a"]', '{"resolved_since": [1]}', '{"other": {}}'):
        path.write_text(wrong, encoding="utf-8")
        assert load_state(path) == ({}, f"{path}: not an acks state file; grace periods start now")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    state, note = load_state(folder)
    assert state == {} and note.startswith(f"{folder}: unreadable (")


def test_a_state_file_keeps_its_times_as_floats(tmp_path: Path) -> None:
    path = tmp_path / "acks.json"
    path.write_text(json.dumps({"resolved_since": {"a": 5, "b": 6.5, "7": 8}}), encoding="utf-8")
    state, note = load_state(path)
    assert note == ""
    assert state == {"a": 5.0, "b": 6.5, "7": 8.0}
    assert all(type(v) is float for v in state.values())


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("true", "true"),  # bool is an int in Python: it was read as the time 1.0
        ("false", "false"),
        ('"7"', '"7"'),
        ("null", "null"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        pytest.param("1" + "0" * 400, "1" + "0" * 38 + "…", id="an-int-too-large-for-a-float"),
        ("[1]", "[1]"),
    ],
)
def test_a_hand_edited_state_file_with_anything_but_a_time_is_refused_whole_and_said(
    tmp_path: Path, written: str, shown: str
) -> None:
    path = tmp_path / "acks.json"
    path.write_text(f'{{"resolved_since": {{"a": 5, "b\\u001b[31m": {written}}}}}', encoding="utf-8")
    state, note = load_state(path)
    assert state == {}  # not the good entries alone: the file as a whole is not to be trusted
    assert note == (
        f'{path}: not an acks state file (resolved_since["b\\u001b[31m"] is {shown}, not a time); '
        "grace periods start now"
    )


async def test_a_refused_state_file_is_noted_in_the_pass_and_replaced_by_its_state(tmp_path: Path) -> None:
    state = tmp_path / "acks.json"
    state.write_text('{"resolved_since": {"x": true}}', encoding="utf-8")
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "DiskFull")  # its alert is not firing: its grace period starts now
    [outcome] = await reconcile_acks(_service(am, clock=clock), GRACE, state)
    assert outcome.state_note.startswith(f"{state}: not an acks state file (resolved_since")
    assert outcome.as_json()["state_note"] == outcome.state_note
    assert load_state(state) == ({ACK_A: NOW}, "")  # this pass's absence, not the file's "true"


def test_the_state_file_is_written_whole_in_one_rename(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folders" / "acks.json"
    save_state(path, {"b": 2.5, "a": 1.0})
    assert path.read_text(encoding="utf-8") == '{\n "resolved_since": {\n  "a": 1.0,\n  "b": 2.5\n }\n}'
    save_state(path, {})
    assert json.loads(path.read_text(encoding="utf-8")) == {"resolved_since": {}}
    assert sorted(p.name for p in path.parent.iterdir()) == ["acks.json"]  # no temporary left


def test_a_failed_write_leaves_the_old_state_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "acks.json"
    save_state(path, {"a": 1.0})
    with pytest.raises(TypeError):
        save_state(path, {"a": object()})  # type: ignore[dict-item]
    assert load_state(path) == ({"a": 1.0}, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acks.json"]


# -- what fails, and what is kept for the next pass ----------------------------------------------------


def _two_clusters(
    clock: Clock, read_only: bool = False
) -> tuple[FakeAlertmanager, FakeAlertmanager, SilenceService]:
    eu, us = FakeAlertmanager(clock), FakeAlertmanager(clock)
    peers = [
        eu.peer("eu-1", cluster="eu", read_only=read_only),
        us.peer("us-1", cluster="us", read_only=read_only),
        us.peer("us-2", cluster="us", read_only=read_only),
    ]
    return eu, us, SilenceService(peers, read_only=read_only, clock=clock)


async def test_each_cluster_is_reconciled_through_its_own_peers_in_the_configured_order(
    tmp_path: Path,
) -> None:
    clock = Clock()
    eu, us, service = _two_clusters(clock)
    _ack(eu, ACK_A, "Eu")
    _ack(us, ACK_B, "Us")
    us.fire(_labels("Eu"))  # an alert of the other cluster keeps nothing here
    outcomes = await reconcile_acks(service, 0.0, tmp_path / "acks.json")
    assert [(o.cluster, o.expired, o.error) for o in outcomes] == [("eu", [ACK_A], ""), ("us", [ACK_B], "")]
    assert eu.writes() == [("DELETE", f"/api/v2/silence/{ACK_A}")]
    assert us.writes() == [("DELETE", f"/api/v2/silence/{ACK_B}")]


async def test_a_cluster_that_does_not_answer_is_named_and_its_acks_keep_their_absence(
    tmp_path: Path,
) -> None:
    clock = Clock()
    eu, us, service = _two_clusters(clock)
    _ack(eu, ACK_A, "Eu")
    _ack(eu, TIMED, "Back", until_resolved=True)
    eu.fire(_labels("Back"))
    _ack(us, ACK_B, "Us")
    us.down = True
    state = tmp_path / "acks.json"
    save_state(state, {ACK_B: NOW - 10, ACK_A: NOW - 20, TIMED: NOW - 30})
    outcomes = await reconcile_acks(service, GRACE, state)
    assert _actions(outcomes) == {ACK_A: "wait", TIMED: "keep"}
    assert [o.cluster for o in outcomes] == ["eu", "us"]
    assert outcomes[1].decisions == [] and outcomes[1].expired == []
    assert outcomes[1].error.startswith("no Alertmanager peer answered (us-1: ")
    assert "us-2: " in outcomes[1].error and "refused" in outcomes[1].error
    assert outcomes[1].as_json() == {
        "cluster": "us",
        "error": outcomes[1].error,
        "state_note": None,
        "acks": [],
    }
    # The unreachable cluster's ack keeps its first absence; the reachable ones' go on as usual (the
    # one whose alert is back forgets its absence).
    assert load_state(state) == ({ACK_A: NOW - 20, ACK_B: NOW - 10}, "")
    us.down = False
    clock.now += GRACE
    assert _actions(await reconcile_acks(service, GRACE, state)) == {
        ACK_A: "expire",
        TIMED: "keep",
        ACK_B: "expire",
    }


async def test_alerts_that_cannot_be_read_stop_the_cluster_before_any_decision(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    am.fail[("GET", "/api/v2/alerts")] = (500, '"storage unavailable"')
    [outcome] = await reconcile_acks(_service(am, clock=clock), 0.0, tmp_path / "acks.json")
    assert outcome.decisions == [] and am.writes() == []
    assert "storage unavailable" in outcome.error


async def test_an_expiry_that_fails_is_named_and_tried_again_with_the_same_grace(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "First")
    _ack(am, ACK_B, "Second")
    am.fail[("DELETE", f"/api/v2/silence/{ACK_A}")] = (500, '"raft: not the leader"')
    state = tmp_path / "acks.json"
    service = _service(am, clock=clock)
    assert _actions(await reconcile_acks(service, GRACE, state)) == {ACK_A: "wait", ACK_B: "wait"}
    clock.now += GRACE
    [outcome] = await reconcile_acks(service, GRACE, state)
    assert "raft: not the leader" in outcome.failed[ACK_A]
    assert outcome.expired == [ACK_B]  # the failure does not stop the pass
    assert load_state(state) == ({ACK_A: NOW}, "")  # the same first absence, not this pass's
    as_json = outcome.as_json()["acks"]
    assert [(a["silence_id"], a["expired"], a["failed"]) for a in as_json] == [
        (ACK_A, False, outcome.failed[ACK_A]),
        (ACK_B, True, None),
    ]
    del am.fail[("DELETE", f"/api/v2/silence/{ACK_A}")]
    clock.now += 60
    [outcome] = await reconcile_acks(service, GRACE, state)
    assert outcome.expired == [ACK_A]
    assert outcome.decisions[0].reason == "its alert resolved 6m ago (grace 5m)"
    assert load_state(state) == ({}, "")


async def test_an_ack_already_gone_is_named_and_forgotten(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    am.fail[("DELETE", f"/api/v2/silence/{ACK_A}")] = (404, "")  # expired by hand meanwhile
    state = tmp_path / "acks.json"
    save_state(state, {ACK_A: NOW - GRACE})
    [outcome] = await reconcile_acks(_service(am, clock=clock), GRACE, state)
    assert outcome.failed == {ACK_A: f"silence {ACK_A} not found"}
    assert outcome.expired == []
    assert load_state(state) == ({}, "")


async def test_a_read_only_context_sends_no_expiry_and_says_so(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    state = tmp_path / "acks.json"
    service = _service(am, clock=clock, read_only=True)
    [outcome] = await reconcile_acks(service, 0.0, state)
    assert outcome.read_only is True
    assert [d.action for d in outcome.decisions] == ["expire"]
    assert outcome.expired == []
    assert "read-only" in outcome.failed[ACK_A]
    assert am.writes() == [] and am.requests  # it looked, and sent nothing
    assert [e["outcome"] for e in service.journal] == ["refused: context prod is read-only"]
    assert load_state(state) == ({ACK_A: NOW}, "")  # tried again once the context may write


# -- what an ack is, and how it is named -----------------------------------------------------------------


async def test_an_ack_is_read_with_its_id_author_comment_and_every_operator(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    comment = ack_comment("bob", "opsconsole@host", "db failover", until_resolved=True)
    am.add_silence(
        FakeSilence(
            ACK_A,
            [
                matcher("alertname", "Lag"),
                matcher("env", "dev", "!="),
                matcher("instance", "db-[12]", "=~"),
                matcher("zone", "test.*", "!~"),
            ],
            NOW - 60,
            NOW + 3600,
            "bob",
            comment,
        )
    )
    [silence] = await _service(am, clock=clock).silences()
    ack = ack_silence(silence)
    assert ack == AckSilence(
        ACK_A,
        (
            LabelMatcher("alertname", "=", "Lag"),
            LabelMatcher("env", "!=", "dev"),
            LabelMatcher("instance", "=~", "db-[12]"),
            LabelMatcher("zone", "!~", "test.*"),
        ),
        "bob",
        comment,
    )
    # The alert the regex holds keeps the ack; one it does not hold does not.
    am.fire({"alertname": "Lag", "env": "prod", "instance": "db-2", "zone": "eu"})
    assert _actions(await reconcile_acks(_service(am, clock=clock), 0.0, None)) == {ACK_A: "keep"}
    am.alerts[0].labels["instance"] = "db-3"
    assert _actions(await reconcile_acks(_service(am, clock=clock), 0.0, None)) == {ACK_A: "expire"}


async def test_timed_acks_plain_and_inactive_silences_are_not_acks(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, TIMED, "A", until_resolved=False)
    am.add_silence(FakeSilence(PLAIN, [matcher("alertname", "A")], NOW - 60, NOW + 60, "x", "until resolved"))
    _ack(am, ACK_A, "A").starts_at = NOW + 10
    _ack(am, ACK_B, "A").ends_at = NOW - 10
    silences = await _service(am, clock=clock).silences()
    assert {s.id: s.status.state for s in silences} == {
        TIMED: "active",
        PLAIN: "active",
        ACK_A: "pending",
        ACK_B: "expired",
    }
    assert [ack_silence(s) for s in silences] == [None, None, None, None]


def test_an_ack_is_named_by_its_alert_and_its_other_matchers() -> None:
    def ack(*matchers: LabelMatcher) -> AckSilence:
        return AckSilence("s", matchers, "alice")

    assert (
        describe_ack(ack(LabelMatcher("instance", "=", "npa-3"), LabelMatcher("alertname", "=", "AgentDown")))
        == 'AgentDown{instance="npa-3"} (ACK alice)'
    )
    two = ack(
        LabelMatcher("alertname", "=", "A"), LabelMatcher("job", "=", "x"), LabelMatcher("zone", "=~", "e.*")
    )
    assert describe_ack(two) == 'A{job="x", zone=~"e.*"} (ACK alice)'
    assert describe_ack(ack(LabelMatcher("job", "=", "x"))) == '?{job="x"} (ACK alice)'
    assert describe_ack(ack()) == "?{} (ACK alice)"


def test_an_ack_without_one_alert_name_keeps_every_matcher_in_its_name() -> None:
    """A regex or negative ``alertname`` names no one alert: it is shown, not dropped."""
    regex = AckSilence("s", (LabelMatcher("alertname", "=~", "Disk.*"), LabelMatcher("job", "=", "x")), "bob")
    assert describe_ack(regex) == '?{alertname=~"Disk.*", job="x"} (ACK bob)'
    negative = AckSilence("s", (LabelMatcher("alertname", "!=", "A"),), "bob")
    assert describe_ack(negative) == '?{alertname!="A"} (ACK bob)'


async def test_the_json_of_a_pass_names_each_ack_and_what_was_done(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    am.fire(_labels("Fires"))
    _ack(am, ACK_A, "Fires", "alice")
    _ack(am, ACK_B, "Gone", "bob")
    [outcome] = await reconcile_acks(_service(am, clock=clock), 0.0, tmp_path / "acks.json")
    assert outcome.as_json() == {
        "cluster": "",
        "error": None,
        "state_note": None,
        "acks": [
            {
                "silence_id": ACK_A,
                "alert": 'Fires{instance="fires-1"} (ACK alice)',
                "by": "alice",
                "action": "keep",
                "resolved_since": None,
                "reason": "its alert is active",
                "expired": False,
                "failed": None,
            },
            {
                "silence_id": ACK_B,
                "alert": 'Gone{instance="gone-1"} (ACK bob)',
                "by": "bob",
                "action": "expire",
                "resolved_since": NOW,
                "reason": "its alert resolved 0s ago (grace 0s)",
                "expired": True,
                "failed": None,
            },
        ],
    }


# -- the console's reconciler -----------------------------------------------------------------------------


async def test_the_console_runs_a_pass_and_a_read_only_one_does_not_even_look(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    reconciler = AckReconciler(grace=0.0, state_path=tmp_path / "acks.json")
    assert await reconciler.run(_service(am, clock=clock, read_only=True)) == []
    assert am.requests == []
    assert await reconciler.run(SilenceService([], clock=clock)) == []
    assert not (tmp_path / "acks.json").exists()  # a context without Alertmanager keeps no state
    outcomes = await reconciler.run(_service(am, clock=clock))
    assert [o.expired for o in outcomes] == [[ACK_A]]
    assert reconciler.running is False
    assert (tmp_path / "acks.json").exists()


async def test_a_pass_still_running_is_not_started_twice(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    reconciler = AckReconciler(grace=0.0, state_path=tmp_path / "acks.json", running=True)
    assert await reconciler.run(_service(am, clock=clock)) == []
    assert am.requests == []


async def test_a_state_that_cannot_be_saved_costs_the_pass_not_the_console(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    reconciler = AckReconciler(grace=GRACE, state_path=blocker / "acks.json")
    assert await reconciler.run(_service(am, clock=clock)) == []
    assert reconciler.running is False  # the next pass may run
    assert await reconciler.run(_service(am, clock=clock)) == []
    assert am.requests.count(("GET", "/api/v2/silences")) == 2


async def test_the_console_keeps_its_state_in_the_xdg_state_dir(isolated_home: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    reconciler = AckReconciler(grace=GRACE)
    assert reconciler.state_path == default_state_path()
    await reconciler.run(_service(am, clock=clock))
    assert load_state(default_state_path()) == ({ACK_A: NOW}, "")


async def test_a_state_file_that_cannot_be_read_is_said_not_silently_replaced(tmp_path: Path) -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    state = tmp_path / "acks.json"
    state.write_text("{truncated", encoding="utf-8")
    [outcome] = await reconcile_acks(_service(am, clock=clock), GRACE, state)
    assert outcome.state_note.startswith(f"{state}: unreadable (")
    assert outcome.state_note.endswith("); grace periods start now")
    assert outcome.as_json()["state_note"] == outcome.state_note
    # The next pass reads the file this one wrote: nothing more to say.
    [again] = await reconcile_acks(_service(am, clock=clock), GRACE, state)
    assert again.state_note == "" and again.as_json()["state_note"] is None


def test_acks_reconcile_prints_the_state_note_once(capsys: pytest.CaptureFixture[str]) -> None:
    from opsconsole.commands.acks import _report

    note = "/x/acks.json: unreadable (bad); grace periods start now"
    outcomes = [ClusterOutcome("eu", state_note=note), ClusterOutcome("us", state_note=note)]
    assert _report(outcomes, False) == 0
    out, err = capsys.readouterr()
    assert err == f"opsconsole: {note}\n"
    assert out == "cluster eu: no until-resolved acks\ncluster us: no until-resolved acks\n"


# -- found by the mutation run (each test fails with the mutant named) ----------------------------------


async def test_a_first_cluster_that_does_not_answer_does_not_stop_the_next(tmp_path: Path) -> None:
    clock = Clock()
    eu, us, service = _two_clusters(clock)
    _ack(us, ACK_B, "Us")
    eu.down = True
    outcomes = await reconcile_acks(service, 0.0, tmp_path / "acks.json")
    assert [(o.cluster, bool(o.error), o.expired) for o in outcomes] == [
        ("eu", True, []),
        ("us", False, [ACK_B]),
    ]


async def test_without_a_state_file_there_is_nothing_to_say_about_it() -> None:
    clock = Clock()
    am = FakeAlertmanager(clock)
    _ack(am, ACK_A, "Gone")
    [outcome] = await reconcile_acks(_service(am, clock=clock), GRACE)
    assert outcome.state_note == ""


async def test_the_reconciler_is_marked_running_for_the_whole_pass(tmp_path: Path) -> None:
    am = FakeAlertmanager(lambda: NOW)
    _ack(am, ACK_A, "Gone")
    reconciler = AckReconciler(grace=0.0, state_path=tmp_path / "acks.json")
    seen: list[bool] = []

    def clock() -> float:  # read by the pass itself, while it runs
        seen.append(reconciler.running)
        return NOW

    outcomes = await reconciler.run(SilenceService([am.peer("am")], clock=clock))
    assert [o.expired for o in outcomes] == [[ACK_A]]
    assert seen and all(s is True for s in seen)
    assert reconciler.running is False


def test_the_temporary_is_a_hidden_file_beside_the_state_so_the_rename_is_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename is atomic only within one file system; a temporary a crash leaves is hidden and named."""
    import os

    renamed: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(source: str, target: str) -> None:
        renamed.append((Path(source), Path(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    path = tmp_path / "state" / "acks.json"
    save_state(path, {"a": 1.0})
    [(source, target)] = renamed
    assert target == path
    assert source.parent == path.parent
    assert source.name.startswith(".acks-")


def test_a_temporary_that_cannot_be_removed_does_not_hide_the_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    def full(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    def stuck(name: str) -> None:
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.setattr(os, "unlink", stuck)
    with pytest.raises(OSError, match="No space left on device"):
        save_state(tmp_path / "acks.json", {"a": 1.0})
