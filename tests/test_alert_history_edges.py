"""Alert history at its edges: where one spell ends, and the words for flaps and a spell that was
already going when the range began (written when mutation testing found these unpinned)."""

from __future__ import annotations

from opsconsole.core.alert_history import AlertHistory, alert_history


def test_a_gap_of_one_and_a_half_steps_still_joins_a_spell_and_more_splits_it() -> None:
    joined = alert_history([(100.0, 1.0), (122.5, 1.0)], step=15, range_seconds=900)
    assert (joined.spells, joined.firing_seconds) == (1, 22.5)
    split = alert_history([(100.0, 1.0), (123.0, 1.0)], step=15, range_seconds=900)
    assert (split.spells, split.firing_seconds) == (2, 0.0)
    two_steps = alert_history([(100.0, 1.0), (130.0, 1.0)], step=15, range_seconds=900)
    assert two_steps.spells == 2  # one sample missing is one ALERTS gap: the alert stopped


def test_a_spell_going_when_the_range_began_is_said_so() -> None:
    # The range is 300 s ending at the last point; the first point is at its very start.
    points = [(t, 1.0) for t in (700.0, 715.0, 730.0)] + [(1000.0, 0.0)]
    history = alert_history(points, step=15, range_seconds=300)
    assert history.since_range_start
    assert history.describe() == "fired 1x in the last 5m, 30s in total, already firing when the range began"


def test_a_spell_starting_inside_the_range_is_not() -> None:
    points = [(700.0, 0.0), (715.0, 1.0), (730.0, 1.0), (1000.0, 0.0)]
    history = alert_history(points, step=15, range_seconds=300)
    assert not history.since_range_start
    # Firing from the first point, which is 1.5 steps (22.5 s) or less after the range's start.
    first_point = [(730.0, 1.0), (1000.0, 0.0)]
    assert alert_history(first_point, step=15, range_seconds=292.5).since_range_start
    assert not alert_history(first_point, step=15, range_seconds=293).since_range_start


def test_flaps_are_counted_in_words() -> None:
    assert AlertHistory(0.0, 60.0, 2, 3600, False).describe() == (
        "fired 2x in the last 1h (1 flap), 1m in total"
    )
    assert AlertHistory(0.0, 60.0, 3, 3600, False).describe() == (
        "fired 3x in the last 1h (2 flaps), 1m in total"
    )
    assert AlertHistory(0.0, 60.0, 1, 3600, False).describe() == "fired 1x in the last 1h, 1m in total"
