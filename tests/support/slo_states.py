"""Three SLOs in the states the SLO screen must tell apart (page, ticket, exhausted).

Their figures come from the core's rules on the error ratios below, never from a hand-set status;
the SLO screen's snapshot and the detail screens' loading tests both draw them.
"""

from __future__ import annotations

from opsconsole.core.dashboard import SloRow
from opsconsole.core.slo import WORKBOOK_RULES, evaluate

DAY = 86400.0


def _slo(name: str, window_ratio: float, ratios: dict[str, float]) -> SloRow:
    """An SLO at 99.9% over 30d whose figures the core computes from the given error ratios."""
    figures = evaluate(0.999, 30 * DAY, window_ratio, ratios)
    return SloRow(
        name=name,
        display=name,
        objective=0.999,
        window="30d",
        figures=figures,
        queries=(("bad [30d]", f'sum(rate(http_requests_total{{slo="{name}",code=~"5.."}}[30d]))'),),
        rules=WORKBOOK_RULES,
    )


# Error ratios (budget 0.1%): 2% over 1h and 5m is a burn of 20x (> 14.4x: page); 0.4% over 1d
# and 2h is 4x (> 3x: ticket, under both page rules); 0.12% over the 30d window is 120% spent.
QUIET = {"5m": 0.0, "30m": 0.0, "1h": 0.0, "2h": 0.0, "6h": 0.0, "1d": 0.0, "3d": 0.0}
SLOS = [
    _slo("checkout-page", 0.0004, {**QUIET, "5m": 0.02, "1h": 0.02, "30m": 0.002, "6h": 0.002}),
    _slo("search-ticket", 0.0003, {**QUIET, "2h": 0.004, "1d": 0.004, "6h": 0.004, "3d": 0.0004}),
    _slo("login-exhausted", 0.0012, {**QUIET, "1h": 0.0005, "6h": 0.0005}),
]
