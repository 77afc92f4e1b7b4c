"""An ack as every view shows it (who, for how long, until when), what ``acks reconcile`` decides
and says for each ack, and the five lines a confirmation reads before an ack or silence is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsconsole.core.ack_state import AckSilence, ack_facts, plan_reconcile
from opsconsole.core.ack_summary import draft_summary
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_draft import SilenceDraft
from tests.support.far_from_utc import far_from_utc_fixture  # noqa: F401 (the fixture far_from_utc)

NOW = 100_000.0


pytestmark = pytest.mark.usefixtures("far_from_utc")


def test_an_ordinary_silence_is_no_ack() -> None:
    assert ack_facts(None, 0.0, 1.0, False, "s") is None
    assert ack_facts("", 0.0, 1.0, False, "s") is None


def test_an_ack_says_who_for_how_long_and_what_is_left() -> None:
    facts = ack_facts("alice", NOW - 720, NOW + 180, False, "s-1")
    assert facts is not None
    assert facts.text(NOW) == "ACK alice 12m · 3m left"
    assert facts.as_json(NOW) == {
        "by": "alice",
        "since": NOW - 720,
        "acked_for_seconds": 720.0,
        "until": NOW + 180,
        "until_resolved": False,
        "silence_id": "s-1",
        "text": "ACK alice 12m · 3m left",
    }
    # Past its end (a board read late) and before its start (clock skew): never negative.
    assert facts.text(NOW + 600) == "ACK alice 22m · 0s left"
    assert facts.acked_for(NOW - 1000) == 0.0
    assert facts.as_json(NOW - 720.0004)["acked_for_seconds"] == 0.0
    assert facts.as_json(NOW + 0.12345)["acked_for_seconds"] == 720.123  # to the millisecond


def test_an_until_resolved_ack_says_so_instead_of_its_cap() -> None:
    facts = ack_facts("bob", NOW - 30, NOW + 86_400, True, "s-2")
    assert facts is not None
    assert facts.text(NOW) == "ACK bob 30s · until resolved"
    assert facts.as_json(NOW)["until_resolved"] is True


ACK = AckSilence("s1", (LabelMatcher("alertname", "=", "Disk"), LabelMatcher("host", "=", "db-1")), "alice")


def test_an_ack_holds_only_an_alert_every_matcher_matches() -> None:
    assert ACK.matches({"alertname": "Disk", "host": "db-1", "extra": "x"})
    assert not ACK.matches({"alertname": "Disk", "host": "db-2"})
    assert not ACK.matches({"host": "db-1"})


def test_each_decision_says_why_in_the_words_of_the_grace() -> None:
    present = plan_reconcile([ACK], [{"alertname": "Disk", "host": "db-1"}], {"s1": NOW - 50}, NOW, 300.0)
    [keep] = present.decisions
    assert (keep.action, keep.resolved_since, keep.reason) == ("keep", None, "its alert is active")
    assert present.state == {} and present.to_expire == []

    waiting = plan_reconcile([ACK], [], {"s1": NOW - 60}, NOW, 300.0)
    [wait] = waiting.decisions
    assert (wait.silence, wait.action, wait.resolved_since) == (ACK, "wait", NOW - 60)
    assert wait.reason == "its alert resolved 1m ago; expires in 4m unless it fires"
    assert waiting.state == {"s1": NOW - 60} and waiting.to_expire == []

    # No record yet (a first run, a lost state file): the grace starts now, never earlier.
    first = plan_reconcile([ACK], [], {}, NOW, 300.0)
    assert first.state == {"s1": NOW} and first.decisions[0].reason.startswith("its alert resolved 0s ago")

    gone = plan_reconcile([ACK], [], {"s1": NOW - 3600}, NOW, 300.0)
    [expire] = gone.decisions
    assert (expire.action, expire.resolved_since) == ("expire", NOW - 3600)
    assert expire.reason == "its alert resolved 1h ago (grace 5m)"
    assert gone.to_expire == [ACK] and gone.state == {}


def test_every_ack_of_a_pass_is_decided_in_order() -> None:
    other = AckSilence("s2", (LabelMatcher("alertname", "=", "Cpu"),), "bob")
    plan = plan_reconcile([ACK, other], [{"alertname": "Cpu"}], {"s1": NOW - 400}, NOW, 300.0)
    assert [(d.silence.id, d.action) for d in plan.decisions] == [("s1", "expire"), ("s2", "keep")]
    assert plan.to_expire == [ACK]
    # An ack kept does not end the pass: the acks after it are decided too.
    plan = plan_reconcile([other, ACK], [{"alertname": "Cpu"}], {"s1": NOW - 400}, NOW, 300.0)
    assert [(d.silence.id, d.action) for d in plan.decisions] == [("s2", "keep"), ("s1", "expire")]


def _draft(*matchers: LabelMatcher, hours: float = 2.0) -> SilenceDraft:
    start = datetime(2026, 11, 30, 3, 0, tzinfo=UTC).timestamp()
    return SilenceDraft(matchers, start, start + hours * 3600, "alice", "disk swap")


def test_a_confirmation_reads_who_what_until_and_the_matchers() -> None:
    draft = _draft(LabelMatcher("alertname", "=", "Disk"), LabelMatcher("host", "=~", "db-.*"))
    assert draft_summary(draft, what="Disk on db-1") == [
        ("Who", "alice · comment: disk swap"),
        ("Alert", "Disk on db-1"),
        ("Until", "2h, until 2026-11-30 05:00 UTC"),
        ("Matchers", 'alertname="Disk", host=~"db-.*"'),
    ]


def test_an_until_resolved_ack_names_its_cap_and_the_mutes_come_last() -> None:
    draft = _draft(LabelMatcher("alertname", "=", "Disk"), hours=24)
    lines = draft_summary(draft, what="Disk", until_resolved=True, mutes="3 alerts: Disk ×3")
    assert lines[2] == ("Until", "until the alert resolves (at most 1d: 2026-12-01 03:00 UTC)")
    assert lines[-1] == ("Mutes", "3 alerts: Disk ×3")


def test_more_than_three_matchers_start_with_their_count() -> None:
    three = [LabelMatcher(n, "=", "v") for n in ("a", "b", "c")]
    assert dict(draft_summary(_draft(*three), what="x"))["Matchers"] == 'a="v", b="v", c="v"'
    four = [*three, LabelMatcher("d", "=", "v")]
    assert dict(draft_summary(_draft(*four), what="x"))["Matchers"] == '4: a="v", b="v", c="v", d="v"'


def test_a_draft_ending_at_its_start_reads_zero_not_a_second() -> None:
    assert dict(draft_summary(_draft(LabelMatcher("a", "=", "v"), hours=0), what="x"))["Until"] == (
        "0s, until 2026-11-30 03:00 UTC"
    )
