"""What a silence mutes across the whole cluster, and how an extension moves its end: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsconsole.core.silence_blast_radius import ClusterAlert, blast_radius
from opsconsole.core.silence_draft import SilenceDraft, SilenceInvalid, parse_draft_matchers
from opsconsole.core.silence_extension import parse_end_time, plan_extension

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC).timestamp()
# What the issue saw on a real HA pair: three alerts, the heartbeat among them, all carrying the
# external label every alert of that Prometheus gets.
CLUSTER = [
    ClusterAlert("a1", {"alertname": "Watchdog", "severity": "none", "cluster": "prod"}),
    ClusterAlert("a2", {"alertname": "AgentDown", "instance": "npa-3", "cluster": "prod"}),
    ClusterAlert("a3", {"alertname": "HighLatency", "instance": "npa-2", "cluster": "prod"}),
]


def _draft(matchers: str) -> SilenceDraft:
    return SilenceDraft(parse_draft_matchers(matchers), NOW, NOW + 3600, "alice", "why")


@pytest.mark.parametrize("matchers", ['alertname=~".+"', 'alertname!~"^$"', 'cluster="prod"'])
def test_silences_that_mute_everything_need_confirmation(matchers: str) -> None:
    draft = _draft(matchers)
    assert draft.problems() == []  # Alertmanager would take each of them
    radius = blast_radius(draft, CLUSTER, in_view={"a2"})
    assert radius.count == 3 and radius.everything and radius.needs_confirmation
    assert radius.heartbeats == ("Watchdog",)
    assert radius.summary() == "matches 3 alerts: 1 in this view, 2 outside this pack"
    assert radius.reasons()[0] == "it mutes every alert of the cluster (3 of 3)"
    assert "heartbeat alert Watchdog" in radius.reasons()[1]
    assert radius.names() == "Watchdog, AgentDown (npa-3), HighLatency (npa-2)"


def test_one_alert_that_is_not_a_heartbeat_goes_through() -> None:
    radius = blast_radius(_draft('alertname="AgentDown"'), CLUSTER, in_view={"a2"})
    assert (radius.count, radius.needs_confirmation, radius.reasons()) == (1, False, [])
    assert radius.summary() == "matches 1 alert, all in this view"


def test_acking_the_only_alert_is_not_muting_everything_but_a_heartbeat_always_counts() -> None:
    lonely = [ClusterAlert("a2", {"alertname": "AgentDown"})]
    assert not blast_radius(_draft('alertname="AgentDown"'), lonely).needs_confirmation
    watchdog = [ClusterAlert("w", {"alertname": "Watchdog"})]
    assert blast_radius(_draft('alertname="Watchdog"'), watchdog).needs_confirmation


def test_a_pack_declares_its_own_heartbeats() -> None:
    alerts = [*CLUSTER, ClusterAlert("a4", {"alertname": "PipelineAlive"})]
    draft = _draft('alertname="PipelineAlive"')
    assert not blast_radius(draft, alerts).needs_confirmation
    radius = blast_radius(draft, alerts, heartbeats=["Watchdog", "PipelineAlive"])
    assert radius.heartbeats == ("PipelineAlive",) and radius.needs_confirmation


@pytest.mark.parametrize(("limit", "needs"), [(0.5, True), (0.67, False), (0.66, True)])
def test_the_share_limit_is_strictly_more_than(limit: float, needs: bool) -> None:
    six = [ClusterAlert(f"f{i}", {"alertname": f"A{i}", "team": "x" if i < 4 else "y"}) for i in range(6)]
    radius = blast_radius(_draft('team="x"'), six, limit=limit)  # 4 of 6 = 66.7%
    assert radius.over_limit is needs
    assert radius.needs_confirmation is needs
    if needs:
        assert radius.reasons() == [
            f"it mutes 4 of 6 alerts (67%), more than silence_blast_radius ({limit:.0%})"
        ]


def test_half_is_not_more_than_half() -> None:
    four = [ClusterAlert(f"f{i}", {"alertname": "A", "n": str(i)}) for i in range(4)]
    assert not blast_radius(_draft('n=~"[01]"'), four).needs_confirmation
    assert blast_radius(_draft('n=~"[012]"'), four).needs_confirmation


def test_alerts_are_counted_once_per_fingerprint_and_names_are_made_safe() -> None:
    hostile = ClusterAlert("h", {"alertname": "Evil\x1b]0;owned\x07", "instance": "x\x1b[2J"})
    radius = blast_radius(_draft('alertname=~"Evil.*"'), [hostile, hostile, *CLUSTER])
    assert radius.total == 4
    assert "\x1b" not in radius.names() and "\x07" not in radius.names()


def test_without_a_pack_the_summary_counts_the_cluster() -> None:
    radius = blast_radius(_draft('alertname="AgentDown"'), CLUSTER)
    assert radius.summary() == "matches 1 alert of 3 in the cluster"


def test_long_lists_of_names_are_cut() -> None:
    many = [ClusterAlert(f"f{i}", {"alertname": f"A{i:02}"}) for i in range(30)]
    names = blast_radius(_draft('alertname=~"A.*"'), many).names()
    assert names.endswith("and 10 more") and names.startswith("A00, A01")


# -- extending ----------------------------------------------------------------------------------

END = NOW + 2 * 3600  # 16:00


def test_by_adds_to_the_current_end_never_to_now() -> None:
    plan = plan_extension(END, False, NOW, by="15m")
    assert plan.new_end == END + 900  # the old code gave NOW + 15m, two hours earlier
    assert not plan.recreate
    assert "from 2026-11-22 16:00:00 UTC to 2026-11-22 16:15:00 UTC" in plan.describe()


@pytest.mark.parametrize("until", ["15:00", "16:00", "2026-11-22T15:59:59Z", "2026-11-22T14:30"])
def test_until_earlier_than_the_current_end_is_refused(until: str) -> None:
    with pytest.raises(SilenceInvalid, match="not later than its current end 2026-11-22 16:00:00 UTC"):
        plan_extension(END, False, NOW, until=until)


def test_until_later_sets_the_end() -> None:
    assert plan_extension(END, False, NOW, until="18:30").new_end == NOW + 4.5 * 3600
    assert plan_extension(END, False, NOW, until="2026-11-23T01:00Z").new_end == NOW + 11 * 3600


def test_an_ended_silence_is_recreated_from_now() -> None:
    ended = NOW - 600
    plan = plan_extension(ended, True, NOW, by="1h")
    assert plan.recreate and plan.new_end == NOW + 3600
    assert "extending recreates it as a new silence from now" in plan.describe()
    with pytest.raises(SilenceInvalid, match="not later than now"):
        plan_extension(ended, True, NOW, until="2026-11-22T13:55Z")


def test_by_and_until_are_one_or_the_other() -> None:
    with pytest.raises(SilenceInvalid, match="either by a duration"):
        plan_extension(END, False, NOW, by="1h", until="18:00")
    with pytest.raises(SilenceInvalid, match="not a duration"):
        plan_extension(END, False, NOW, by="soon")


def test_end_times() -> None:
    assert parse_end_time("14:30", NOW) == NOW + 1800
    assert parse_end_time("13:00", NOW) == NOW + 23 * 3600  # already past today: tomorrow
    assert parse_end_time("2026-11-22T16:00:00+01:00", NOW) == NOW + 3600
    for bad in ("25:00", "tomorrow"):
        with pytest.raises(SilenceInvalid):
            parse_end_time(bad, NOW)
