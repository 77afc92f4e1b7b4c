"""SLO arithmetic with hand-computed cases and properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsconsole.core.promql_text import canonical, vector_selectors
from opsconsole.core.slo import (
    WORKBOOK_RULES,
    budget_burndown,
    burn_rate,
    coverage_note,
    data_start,
    error_budget,
    error_ratio,
    evaluate,
    time_to_exhaustion,
)

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


@settings(deadline=None)  # about results, not speed: no per-example deadline
@given(
    objective=st.floats(0.5, 0.99999),
    ratio=st.floats(0.0, 1.0),
)
def test_remaining_is_a_share_and_never_above_one(objective: float, ratio: float) -> None:
    figures = evaluate(objective, MONTH, ratio, {})
    assert figures.remaining is not None
    assert 0.0 <= figures.remaining <= 1.0


@settings(deadline=None)  # about results, not speed: no per-example deadline
@given(objective=st.floats(0.5, 0.99999))
def test_burning_at_one_for_a_whole_window_spends_exactly_the_budget(objective: float) -> None:
    budget = error_budget(objective)
    figures = evaluate(objective, MONTH, budget, {"1h": budget})
    assert figures.consumed == pytest.approx(1.0)
    assert figures.status == "exhausted"
    fresh = evaluate(objective, MONTH, 0.0, {"1h": budget})
    assert time_to_exhaustion(fresh.consumed, 1.0, MONTH) == pytest.approx(MONTH)


def test_burndown_spends_the_windows_budget_step_by_step() -> None:
    # 99% objective, 4 steps of 100 events: the window allows 4 bad events.
    points = budget_burndown([0, 1, 2, 1], [100, 100, 100, 100], 0.99)
    assert points == pytest.approx([1.0, 0.75, 0.25, 0.0])


def test_burndown_starts_at_the_first_traffic_and_no_traffic_is_no_data() -> None:
    assert budget_burndown([None, 0, 2], [None, 100, 100], 0.99) == [None, 1.0, pytest.approx(0.0)]
    assert budget_burndown([None, None], [None, 0], 0.999) == [None, None]


@settings(deadline=None)  # about results, not speed: no per-example deadline
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(1, 1e6)), min_size=1, max_size=50),
    st.floats(0.9, 0.9999),
)
def test_burndown_ends_at_the_windows_remaining_budget(
    steps: list[tuple[float, float]], objective: float
) -> None:
    bad = [share * total for share, total in steps]
    total = [t for _, t in steps]
    points = budget_burndown(bad, total, objective)
    consumed = burn_rate(error_ratio(sum(bad), sum(total)), objective)
    assert consumed is not None
    assert points[-1] == pytest.approx(1 - consumed, rel=1e-9, abs=1e-9)
    assert all(a is not None and b is not None and a >= b - 1e-12 for a, b in itertools.pairwise(points))


def test_data_start_and_coverage_wording() -> None:
    assert data_start([], 0, 10) is None
    assert data_start([0, 10, 20], 0, 10) == (0, 0)  # present from the first step: full window
    assert data_start([30, 40], 0, 10) == (20, 30)
    assert coverage_note(3 * 86400, 30 * 86400) == "window covers only the last 3.0d of data"
    assert coverage_note(5400, 86400) == "window covers only the last 1.5h of data"
    assert coverage_note(None, 86400) == coverage_note(86400, 86400) == ""
    # Under a minute of data is said in seconds: 21s of data was "only the last 1m of data".
    assert coverage_note(21, 3600) == "window covers only the last 21s of data"
    assert coverage_note(0.2, 3600) == "window covers only the last 1s of data"
    assert coverage_note(59.6, 3600) == "window covers only the last 1m of data"
    assert coverage_note(150, 3600) == "window covers only the last 2m of data"


def test_promql_texts_compare_by_meaning_and_yield_their_selectors() -> None:
    assert canonical("sum( rate(x{a='b'}[5m]) ) by (job)") == canonical('sum by (job) (rate(x{a="b"}[5m]))')
    assert canonical("sum(") is None
    text = 'sum(rate(a{x="1"}[5m] offset 1h)) / on() group_left sum(rate(b[5m])) or vector(0)'
    assert vector_selectors(text) == ['a{x="1"}', "b"]
