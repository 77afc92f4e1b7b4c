"""Extending a silence at its edges: times of day at their limits, local time zones that must not
leak in, and the exact words of each refusal (the suites in test_silence_rules.py cover the rules;
these were written when mutation testing found the edges unpinned)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsconsole.core.silence_blast_radius import BlastRadius, ClusterAlert
from opsconsole.core.silence_draft import SilenceInvalid
from opsconsole.core.silence_extension import parse_end_time, plan_extension
from tests.support.far_from_utc import far_from_utc_fixture  # noqa: F401 (the fixture far_from_utc)

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC).timestamp()


@pytest.mark.usefixtures("far_from_utc")
def test_times_are_utc_whatever_the_local_zone() -> None:
    assert parse_end_time("14:30", NOW + 37.5) == NOW + 1800  # on the minute, not 37.5 s after
    assert parse_end_time("2026-11-22T16:00", NOW) == NOW + 7200  # no zone given: UTC
    plan = plan_extension(NOW + 3600, False, NOW, by="30m")
    assert plan.describe() == "the end moves from 2026-11-22 15:00:00 UTC to 2026-11-22 15:30:00 UTC"


def test_a_time_of_day_equal_to_now_is_tomorrow() -> None:
    assert parse_end_time("14:00", NOW) == NOW + 86400
    assert parse_end_time("23:59", NOW) == NOW + 9 * 3600 + 59 * 60


@pytest.mark.parametrize("text", ["24:00", "23:60"])
def test_a_time_of_day_past_its_limits_is_refused(text: str) -> None:
    with pytest.raises(SilenceInvalid) as refused:
        parse_end_time(text, NOW)
    assert str(refused.value) == f"not a time of day: {text}"


@pytest.mark.parametrize("text", ["1430", "ab:cd", "14-30", "1:30pm"])
def test_text_that_is_not_hh_mm_is_refused_with_the_forms_accepted(text: str) -> None:
    with pytest.raises(SilenceInvalid) as refused:
        parse_end_time(text, NOW)
    assert str(refused.value) == f"not a time: {text!r} (use HH:MM in UTC, or e.g. 2026-11-22T16:00Z)"


def test_neither_by_nor_until_says_how_to_say_it() -> None:
    with pytest.raises(SilenceInvalid) as refused:
        plan_extension(NOW + 60, False, NOW)
    assert str(refused.value) == (
        "say how far: either by a duration (--by 1h) or until a time (--until 16:00)"
    )


def test_a_silence_past_its_end_but_not_yet_expired_is_compared_with_now() -> None:
    with pytest.raises(SilenceInvalid) as refused:
        plan_extension(NOW - 60, False, NOW, until="2026-11-22T13:59:30Z")
    assert str(refused.value) == (
        "the new end 2026-11-22 13:59:30 UTC is not later than now: extending never shortens a "
        "silence (expire it and create a shorter one if that is what you want)"
    )


def test_a_silence_ending_this_very_second_is_compared_with_its_end() -> None:
    with pytest.raises(SilenceInvalid, match="not later than its current end 2026-11-22 14:00:00 UTC"):
        plan_extension(NOW, False, NOW, until="2026-11-22T13:59Z")


def test_the_heartbeat_reason_names_every_heartbeat_it_mutes() -> None:
    alerts = (ClusterAlert("1", {"alertname": "Watchdog"}), ClusterAlert("2", {"alertname": "Heartbeat"}))
    radius = BlastRadius(alerts, 5, None, ("Heartbeat", "Watchdog"), 0.5)
    assert radius.reasons() == [
        "it mutes the heartbeat alert Heartbeat, Watchdog, which fires always on purpose: whatever "
        "watches it will page as if alerting were down, or a real alerting outage goes unnoticed"
    ]
