"""Range answers kept from one refresh to the next, reused while their window has not moved.

A chart's range query is aligned to its step (see :mod:`opsconsole.core.query_step`), so at a 5 s
refresh and a 30 s step five refreshes in six ask for the very same window. Its answer is final
once every sample up to the window's end has been written: a scrape's samples carry the time the
scrape began and are written when it ends, within the scrape timeout, which Prometheus keeps at or
under the scrape interval. So an answer asked at least the longest scrape interval after its
window's end is what the server would answer again, and is reused; one asked sooner is asked
again. A window that moved by a step is a new question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opsconsole.backends.prometheus_models import QueryResult


@dataclass
class RangeMemory:
    """The last answer to each range query (by text and step), with the window and when it was asked."""

    _answers: dict[tuple[str, float], tuple[float, float, float, QueryResult]] = field(default_factory=dict)

    def final(self, promql: str, start: float, end: float, step: float, settle: float) -> QueryResult | None:
        """The kept answer for exactly this window if it was asked ``settle`` seconds or more after
        the window's end (then no sample can still arrive inside it); None otherwise."""
        kept = self._answers.get((promql, step))
        if kept is None:
            return None
        kept_start, kept_end, asked_at, result = kept
        if (kept_start, kept_end) != (round(start, 3), round(end, 3)) or asked_at < end + settle:
            return None
        return result

    def keep(
        self, promql: str, start: float, end: float, step: float, asked_at: float, result: QueryResult
    ) -> None:
        """Remember ``result``, asked at ``asked_at`` (no later than the request left), for this window."""
        self._answers[(promql, step)] = (round(start, 3), round(end, 3), asked_at, result)
