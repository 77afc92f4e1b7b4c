"""Multiwindow burn-rate rules at their boundaries (core/slo.py evaluate).

The SRE Workbook's alerts fire when both windows burn *faster* than the factor (``>``): a burn of
exactly 14.4 does not page. An objective of 93.75% makes the budget 1/16, a power of two, so the
burn rates below are exact (and every error ratio a real one, at most 100%) and the boundary is
tested at the threshold itself.
"""

from __future__ import annotations

import pytest

from opsconsole.core.slo import WORKBOOK_RULES, BurnRule, evaluate

OBJECTIVE = 0.9375  # budget 1/16: error ratio = burn / 16 exactly
WINDOW = 30 * 86400.0
CALM = 0.0


def ratios(**burns: float) -> dict[str, float | None]:
    """Error ratios per window for the given burn rates (other workbook windows calm)."""
    windows = {w for rule in WORKBOOK_RULES for w in (rule.long, rule.short)}
    return {w: burns.get(w, CALM) * (1 - OBJECTIVE) for w in windows}


def status(window_ratio: float = 0.0, rules: tuple[BurnRule, ...] = WORKBOOK_RULES, **burns: float) -> str:
    return evaluate(OBJECTIVE, WINDOW, window_ratio, ratios(**burns), rules).status


@pytest.mark.parametrize(
    ("long", "short", "factor", "severity"),
    [(r.long, r.short, r.factor, r.severity) for r in WORKBOOK_RULES],
)
def test_each_rule_fires_above_its_factor_and_not_at_it(
    long: str, short: str, factor: float, severity: str
) -> None:
    assert (
        evaluate(OBJECTIVE, WINDOW, 0.0, ratios(**{long: factor, short: factor})).burn_rates[long] == factor
    )
    assert status(**{long: factor, short: factor}) == "ok", "exactly at the factor does not fire"
    above = factor * 1.0001
    assert status(**{long: above, short: above}) == severity
    assert status(**{long: above, short: factor}) == "ok", "both windows must burn faster"
    assert status(**{long: factor, short: above}) == "ok"


def test_the_firing_rule_is_reported_with_its_windows() -> None:
    figures = evaluate(OBJECTIVE, WINDOW, 0.0, ratios(**{"6h": 7.0, "30m": 7.0}))
    assert figures.status == "page"
    assert figures.firing_rule == BurnRule("6h", "30m", 6.0, "page")


def test_a_page_wins_over_a_ticket_whatever_the_rule_order() -> None:
    burning = {w: 15.0 for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")}
    tickets_first = tuple(sorted(WORKBOOK_RULES, key=lambda r: r.severity != "ticket"))
    assert tickets_first[0].severity == "ticket"
    figures = evaluate(OBJECTIVE, WINDOW, 0.0, ratios(**burning), tickets_first)
    assert figures.status == "page"
    assert figures.firing_rule == BurnRule("1h", "5m", 14.4, "page"), "the first page rule listed"


def test_among_rules_of_one_severity_the_first_listed_is_reported() -> None:
    burning = {w: 15.0 for w in ("5m", "30m", "1h", "6h")}
    fast, slow = WORKBOOK_RULES[0], WORKBOOK_RULES[1]
    assert evaluate(OBJECTIVE, WINDOW, 0.0, ratios(**burning), (slow, fast)).firing_rule == slow
    assert evaluate(OBJECTIVE, WINDOW, 0.0, ratios(**burning), (fast, slow)).firing_rule == fast


def test_a_ticket_alone_is_a_ticket() -> None:
    assert status(**{"1d": 3.5, "2h": 3.5}) == "ticket"
    assert status(**{"3d": 1.5, "6h": 1.5}) == "ticket"


def test_a_window_without_data_never_fires_its_rule() -> None:
    window_ratios = ratios(**{"1h": 15.0})
    window_ratios["5m"] = None
    assert evaluate(OBJECTIVE, WINDOW, 0.0, window_ratios).status == "ok"


@pytest.mark.parametrize(
    ("consumed", "expected"),
    [(0.999, "ok"), (1.0, "exhausted"), (1.5, "exhausted")],
)
def test_the_budget_is_exhausted_from_exactly_all_of_it(consumed: float, expected: str) -> None:
    assert status(window_ratio=consumed * (1 - OBJECTIVE)) == expected


def test_exhausted_wins_over_a_page_and_no_traffic_is_no_data() -> None:
    burning = {"1h": 15.0, "5m": 15.0}
    assert status(window_ratio=1 - OBJECTIVE, **burning) == "exhausted"
    assert evaluate(OBJECTIVE, WINDOW, None, ratios(**burning)).status == "no data"
