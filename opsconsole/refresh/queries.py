"""The active pack's queries as the console runs them: their text with the pack's variables and a
``$rate_window`` that follows the server's scrape intervals, and the renamed-label check.

One place owns the query ids' texts so the panes, the drill-downs and the help views agree.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping

from opsconsole.backends.errors import BackendError
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.durations import parse_duration, prometheus_duration
from opsconsole.core.promql_strings import any_of
from opsconsole.packs.exported_labels import matched_labels, notice, probe_queries
from opsconsole.packs.rate_window import (
    RateWindow,
    ScrapeIntervals,
    assumed,
    choose_window,
    fixed_window,
    overridden,
    ranged_metrics,
)
from opsconsole.packs.render import missing_variables, pack_queries, pack_values
from opsconsole.packs.schema import QueryPack
from opsconsole.packs.variables import expand, variables_in
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache

DISCOVERY_TTL = 300.0  # scrape jobs and exported_* labels change with deployments, not refreshes


class PackQueries:
    """The pack's query texts for one context, with the caches their ``$rate_window`` needs."""

    def __init__(
        self,
        pack: QueryPack,
        overrides: Mapping[str, str],
        *,
        refresh_interval: float,
        scrape_intervals: ScrapeIntervalCache,
    ) -> None:
        self.pack = pack
        self.overrides = overrides
        self.refresh_interval = refresh_interval
        self.scrape_intervals = scrape_intervals
        self.by_id = {q.id: q for q in pack_queries(pack)}
        self.values = pack_values(pack, overrides)
        # A required variable nobody set: no query is sent, every pane says what to set.
        self.missing = missing_variables(pack, self.values)
        self.renamed: list[str] = []  # notices: the pack's labels arrive as exported_*
        self._intervals: ScrapeIntervals | None = None
        self._windows: dict[tuple[str, float], RateWindow] = {}
        self._metric_jobs: dict[str, set[str]] = {}
        self._metric_jobs_at = -math.inf
        self._renamed_checked = -math.inf

    def text(self, query_id: str, step: float | None = None, **extra: str) -> str:
        """The expanded text of one pack query (``extra`` supplies run-time variables).

        ``$rate_window`` follows the scrape interval of what the query reads and ``step``: the
        range query's step, or the refresh interval for an instant query (see
        :mod:`opsconsole.packs.rate_window`)."""
        window = self.rate_window(query_id, step, **extra)
        return expand(self.by_id[query_id].source, {**self.values, **_window_values(window), **extra})

    def rate_window(self, query_id: str, step: float | None = None, **extra: str) -> RateWindow:
        """The ``$rate_window`` of one query at ``step`` (the refresh interval when None)."""
        step = self.refresh_interval if step is None else step
        key = (query_id, step)
        cached = self._windows.get(key)
        if cached is not None and not extra:
            return cached
        if "rate_window" in self.overrides:
            window = fixed_window(self.overrides["rate_window"])
        else:
            placeholder = {"rate_window": "1m", "scrape_interval": "1m"}
            probe = expand(self.by_id[query_id].source, {**self.values, **placeholder, **extra})
            window = choose_window(probe, self._scrape_intervals(), step, self._metric_jobs)
        if not extra:
            self._windows[key] = window
        return window

    def uses_rate_window(self, query_id: str) -> bool:
        """Whether the query's text depends on ``$rate_window`` (its window is then worth saying)."""
        return "rate_window" in variables_in(self.by_id[query_id].source)

    def texts(self) -> dict[str, str]:
        """Every query id with its text as the console runs it (for the detail and help views)."""
        out = {}
        for qid, query in self.by_id.items():
            extra = {"window": "30d"} if "window" in query.runtime_variables else {}
            if query.runtime_variables - {"window"}:
                continue
            out[qid] = self.text(qid, None, **extra)
        return out

    def longest_scrape_interval(self) -> float:
        """The longest scrape interval of the server (or the one set, or Prometheus' default):
        every sample is written within that long after its timestamp (see range_memory)."""
        return self._scrape_intervals().largest()

    def settle_seconds(self, query_id: str, step: float) -> float:
        """How long after an instant every sample a query reads at that instant is written: the
        scrape interval of the jobs it reads over a range, else the longest (a scrape's samples
        are written when it ends, within its timeout, which is at most its interval)."""
        if "rate_window" in self.overrides:  # the window says nothing of the scrape interval
            return self.longest_scrape_interval()
        return self.rate_window(query_id, step).scrape_interval

    def _scrape_intervals(self) -> ScrapeIntervals:
        if "scrape_interval" in self.overrides:
            return overridden(parse_duration(self.overrides["scrape_interval"]))
        if self._intervals is None:
            # Not asked yet (no Prometheus, or before the first refresh): Prometheus' default.
            return assumed("not asked yet")
        return self._intervals

    async def check_renamed_labels(self, backends: BackendSet, now: float) -> None:
        """Every few minutes: do the pack's metrics carry ``exported_namespace`` (or job, pod...)
        instead of the labels its selectors filter on? (a scrape job without honor_labels)"""
        prom = backends.prometheus
        if prom is None or now - self._renamed_checked < DISCOVERY_TTL:
            return
        self._renamed_checked = now
        probes = probe_queries(matched_labels(self.texts().values()))
        answers = await asyncio.gather(*(prom.query(q, now) for q in probes.values()), return_exceptions=True)
        found = []
        for label, answer in zip(probes, answers, strict=True):
            if isinstance(answer, QueryResult) and answer.vector:
                found.append(notice(label, {s.metric.get("__name__", "") for s in answer.vector}))
        self.renamed = found

    def intervals(self) -> ScrapeIntervals:
        """The scrape intervals ``$rate_window`` follows now, with why when they are assumed."""
        return self._scrape_intervals()

    def assume_intervals(self, problem: str) -> None:
        """Prometheus' default scrape interval for every job, because of ``problem`` (``packs render``
        without a Prometheus to ask), unless a variable sets the interval or the window."""
        self._intervals = assumed(problem)
        self._windows.clear()

    async def update_intervals(self, backends: BackendSet, now: float) -> None:
        """Ask the server for its scrape intervals (cached for minutes) before queries are built."""
        await self.update_intervals_of(backends.prometheus, now)

    async def update_intervals_of(self, prom: PrometheusClient | None, now: float) -> None:
        """:meth:`update_intervals` for one Prometheus client (``packs doctor`` has no BackendSet)."""
        if prom is None or {"rate_window", "scrape_interval"} & set(self.overrides):
            return
        intervals = await self.scrape_intervals.get(prom, now)
        if intervals != self._intervals:
            self._intervals = intervals
            self._windows.clear()
        if now - self._metric_jobs_at >= DISCOVERY_TTL and len(set(intervals.jobs.values())) > 1:
            # Jobs scraped at different paces: which jobs serve each metric read over a range, so
            # a query that names no job gets its own jobs' interval rather than the slowest's.
            self._metric_jobs_at = now
            metrics: set[str] = set()
            for query in self.by_id.values():
                if query.language == "promql" and not query.runtime_variables:
                    metrics |= ranged_metrics(
                        expand(query.source, {**self.values, "rate_window": "1m", "scrape_interval": "1m"})
                    )
            if metrics:
                try:
                    found = await prom.query(
                        f"count by (__name__, job) ({{__name__=~{any_of(metrics)}}})", now
                    )
                except BackendError:
                    return
                jobs: dict[str, set[str]] = {}
                for sample in found.vector:
                    jobs.setdefault(sample.metric.get("__name__", ""), set()).add(
                        sample.metric.get("job", "")
                    )
                if jobs != self._metric_jobs:
                    self._metric_jobs = jobs
                    self._windows.clear()


def _window_values(window: RateWindow) -> dict[str, str]:
    return {"rate_window": window.text, "scrape_interval": prometheus_duration(window.scrape_interval)}
