"""One refresh's Prometheus queries, run concurrently with identical ones sent once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult


class QueryBatch:
    """Shares one in-flight request between every pane that asks the same question.

    ``asked`` counts requests the panes made, ``sent`` the ones that reached the backend.
    """

    def __init__(self, prometheus: PrometheusClient) -> None:
        self._prometheus = prometheus
        self._tasks: dict[tuple[object, ...], asyncio.Task[QueryResult]] = {}
        self.asked = 0

    @property
    def sent(self) -> int:
        """Distinct requests made."""
        return len(self._tasks)

    def _shared(self, key: tuple[object, ...], make: Awaitable[QueryResult]) -> Awaitable[QueryResult]:
        self.asked += 1
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(make)
            self._tasks[key] = task
        else:
            make.close()  # type: ignore[attr-defined]
        # The task itself, not a shield around it: drain() retrieves every failure, so a pane that
        # stops at its first error leaves no "exception was never retrieved" behind.
        return task

    def instant(self, promql: str, at: float) -> Awaitable[QueryResult]:
        """Instant query at ``at``."""
        return self._shared(("instant", promql, round(at, 3)), self._prometheus.query(promql, at))

    def range(self, promql: str, start: float, end: float, step: float) -> Awaitable[QueryResult]:
        """Range query."""
        key = ("range", promql, round(start, 3), round(end, 3), step)
        return self._shared(key, self._prometheus.query_range(promql, start, end, step))

    async def drain(self) -> None:
        """Wait for every request (so none is left running when the refresh ends)."""
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
