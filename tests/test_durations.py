"""Durations read and written the Prometheus way, and the short ages every screen shows, at the
edges where a careless change would show up: each unit's boundary, rounding, bad text."""

from __future__ import annotations

import pytest

from opsconsole.core.durations import format_duration, parse_duration, prometheus_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s"),  # a clock a little ahead never shows a negative age
        (0, "0s"),
        (59.9, "59s"),  # rounded down: an age never claims more than it is
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h"),
        (3660, "1h01m"),
        (86399, "23h59m"),
        (86400, "1d"),
        (90000, "1d1h"),
        (23 * 86400 + 23 * 3600 + 59 * 60, "23d23h"),
    ],
)
def test_short_ages_take_each_unit_from_its_first_whole_count(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "1s"),  # Prometheus refuses a zero range: never below one second
        (0.4, "1s"),
        (1.5, "2s"),
        (59, "59s"),
        (60, "1m"),
        (90, "1m30s"),
        (3600, "1h"),
        (3601, "1h1s"),
        (86400, "1d"),
        (90061, "1d1h1m1s"),
    ],
)
def test_prometheus_durations_are_exact_and_read_back(seconds: float, text: str) -> None:
    assert prometheus_duration(seconds) == text
    assert parse_duration(text) == max(round(seconds), 1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("30s", 30),
        ("5m", 300),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("30d", 30 * 86400),
        ("2w", 14 * 86400),
        ("1y", 365 * 86400),
        ("  5m ", 300),  # a YAML value with spaces around it
        ("1m1ms", 60.001),
    ],
)
def test_every_unit_parses(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds  # exact: a year is 365 days, not about that


@pytest.mark.parametrize("text", ["", "5", "m", "5 m", "5m x", "x5m", "30 days", "-5m", "5M"])
def test_anything_else_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration: .* \(expected e\.g\. 30s, 5m, 1h30m, 30d\)"):
        parse_duration(text)
