"""Alert history from ALERTS samples: spells, flaps, time firing."""

from __future__ import annotations

from opsconsole.core.alert_history import alert_history


def test_two_spells_is_one_flap() -> None:
    points = [(t, 1.0) for t in (100, 115, 130)] + [(t, 1.0) for t in (400, 415)]
    history = alert_history(points, step=15, range_seconds=900)
    assert history.spells == 2
    assert history.flaps == 1
    assert history.firing_seconds == 45
    assert history.first_firing == 100
    assert history.describe() == "fired 2x in the last 15m (1 flap), 45s in total"


def test_no_points_is_not_firing_and_zero_values_end_a_spell() -> None:
    assert alert_history([], 15, 3600).describe() == "not firing in the last 1h (per ALERTS)"
    points = [(0.0, 1.0), (15.0, 0.0), (30.0, 1.0)]
    assert alert_history(points, 15, 30).spells == 2
