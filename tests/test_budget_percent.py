"""The budget left as every view shows it: one decimal, and never a rounding that reassures."""

from __future__ import annotations

import pytest

from opsconsole.core.context_overview import ContextRow
from opsconsole.core.slo import budget_percent


@pytest.mark.parametrize(
    ("remaining", "shown"),
    [
        (1.0, "100.0%"),
        (0.99987, "99.9%"),  # spent a little: not "100.0%" (nor the wallboard's old "100")
        (0.998, "99.8%"),
        (0.271, "27.1%"),
        (0.0004, "0.1%"),  # a little left: not "0.0%"
        (0.0, "0.0%"),
        (-0.00001, "0.0%"),  # not "-0.0%"
    ],
)
def test_the_budget_left_reads_the_same_everywhere(remaining: float, shown: str) -> None:
    assert budget_percent(remaining) == shown


def test_the_contexts_page_shows_the_worst_budget_as_the_console_does() -> None:
    """It rounded to a whole percent ("100% Core API under 500 ms" beside the console's 99.8%)."""
    row = ContextRow("prod", worst_budget=("Core API under 500 ms", 0.998), as_of=1000.0)
    texts = row.texts(now=1000.0)
    assert texts["budget"] == "99.8% Core API under 500 ms"
    assert texts["budget_percent"] == "99.8%"
