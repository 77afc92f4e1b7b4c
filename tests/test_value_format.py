"""Numbers as the panes print them: each unit, each scale step and the edges between them.

Every figure in the console, the wallboard and ``--json`` text goes through these functions, so a
careless change here moves every pane (written when mutation testing found no test of this module).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from opsconsole.core.durations import format_duration
from opsconsole.core.value_format import format_judged, format_micros, format_value, shown_number
from opsconsole.packs.schema import Thresholds

UNITS = ("", "conns", "bytes", "ratio", "percent", "s", "req/s")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
    ],
)
def test_no_data_and_non_finite_values_say_what_they_are(value: float | None, text: str) -> None:
    for unit in ("", "bytes", "ratio", "percent", "s", "req/s", "conn"):
        assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1024**2 - 1, "1024.0 KiB"),
        (1024**2, "1.0 MiB"),
        (5 * 1024**3, "5.0 GiB"),
        (3 * 1024**4, "3.0 TiB"),
        (2048 * 1024**4, "2048.0 TiB"),  # the largest unit keeps growing, it does not run out
        (-1536, "-1.5 KiB"),
        (-12, "-12 B"),
    ],
)
def test_bytes_scale_by_1024_with_one_decimal_above_bytes(value: float, text: str) -> None:
    assert format_value(value, "bytes") == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0, "ratio", "0%"),
        (0.0123, "ratio", "1.23%"),
        (0.09994, "ratio", "9.99%"),
        (0.1, "ratio", "10.0%"),
        (0.5, "ratio", "50.0%"),
        (1, "ratio", "100.0%"),
        (-0.05, "ratio", "-5.00%"),
        (-0.5, "ratio", "-50.0%"),
        (0, "percent", "0%"),
        (5, "percent", "5.00%"),
        (10, "percent", "10.0%"),
        (99.95, "percent", "100.0%"),
    ],
)
def test_shares_are_percent_with_two_decimals_below_ten(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0µs"),
        (0.000250, "250µs"),
        (0.0000125, "12µs"),
        (0.0009994, "999µs"),
        (0.001, "1ms"),
        (0.25, "250ms"),
        (0.9994, "999ms"),
        (1, "1.00s"),
        (1.5, "1.50s"),
        (59.99, "59.99s"),
        (60, "1m"),
        (200, "3m"),
        (3 * 3600 + 20 * 60, "3h20m"),
        (-0.25, "-250ms"),
        (-90, "-1m"),
    ],
)
def test_seconds_take_the_unit_that_reads_best(value: float, text: str) -> None:
    assert format_value(value, "s") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (1, "1"),
        (0.5, "0.5"),
        (0.01234, "0.0123"),
        (0.99, "0.99"),
        (1.25, "1.2"),
        (1.0042, "1"),  # increase() of one restart, extrapolated: the same "1" as an exact 1
        (1.96, "2"),
        (99.96, "100"),
        (3.0, "3"),
        (42.0, "42"),
        (99.5, "99.5"),
        (100, "100"),
        (123.4, "123"),
        (100.4, "100"),  # from 100 on, no decimals
        (9999, "9999"),
        (10_000, "10.0k"),
        (123_456, "123.5k"),
        (999_949, "999.9k"),
        (999_960, "1.0M"),  # 999.96k rounds to 1000.0k: said as 1.0M
        (999_999, "1.0M"),
        (1_000_000, "1.0M"),
        (1_050_000, "1.1M"),
        (2_500_000_000, "2500.0M"),
        (-7, "-7"),
        (-0.5, "-0.5"),
        (-2.5, "-2.5"),
        (-1.02, "-1"),
        (-150, "-150"),
        (-20_000, "-20.0k"),
        (-3_000_000, "-3.0M"),
    ],
)
def test_plain_numbers_lose_false_precision_and_scale_by_thousands(value: float, text: str) -> None:
    assert format_value(value) == text
    assert format_value(value, "none") == text
    assert format_value(value, "req/s") == f"{text}/s"
    assert format_value(value, "conn") == f"{text} conn"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s"),  # a clock a little ahead shows no age, not a negative one
        (0, "0s"),
        (45.9, "45s"),
        (59, "59s"),
        (60, "1m"),
        (12 * 60 + 59, "12m"),
        (3599, "59m"),
        (3600, "1h"),
        (3600 + 60, "1h01m"),
        (3 * 3600 + 20 * 60, "3h20m"),
        (24 * 3600 - 1, "23h59m"),
        (24 * 3600, "1d"),
        (2 * 86400 + 4 * 3600 + 59 * 60, "2d4h"),
        (40 * 86400, "40d"),
    ],
)
def test_durations_are_short_ages(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0µs"),
        (850, "850µs"),
        (999.4, "999µs"),
        (1000, "1.0ms"),
        (12_400, "12.4ms"),
        (999_940, "999.9ms"),
        (1_000_000, "1.00s"),
        (3_210_000, "3.21s"),
        (59_990_000, "59.99s"),
        (60_000_000, "1m00s"),
        (125_000_000, "2m05s"),
        (3_600_000_000, "60m00s"),
    ],
)
def test_span_durations_keep_three_significant_figures_up_to_minutes(micros: float, text: str) -> None:
    assert format_micros(micros) == text


# A figure next to a threshold (format_judged): the text is judged as the value is.


@st.composite
def near_thresholds(draw: Any) -> tuple[float, str, Thresholds]:
    """A value, a unit and thresholds, often round numbers right beside the value (where it matters)."""
    value = draw(st.floats(allow_nan=False, allow_infinity=False))
    unit = draw(st.sampled_from(UNITS))

    def limit() -> float | None:
        return draw(
            st.one_of(
                st.none(),
                st.floats(allow_nan=False, allow_infinity=False),
                st.integers(1, 4).map(lambda n: float(f"{value:.{n}g}")),  # a round number near it
                st.just(value),
                st.just(math.nextafter(value, math.inf)),
                st.just(math.nextafter(value, -math.inf)),
            )
        )

    direction = draw(st.sampled_from(["above", "below"]))
    pair = sorted(x for x in (limit(), limit()) if x is not None)
    if len(pair) < 2:
        return value, unit, Thresholds(warn=pair[0] if pair else None, direction=direction)
    warn, crit = pair if direction == "above" else reversed(pair)
    return value, unit, Thresholds(warn=warn, crit=crit, direction=direction)


@given(near_thresholds())
@example((2.96, "", Thresholds(warn=2, crit=3)))
@example((0.02996, "ratio", Thresholds(warn=0.01, crit=0.03)))
@example((5e-324, "s", Thresholds(crit=5e-324)))  # the smallest double, in µs
def test_the_text_is_judged_as_the_value_is(case: tuple[float, str, Thresholds]) -> None:
    value, unit, thresholds = case
    text = format_judged(value, unit, thresholds.level)
    shown = shown_number(text, unit)
    assert shown is not None, text
    assert thresholds.level(shown) == thresholds.level(value), (text, shown)


@given(st.floats(min_value=-1e300, max_value=1e300), st.sampled_from(UNITS))
def test_a_text_is_read_back_as_the_number_it_shows(value: float, unit: str) -> None:
    """What the judging rests on: the text read back is the value, to the digits shown."""
    assert shown_number(format_value(value, unit), unit) is not None
    precise = shown_number(format_value(value, unit, digits=30), unit)
    assert precise == pytest.approx(value, rel=1e-12, abs=1e-30)


def test_no_number_reads_as_none() -> None:
    assert shown_number("—", "conns") is None
    assert shown_number("NaN") is None
