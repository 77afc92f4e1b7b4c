"""The SLO figures the pane prints, at their edges: what counts as no traffic, where a window
stops being "partial", how the budget and the time to exhaustion read, and what evaluate() hands
the screen besides the status (written when mutation testing found each of these unpinned)."""

from __future__ import annotations

import pytest

from opsconsole.core.slo import (
    SloFigures,
    budget_burndown,
    budget_text,
    data_span,
    data_start,
    error_ratio,
    evaluate,
    exhaustion_text,
    time_to_exhaustion,
)

DAY = 86400
MONTH = 30 * DAY


@pytest.mark.parametrize(
    ("bad", "total", "ratio"),
    [
        (None, 100, None),  # bad events unknown
        (5, None, None),  # total unknown
        (0, 0, None),  # no traffic is no data, never 0% or 100%
        (5, -1, None),  # a counter reset can make a negative total
        (5, 100, 0.05),
        (150, 100, 1.0),  # more bad than all (series scraped at different times) is all bad
        (-3, 100, 0.0),
    ],
)
def test_the_error_ratio_is_a_share_or_nothing(
    bad: float | None, total: float | None, ratio: float | None
) -> None:
    assert error_ratio(bad, total) == ratio


@pytest.mark.parametrize(
    ("consumed", "burn", "seconds"),
    [
        (1.0, 0.0, 0.0),  # spent exactly: gone, even with nothing burning now
        (1.2, 5.0, 0.0),
        (0.5, 0.0, None),  # not burning: never exhausted
        (0.5, 2.0, 0.25 * MONTH),
        (None, 2.0, None),
        (0.5, None, None),
    ],
)
def test_time_to_exhaustion(consumed: float | None, burn: float | None, seconds: float | None) -> None:
    assert time_to_exhaustion(consumed, burn, MONTH) == seconds


def test_evaluate_hands_the_screen_every_figure_not_only_the_status() -> None:
    ratios = {"5m": 0.0005, "1h": 0.0004, "6h": 0.002, "30m": 0.0001}
    figures = evaluate(0.999, MONTH, 0.25 * 0.001, ratios, data_seconds=10 * DAY)
    assert figures.status == "ok"
    assert figures.firing_rule is None
    assert figures.sli == pytest.approx(1 - 0.00025)
    assert figures.consumed == pytest.approx(0.25)
    assert figures.exhaustion_1h == pytest.approx(0.75 * MONTH / 0.4)
    assert figures.exhaustion_6h == pytest.approx(0.75 * MONTH / 2.0)
    assert figures.data_seconds == 10 * DAY
    assert figures.partial_window


def test_without_traffic_there_is_no_sli_and_no_exhaustion() -> None:
    figures = evaluate(0.999, MONTH, None, {"1h": None, "6h": None})
    assert (figures.status, figures.sli, figures.exhaustion_1h, figures.exhaustion_6h) == (
        "no data",
        None,
        None,
        None,
    )


def test_burndown_steps_without_traffic_before_the_first_are_not_points() -> None:
    # A zero total is a step with no traffic, like a missing one: the line starts at the first event.
    assert budget_burndown([0, 0, 1], [0, 0, 100], 0.99) == [None, None, pytest.approx(0.0)]
    with pytest.raises(ValueError):
        budget_burndown([0, 1], [100, 100, 100], 0.99)  # series of different lengths are a bug


@pytest.mark.parametrize(
    ("data_seconds", "text"),
    [
        (0.99 * MONTH, ""),  # 99% of the window is the whole window
        (0.98 * MONTH, "29.4d"),
        (DAY, "1.0d"),
        (DAY - 1, "24.0h"),
        (3600, "1.0h"),
        (3599, "60m"),
        (60, "1m"),
        (10, "10s"),  # under a minute in seconds: never "0m", nor "1m" for 10s of data
        (0.2, "1s"),  # never "0s"
    ],
)
def test_data_span_at_each_unit_step(data_seconds: float, text: str) -> None:
    assert data_span(data_seconds, MONTH) == text


def test_budget_text_reads_share_then_time() -> None:
    quarter_spent = evaluate(0.999, MONTH, 0.729 * 0.001, {})
    assert budget_text(quarter_spent) == "27.1% (11m of 43m)"
    spent = evaluate(0.999, MONTH, 0.002, {})
    assert budget_text(spent) == "0.0% (0s of 43m)"
    assert budget_text(evaluate(0.999, MONTH, None, {})) == "—"
    # 1 - 0.9 is a hair under 0.1 in floating point: the whole budget still reads 16h48m, not 16h47m.
    assert budget_text(evaluate(0.9, 7 * DAY, 0.0, {})) == "100.0% (16h48m of 16h48m)"
    assert budget_text(evaluate(0.95, 7 * DAY, 0.0, {})) == "100.0% (8h24m of 8h24m)"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (MONTH + 1, "> 30d"), (MONTH, "30d"), (5 * 3600, "5h")],
)
def test_exhaustion_beyond_the_window_is_only_beyond_it(seconds: float | None, text: str) -> None:
    assert exhaustion_text(seconds, MONTH, "30d") == text


@pytest.mark.parametrize(
    ("first", "found"),
    [
        (100 + 5, (105, 105)),  # within half a step of the start: the data may be older
        (100 + 6, (96, 106)),
        (100 + 10, (100, 110)),
        (100 + 14, (104, 114)),
    ],
)
def test_data_start_half_a_step_in_is_still_the_start(first: float, found: tuple[float, float]) -> None:
    assert data_start([first + 20, first], 100, 10) == found


def figures_burning(burn_rates: dict[str, float | None]) -> SloFigures:
    return SloFigures(0.999, MONTH, 0.9995, 0.5, burn_rates, "ok", None, None, None)


@pytest.mark.parametrize(
    ("burn_rates", "worst"),
    [
        ({"5m": 2.0, "1h": None, "6h": 14.4, "3d": 0.5}, ("6h", 14.4)),
        ({"5m": None, "1h": 0.0}, ("1h", 0.0)),  # no burn is still a known rate
        ({"5m": 3.0, "1h": 3.0}, ("5m", 3.0)),  # a tie: the first window named
        ({"5m": None, "1h": None}, None),  # no traffic anywhere: nothing to say
        ({}, None),
    ],
)
def test_the_worst_burn_is_the_highest_known_rate_with_its_window(
    burn_rates: dict[str, float | None], worst: tuple[str, float] | None
) -> None:
    """What the SLO pane, the wallboard and ``snapshot`` show as the worst burn (the property test
    over every row model reaches it too, but only checks that it draws safely)."""
    assert figures_burning(burn_rates).worst_burn == worst
