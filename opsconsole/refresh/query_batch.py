"""One refresh's Prometheus queries, run concurrently with identical ones sent once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult, RuleGroup
from opsconsole.core.promql_text import canonical

# Failures that say the server cannot be reached at all: every other query of this refresh would
# fail the same way, each after its own retries and backoff.
UNREACHABLE = frozenset(
    {
        FailureKind.CONNECTION_REFUSED,
        FailureKind.DNS,
        FailureKind.TLS,
        FailureKind.NETWORK,
        FailureKind.TIMEOUT,
    }
)


GATE = 4  # the Prometheus client's own concurrency


def recorded_expressions(groups: Iterable[RuleGroup]) -> dict[str, str]:
    """Canonical expression → the recording rule's name, for rules that add no labels of their own
    (a rule that adds labels returns other series than the expression would)."""
    found: dict[str, str] = {}
    for group in groups:
        for rule in group.rules:
            if rule.type != "recording" or rule.labels:
                continue
            key = canonical(rule.query)
            if key is not None:
                found.setdefault(key, rule.name)
    return found


class QueryBatch:
    """Shares one in-flight request between every pane that asks the same question.

    ``asked`` counts requests the panes made, ``sent`` the ones that reached the backend. A query
    that a recording rule already computes (``recorded``: canonical expression → rule name) is sent
    as the rule's name, which Prometheus answers from stored samples instead of raw series;
    ``reused`` counts those.
    """

    def __init__(self, prometheus: PrometheusClient, recorded: Mapping[str, str] | None = None) -> None:
        self._prometheus = prometheus
        self._tasks: dict[tuple[object, ...], asyncio.Task[QueryResult]] = {}
        self.asked = 0
        self.recorded: Mapping[str, str] = recorded or {}
        self.reused: set[str] = set()
        self.unreachable: BackendError | None = None  # once set, the rest of the refresh fails at once
        # Queries wait here (as many at once as the client runs), so one that is still waiting
        # when the server proves unreachable fails at once instead of trying and backing off.
        self._gate = asyncio.Semaphore(GATE)

    def _reuse(self, promql: str) -> str:
        if not self.recorded:
            return promql
        record = self.recorded.get(canonical(promql) or "")
        if record is None:
            return promql
        self.reused.add(promql)
        return record

    @property
    def sent(self) -> int:
        """Distinct requests made."""
        return len(self._tasks)

    async def _guarded(self, make: Awaitable[QueryResult]) -> QueryResult:
        """Run one query, unless the server already proved unreachable in this refresh."""
        try:
            async with self._gate:
                if self.unreachable is not None:
                    raise self.unreachable
                try:
                    return await make
                except BackendError as exc:
                    if exc.kind in UNREACHABLE and self.unreachable is None:
                        self.unreachable = exc
                    raise
        finally:
            # A refresh abandoned at a deadline cancels queries still waiting for the gate: their
            # request was never started, and closing it says so instead of "never awaited".
            make.close()  # type: ignore[attr-defined]

    def _shared(self, key: tuple[object, ...], make: Awaitable[QueryResult]) -> Awaitable[QueryResult]:
        self.asked += 1
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(self._guarded(make))
            # A refresh abandoned at a deadline (the overview's) never drains: its failures are
            # retrieved here, so they are not printed as "exception was never retrieved".
            task.add_done_callback(_retrieved)
            self._tasks[key] = task
        else:
            make.close()  # type: ignore[attr-defined]
        # The task itself, not a shield around it: drain() retrieves every failure, so a pane that
        # stops at its first error leaves no "exception was never retrieved" behind.
        return task

    def instant(self, promql: str, at: float) -> Awaitable[QueryResult]:
        """Instant query at ``at``."""
        promql = self._reuse(promql)
        return self._shared(("instant", promql, round(at, 3)), self._prometheus.query(promql, at))

    def range(self, promql: str, start: float, end: float, step: float) -> Awaitable[QueryResult]:
        """Range query (never swapped for a recording rule: its history may start later than the range)."""
        key = ("range", promql, round(start, 3), round(end, 3), step)
        return self._shared(key, self._prometheus.query_range(promql, start, end, step))

    async def drain(self) -> None:
        """Wait for every request (so none is left running when the refresh ends)."""
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)


def _retrieved(task: asyncio.Task[QueryResult]) -> None:
    if not task.cancelled():
        task.exception()
