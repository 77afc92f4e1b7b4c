"""SLO arithmetic with hand-computed cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsconsole.core.slo import WORKBOOK_RULES, burn_rate, error_budget, evaluate, time_to_exhaustion

DAY = 86400.0
MONTH = 30 * DAY


def test_workbook_example_burn_rate_two() -> None:
    # 99.9% over 30 days, 0.2% errors for the last hour: burning twice as fast as sustainable.
    assert burn_rate(0.002, 0.999) == pytest.approx(2.0)
    # The whole budget as time at 100% errors: 43.2 minutes.
    figures = evaluate(0.999, MONTH, 0.0005, {"1h": 0.002, "5m": 0.002})
    assert figures.budget_seconds == pytest.approx(43.2 * 60)
    assert figures.consumed == pytest.approx(0.5)
    assert figures.remaining_seconds == pytest.approx(21.6 * 60)
    # 50% left, burning 2x: half a window's worth of budget at 2x → 7.5 days.
    assert figures.exhaustion_1h == pytest.approx(7.5 * DAY)
    assert figures.status == "ok"


def test_page_needs_both_windows_above_14_4() -> None:
    ratio = 0.0145  # burn 14.5 on a 99.9% objective
    page = evaluate(0.999, MONTH, 0.0001, {"1h": ratio, "5m": ratio})
    assert page.status == "page"
    assert page.firing_rule == WORKBOOK_RULES[0]
    recovered = evaluate(0.999, MONTH, 0.0001, {"1h": ratio, "5m": 0.0})  # short window cooled off
    assert recovered.status == "ok"
    ticket = evaluate(0.999, MONTH, 0.0001, {"1d": 0.004, "2h": 0.004})  # burn 4 over a day
    assert ticket.status == "ticket"


def test_no_traffic_is_no_data_and_overspent_is_exhausted() -> None:
    assert evaluate(0.99, MONTH, None, {"1h": None}).status == "no data"
    assert evaluate(0.99, MONTH, None, {}).remaining is None
    gone = evaluate(0.99, MONTH, 0.02, {"1h": 0.0})
    assert gone.status == "exhausted"
    assert gone.remaining == 0.0
    assert gone.consumed == pytest.approx(2.0)
    assert time_to_exhaustion(gone.consumed, 1.0, MONTH) == 0.0


def test_objective_bounds() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        error_budget(1.0)


@given(
    objective=st.floats(0.5, 0.99999),
    ratio=st.floats(0.0, 1.0),
)
def test_remaining_is_a_share_and_never_above_one(objective: float, ratio: float) -> None:
    figures = evaluate(objective, MONTH, ratio, {})
    assert figures.remaining is not None
    assert 0.0 <= figures.remaining <= 1.0


@given(objective=st.floats(0.5, 0.99999))
def test_burning_at_one_for_a_whole_window_spends_exactly_the_budget(objective: float) -> None:
    budget = error_budget(objective)
    figures = evaluate(objective, MONTH, budget, {"1h": budget})
    assert figures.consumed == pytest.approx(1.0)
    assert figures.status == "exhausted"
    fresh = evaluate(objective, MONTH, 0.0, {"1h": budget})
    assert time_to_exhaustion(fresh.consumed, 1.0, MONTH) == pytest.approx(MONTH)
