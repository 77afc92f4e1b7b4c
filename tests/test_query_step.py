"""The step and window of range queries (Prometheus refuses more than 11,000 points)."""

from __future__ import annotations

import pytest

from opsconsole.core.query_step import align, choose_step, points, rate_window


@pytest.mark.parametrize(
    ("span", "columns", "scrape", "step"),
    [
        (3600, 60, 15, 60.0),  # a point per column
        (3600, 600, 15, 15.0),  # never finer than a scrape
        (3600, 600, 0.5, 6.0),
        (60, 600, 0.1, 1.0),  # never under a second
        (30 * 86400, 1_000_000, 15, 236.0),  # 30 days: capped at 11,000 points (235.6 s, rounded up)
        (3601, 60, 15, 61.0),  # rounded up, never down
        (3600, 0, 15, 3600.0),  # no columns: one point
    ],
)
def test_the_step(span: float, columns: int, scrape: float, step: float) -> None:
    assert choose_step(1000.0, 1000.0 + span, columns, scrape) == step


def test_a_backwards_range_is_one_scrape() -> None:
    assert choose_step(100.0, 50.0, 10) == 15.0


def test_windows_are_aligned_down_to_the_step() -> None:
    assert align(1005.0, 2019.0, 10.0) == (1000.0, 2010.0)
    assert align(1000.0, 2000.0, 10.0) == (1000.0, 2000.0)


def test_points_count_both_ends() -> None:
    assert points(0, 60, 15) == 5
    assert points(0, 59, 15) == 4
    assert points(10, 10, 15) == 1
    assert points(10, 9, 15) == 0


def test_the_rate_window_holds_four_scrapes_and_a_step_plus_a_scrape() -> None:
    assert rate_window(15) == 60
    assert rate_window(60) == 75
    assert rate_window(45, scrape_interval=15) == 60
    assert rate_window(10, scrape_interval=30) == 120
