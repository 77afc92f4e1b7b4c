"""Error-budget arithmetic shared by the SLO pane (the full multi-window math lives in ``slo``)."""

from __future__ import annotations


def error_ratio(bad: float | None, total: float | None) -> float | None:
    """Share of bad events; None for no traffic (no data is not 100%)."""
    if bad is None or total is None or total <= 0:
        return None
    return min(max(bad / total, 0.0), 1.0)


def burn_rate(ratio: float | None, objective: float) -> float | None:
    """How many times faster than sustainable the budget is being spent (1.0 = exactly on budget)."""
    if ratio is None:
        return None
    return ratio / (1.0 - objective)


def budget_remaining(ratio: float | None, objective: float) -> float | None:
    """Share of the window's error budget left (negative when overspent)."""
    rate = burn_rate(ratio, objective)
    return None if rate is None else 1.0 - rate
