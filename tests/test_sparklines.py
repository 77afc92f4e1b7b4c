"""Sparklines and trend arrows, point by point (the panes draw them from every row's history)."""

from __future__ import annotations

import math

import pytest

from opsconsole.core.trend import ARROWS, sparkline, trend


def test_bars_scale_from_zero_so_a_small_wobble_is_not_a_cliff() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([100, 101, 99]) == "███"  # 1% apart, drawn from zero
    assert sparkline([7, 0, 3.5]) == "█▁▅"  # 3.5 of 7 is half way: index 3.5 rounds to 4


def test_negative_values_scale_from_the_minimum() -> None:
    assert sparkline([-4, 0, 4]) == "▁▅█"


def test_only_the_last_width_points_are_drawn() -> None:
    assert sparkline(list(range(20)), width=4) == "▇▇██"  # 16..19, still from zero
    assert len(sparkline([1.0] * 30)) == 12


@pytest.mark.parametrize(
    ("values", "drawn"),
    [
        ([None, 2, math.nan, 4, math.inf], " ▅ █ "),  # gaps are spaces, not zeros
        ([None, None], "  "),
        ([math.nan], " "),
        ([], ""),
        ([0, 0, None], "▁▁ "),  # all zero: the floor
        ([5, 5], "██"),  # from zero, a steady value is a full bar
        ([-5, -5], "▄▄"),  # all equal below zero: nothing to scale by, the middle
    ],
)
def test_gaps_and_flat_lines(values: list[float | None], drawn: str) -> None:
    assert sparkline(values) == drawn


@pytest.mark.parametrize(
    ("values", "direction"),
    [
        ([], "none"),
        ([5], "none"),
        ([5, None, math.nan], "none"),  # one finite point is no trend
        ([10, 10, 10, 12], "up"),
        ([10, 10, 10, 8], "down"),
        ([10, 10, 10, 10.5], "flat"),  # under 10%: noise
        ([10, 10, 10, 11], "flat"),  # exactly 1/11 of 11 is under 10%
        ([10, 10, 10, 9], "down"),  # 10% of 10 is not under 10%
        ([100, 0, 0, 0, 10], "down"),  # against the first half's mean (50), not the first point
        ([0, 0, 0, 0], "flat"),
        ([-10, -10, -5], "up"),
    ],
)
def test_the_arrow_compares_the_latest_with_the_first_halfs_mean(
    values: list[float | None], direction: str
) -> None:
    assert trend(values) == direction


def test_a_wider_tolerance_calms_the_arrow() -> None:
    assert trend([10, 12], tolerance=0.2) == "flat"
    assert trend([10, 13], tolerance=0.2) == "up"
    assert ARROWS == {"up": "↑", "down": "↓", "flat": "→", "none": " "}
