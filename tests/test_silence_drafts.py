"""Silence drafts before anything is sent (core/silence_draft.py): Alertmanager's rules and ours.

Each rule is checked on its own boundary: the end exactly at the start, an author of spaces,
one matcher that pins something among others that match everything, regexes that would match
only part of a value.
"""

from __future__ import annotations

import pytest

from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_blast_radius import ClusterAlert, blast_radius
from opsconsole.core.silence_draft import (
    Ack,
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    matchers_for_alert,
    parse_ack,
    parse_draft_matchers,
    parse_silence_duration,
)

START = 1_000_000.0
NAME = LabelMatcher("alertname", "=", "Down")


def draft(
    matchers: tuple[LabelMatcher, ...] = (NAME,),
    *,
    minutes: float = 30,
    author: str = "alice",
    comment: str = "rollback",
) -> SilenceDraft:
    return SilenceDraft(matchers, START, START + minutes * 60, author, comment)


def test_a_good_draft_has_no_problems() -> None:
    good = draft()
    assert good.problems() == []
    good.check()


@pytest.mark.parametrize(("minutes", "ok"), [(-1, False), (0, False), (1 / 60, True)])
def test_the_end_must_be_after_the_start(minutes: float, ok: bool) -> None:
    problems = draft(minutes=minutes).problems()
    assert ("the end must be after the start" in problems) is not ok


@pytest.mark.parametrize(("author", "ok"), [("", False), ("   ", False), ("bob", True)])
def test_an_author_is_required(author: str, ok: bool) -> None:
    assert ("an author is required" in draft(author=author).problems()) is not ok


@pytest.mark.parametrize(("comment", "ok"), [("", False), (" \t", False), ("why", True)])
def test_a_comment_is_required(comment: str, ok: bool) -> None:
    problems = draft(comment=comment).problems()
    assert any(p.startswith("a comment is required") for p in problems) is not ok


def test_no_matcher_is_refused() -> None:
    assert draft(()).problems() == ["a silence needs at least one matcher"]


EMPTY_MATCHING = "at least one matcher must not match the empty string (it would silence everything)"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ('team=~".*"', True),
        ('team!="db"', True),  # a missing team is "", which is not "db"
        ('team=~".*", env!~"prod"', True),  # every matcher matches the empty string
        ('team=~".*", alertname="Down"', False),  # one of them pins something: allowed
        ('alertname="Down", team=~".*"', False),
        ('team=~".+"', False),
        ('team=""', True),
    ],
)
def test_matchers_that_all_match_the_empty_string_are_refused(text: str, refused: bool) -> None:
    problems = draft(parse_draft_matchers(text)).problems()
    assert (EMPTY_MATCHING in problems) is refused


def test_every_problem_is_listed_at_once() -> None:
    bad = SilenceDraft((), START, START, " ", "")
    assert len(bad.problems()) == 4
    with pytest.raises(SilenceInvalid) as err:
        bad.check()
    assert str(err.value) == "; ".join(bad.problems())


def test_regex_matchers_are_anchored_like_alertmanagers() -> None:
    silence = draft(parse_draft_matchers('alertname=~"Down", service=~"api|db"'))
    assert silence.matches({"alertname": "Down", "service": "api"})
    assert silence.matches({"alertname": "Down", "service": "db"})
    assert not silence.matches({"alertname": "AgentDown", "service": "api"})
    assert not silence.matches({"alertname": "Downstream", "service": "api"})
    assert not silence.matches({"alertname": "Down", "service": "api-gateway"})
    assert not silence.matches({"alertname": "Down"}), "a missing label is the empty string"


def test_every_matcher_must_match_for_the_silence_to_mute() -> None:
    silence = draft(parse_draft_matchers('alertname="Down", agent_id!="npa-1"'))
    assert silence.matches({"alertname": "Down", "agent_id": "npa-2"})
    assert not silence.matches({"alertname": "Down", "agent_id": "npa-1"})
    assert not silence.matches({"alertname": "Slow", "agent_id": "npa-2"})


def test_blast_radius_counts_the_muted_alerts_of_the_whole_cluster() -> None:
    alerts = [
        ClusterAlert("1", {"alertname": "Down", "agent_id": "npa-1"}),
        ClusterAlert("2", {"alertname": "Down", "agent_id": "npa-2"}),
        ClusterAlert("3", {"alertname": "Slow", "agent_id": "npa-2"}),
    ]
    by_agent = blast_radius(draft(parse_draft_matchers('agent_id="npa-2"')), alerts, in_view=["2"])
    assert [a.fingerprint for a in by_agent.muted] == ["2", "3"]
    assert by_agent.summary() == "matches 2 alerts: 1 in this view, 1 outside this pack"
    assert not by_agent.everything
    everything = blast_radius(draft(parse_draft_matchers('agent_id=~"npa-.*"')), alerts)
    assert everything.everything
    one = blast_radius(draft(parse_draft_matchers('agent_id="npa-1"')), alerts[:1], in_view=["1"])
    assert one.summary() == "matches 1 alert, all in this view"
    assert not one.everything, "muting the only alert there is is not 'everything'"


def test_matchers_for_an_alert_pin_it_without_volatile_labels() -> None:
    labels = {
        "alertname": "Down",
        "agent_id": "npa-3",
        "__name__": "ALERTS",
        "alertstate": "firing",
        "value": "1",
    }
    assert matchers_for_alert(labels) == (
        LabelMatcher("agent_id", "=", "npa-3"),
        LabelMatcher("alertname", "=", "Down"),
    )
    assert matchers_for_alert(labels, keep=["alertname"]) == (LabelMatcher("alertname", "=", "Down"),)


def test_acks_are_recognised_only_by_their_prefix() -> None:
    comment = ack_comment("alice@laptop", "opsconsole@host", "looking")
    assert comment == "ACK by alice@laptop from opsconsole@host: looking"
    ack = parse_ack(comment, ends_at=START + 600)
    assert ack is not None and (ack.who, ack.until) == ("alice@laptop", START + 600)
    assert ack.describe(START) == "acked by alice@laptop, 10 min left"
    assert parse_ack("rollback, ACK by bob", START) is None


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("90m", 5400), (" 1d ", 86400)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_silence_duration(text) == seconds


@pytest.mark.parametrize("text", ["0m", "soon", ""])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(SilenceInvalid):
        parse_silence_duration(text)


@pytest.mark.parametrize(
    ("comment", "who", "where"),
    [
        ("ACK by alice@laptop from opsconsole@host: looking", "alice@laptop", "opsconsole@host"),
        ("ACK by alice from opsconsole@host:", "alice", "opsconsole@host"),
        ("ACK by alice from opsconsole@host", "alice", "opsconsole@host"),
        ("ACK by alice: on it", "alice", ""),
        ("ACK by alice", "alice", ""),
    ],
)
def test_an_ack_names_who_and_where_without_the_note_separator(comment: str, who: str, where: str) -> None:
    """The ``: note`` after the origin is not part of it (it used to give ``where == "host:"``)."""
    ack = parse_ack(comment, ends_at=START)
    assert ack is not None and (ack.who, ack.where) == (who, where)
    round_trip = parse_ack(ack_comment(who, where or "opsconsole", "note: with colons"), START)
    assert round_trip is not None and (round_trip.who, round_trip.where) == (who, where or "opsconsole")


@pytest.mark.parametrize(
    ("note", "comment"),
    [
        ("looking", "ACK by alice from opsconsole@host until resolved: looking"),
        ("", "ACK by alice from opsconsole@host until resolved"),
    ],
)
def test_an_until_resolved_ack_says_so_before_its_note_and_reads_back(note: str, comment: str) -> None:
    """What the console writes for ``ack`` with ``until resolved``, and what every console reads back
    from Alertmanager (the reconcile loop expires only acks marked so)."""
    assert ack_comment("alice", "opsconsole@host", note, until_resolved=True) == comment
    assert parse_ack(comment, START) == Ack("alice", "opsconsole@host", START, until_resolved=True)
    timed = ack_comment("alice", "opsconsole@host", note)
    assert parse_ack(timed, START) == Ack("alice", "opsconsole@host", START, until_resolved=False)
    quoted = parse_ack(ack_comment("alice", "opsconsole@host", "until resolved"), START)
    assert quoted is not None and quoted.until_resolved is False  # a note saying so is not the marker
