"""Error budgets and multiwindow, multi-burn-rate status (Google SRE Workbook, chapter 5).

Inputs are error ratios per window (bad events / all events over that window), already measured;
this module only does arithmetic, so every figure on the SLO pane can be checked by hand:

- error budget = 1 - objective (the share of events allowed to fail over the SLO window);
- burn rate over a window = error ratio over that window / error budget (1.0 = on budget);
- budget consumed over the SLO window = its error ratio / error budget (the burn rate of the whole
  window), remaining = 1 - consumed, also shown as time: remaining x window length;
- time to exhaustion at burn b = remaining budget x window / b.

No traffic is "no data", never 100%.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from opsconsole.core.durations import format_duration
from opsconsole.core.untrusted_text import SanitizedModel

BURN_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
Status = Literal["ok", "ticket", "page", "exhausted", "no data"]
STATUS_RANK: dict[Status, int] = {"exhausted": 0, "page": 1, "ticket": 2, "ok": 3, "no data": 4}


@dataclass(frozen=True)
class BurnRule(SanitizedModel):
    """Both windows must burn faster than ``factor`` for the rule to fire."""

    long: str
    short: str
    factor: float
    severity: Literal["page", "ticket"]


WORKBOOK_RULES: tuple[BurnRule, ...] = (
    BurnRule("1h", "5m", 14.4, "page"),
    BurnRule("6h", "30m", 6.0, "page"),
    BurnRule("1d", "2h", 3.0, "ticket"),
    BurnRule("3d", "6h", 1.0, "ticket"),
)


def error_budget(objective: float) -> float:
    """Share of events allowed to fail."""
    if not 0 < objective < 1:
        raise ValueError(f"objective must be between 0 and 1, got {objective}")
    return 1.0 - objective


def error_ratio(bad: float | None, total: float | None) -> float | None:
    """Share of bad events; None for no traffic (no data is not 100%)."""
    if bad is None or total is None or total <= 0:
        return None
    return min(max(bad / total, 0.0), 1.0)


def burn_rate(error_ratio: float | None, objective: float) -> float | None:
    """How many times faster than sustainable the budget burns; None without traffic."""
    if error_ratio is None:
        return None
    return error_ratio / error_budget(objective)


@dataclass(frozen=True)
class SloFigures(SanitizedModel):
    """Everything the SLO pane and screen show for one SLO."""

    objective: float
    window_seconds: float
    sli: float | None
    consumed: float | None
    burn_rates: dict[str, float | None]
    status: Status
    firing_rule: BurnRule | None
    exhaustion_1h: float | None
    exhaustion_6h: float | None
    data_seconds: float | None = None

    @property
    def remaining(self) -> float | None:
        """Share of the budget left, clamped to [0, 1] for display (``consumed`` keeps the overspend)."""
        if self.consumed is None:
            return None
        return min(1.0, max(0.0, 1.0 - self.consumed))

    @property
    def budget_seconds(self) -> float:
        """The whole budget as time at 100% errors: e.g. 43.2 min for 99.9% over 30 days.

        Rounded to the microsecond: 1 - 0.9 is 0.09999999999999998, and a 90%/7d budget of
        60479.99999999999 s would read 16h47m where it is 16h48m."""
        return round(error_budget(self.objective) * self.window_seconds, 6)

    @property
    def remaining_seconds(self) -> float | None:
        """The budget left as time."""
        remaining = self.remaining
        return None if remaining is None else remaining * self.budget_seconds

    @property
    def worst_burn(self) -> tuple[str, float] | None:
        """The highest burn rate and its window."""
        known = [(w, b) for w, b in self.burn_rates.items() if b is not None]
        return max(known, key=lambda wb: wb[1]) if known else None

    @property
    def partial_window(self) -> bool:
        """True when the data covers less than the SLO window."""
        return self.data_seconds is not None and self.data_seconds < self.window_seconds * 0.99


def time_to_exhaustion(consumed: float | None, burn: float | None, window_seconds: float) -> float | None:
    """Seconds until the budget is gone at ``burn``; None when not burning or unknown, 0 when gone."""
    if consumed is None or burn is None:
        return None
    left = 1.0 - consumed
    if left <= 0:
        return 0.0
    if burn <= 0:
        return None
    return left * window_seconds / burn


def evaluate(
    objective: float,
    window_seconds: float,
    window_error_ratio: float | None,
    window_ratios: Mapping[str, float | None],
    rules: Sequence[BurnRule] = WORKBOOK_RULES,
    data_seconds: float | None = None,
) -> SloFigures:
    """Budget, burn rates per window and the status from the multiwindow rules."""
    burns = {w: burn_rate(r, objective) for w, r in window_ratios.items()}
    consumed = burn_rate(window_error_ratio, objective)
    status: Status
    firing = None
    if consumed is None:
        status = "no data"
    elif consumed >= 1.0:
        status = "exhausted"
    else:
        status = "ok"
        for rule in sorted(rules, key=lambda r: r.severity != "page"):
            long, short = burns.get(rule.long), burns.get(rule.short)
            if long is not None and short is not None and long > rule.factor and short > rule.factor:
                status, firing = rule.severity, rule
                break
    return SloFigures(
        objective=objective,
        window_seconds=window_seconds,
        sli=None if window_error_ratio is None else 1.0 - window_error_ratio,
        consumed=consumed,
        burn_rates=burns,
        status=status,
        firing_rule=firing,
        exhaustion_1h=time_to_exhaustion(consumed, burns.get("1h"), window_seconds),
        exhaustion_6h=time_to_exhaustion(consumed, burns.get("6h"), window_seconds),
        data_seconds=data_seconds,
    )


def budget_burndown(
    bad: Sequence[float | None], total: Sequence[float | None], objective: float
) -> list[float | None]:
    """Share of the window's budget left after each step, as the window's events were spent.

    ``bad[i]`` and ``total[i]`` count the events of step ``i`` (any unit common to both: rates
    times a fixed step cancel). The budget is the allowed share of *all* the window's events, so
    the last point equals the window's remaining budget. Steps before the first data are None;
    with no traffic in the whole window every point is None.
    """
    allowed = error_budget(objective) * sum(t for t in total if t is not None and t > 0)
    if allowed <= 0:
        return [None] * len(total)
    points: list[float | None] = []
    spent = 0.0
    seen = False
    for b, t in zip(bad, total, strict=True):
        if t is not None and t > 0:
            seen = True
            spent += min(max(b or 0.0, 0.0), t)
        points.append(1.0 - spent / allowed if seen else None)
    return points


def data_span(data_seconds: float | None, window_seconds: float) -> str:
    """How much data a window holds (``2.5d``), or "" when it covers the whole window."""
    if data_seconds is None or data_seconds >= window_seconds * 0.99:
        return ""
    if data_seconds >= 86400:
        return f"{data_seconds / 86400:.1f}d"
    if data_seconds >= 3600:
        return f"{data_seconds / 3600:.1f}h"
    if round(data_seconds) >= 60:
        return f"{data_seconds / 60:.0f}m"
    return f"{max(round(data_seconds), 1)}s"  # 21s of data is not "the last 1m"


def coverage_note(data_seconds: float | None, window_seconds: float) -> str:
    """``window covers only the last 2.5d of data`` when the data is shorter than the window."""
    span = data_span(data_seconds, window_seconds)
    return f"window covers only the last {span} of data" if span else ""


def budget_percent(remaining: float) -> str:
    """``27.1%``: the budget left as every view shows it (console, wallboard, contexts page, text
    and Markdown). One decimal; never "100.0%" while any of it is spent, nor "0.0%" while some is
    left (the wallboard and the contexts page rounded to whole percents: "100" beside 99.8%)."""
    share = round(remaining * 100, 1)
    if 0 < remaining < 1:
        share = min(max(share, 0.1), 99.9)
    return f"{share + 0.0:.1f}%"  # + 0.0: no "-0.0%"


def budget_text(figures: SloFigures) -> str:
    """``27.1% (11m of 43m)``: the budget left as a share and as time, as the screen shows it."""
    remaining = figures.remaining
    if remaining is None:
        return "—"
    left = format_duration(figures.remaining_seconds or 0)
    return f"{budget_percent(remaining)} ({left} of {format_duration(figures.budget_seconds)})"


def exhaustion_text(seconds: float | None, window_seconds: float, window: str) -> str:
    """Time to exhaustion; beyond the SLO window the exact figure means nothing: "> 30d"."""
    if seconds is None:
        return "—"
    return f"> {window}" if seconds > window_seconds else format_duration(seconds)


def data_start(present: Sequence[float], start: float, step: float) -> tuple[float, float] | None:
    """Where data begins, from the timestamps at which a range query found any: ``(after, at)``.

    The first present step ``at`` has data and the step before it (``after``) had none, so the
    data began in ``(after, at]``; None when nothing is present. A first step that already has data
    gives ``after == at`` (the data may be older than the range).
    """
    if not present:
        return None
    first = min(present)
    if first <= start + step * 0.5:
        return first, first
    return first - step, first
