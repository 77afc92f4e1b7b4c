"""One refresh's Prometheus queries, run concurrently with identical ones sent once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult, RuleGroup
from opsconsole.core.promql_text import canonical, metric_names
from opsconsole.refresh.query_union import lone_value, split_union, union_text, unites_exactly
from opsconsole.refresh.range_memory import RangeMemory

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
UNION_PARTS = 8  # values asked in one union request at most


class RecordedExpressions(dict[str, str]):
    """Canonical expression → the recording rule's name, and ``metric_names``: every metric name
    those expressions name (None when one names none plainly: then any query may be one)."""

    metric_names: frozenset[str] | None = frozenset()


def recorded_expressions(groups: Iterable[RuleGroup]) -> RecordedExpressions:
    """The recording rules a query can reuse: those that add no labels of their own (a rule that
    adds labels returns other series than the expression would)."""
    found = RecordedExpressions()
    names: set[str] | None = set()
    for group in groups:
        for rule in group.rules:
            if rule.type != "recording" or rule.labels:
                continue
            key = canonical(rule.query)
            if key is not None and key not in found:
                found[key] = rule.name
                named = metric_names(rule.query)  # the same parse as canonical's (promql_text)
                names = None if names is None or named is None else names | named
    found.metric_names = None if names is None else frozenset(names)
    return found


class QueryBatch:
    """Shares one in-flight request between every pane that asks the same question.

    ``asked`` counts requests the panes made, ``sent`` the ones that reached the backend. A query
    that a recording rule already computes (``recorded``: canonical expression → rule name) is sent
    as the rule's name, which Prometheus answers from stored samples instead of raw series;
    ``reused`` counts those.

    Single values (:meth:`instant_value`) asked at one instant in the same turn of the event loop
    go out as one union request (see :mod:`opsconsole.refresh.query_union`); ``alone`` (kept by
    the caller across refreshes) holds the texts the union cannot answer exactly, which are asked
    alone from then on.
    """

    def __init__(
        self,
        prometheus: PrometheusClient,
        recorded: Mapping[str, str] | None = None,
        alone: set[str] | None = None,
        *,
        ranges: RangeMemory | None = None,
        asked_at: float = 0.0,
        settle: float = 0.0,
    ) -> None:
        self._prometheus = prometheus
        # Range answers kept across refreshes (see range_memory): reused when final, else asked
        # and kept as asked at ``asked_at`` (the refresh's instant, before any request leaves).
        self._ranges = ranges
        self._asked_at = asked_at
        self._settle = settle
        self.kept = 0  # range answers reused from an earlier refresh
        self._tasks: dict[tuple[object, ...], asyncio.Task[QueryResult]] = {}
        self._unions: list[asyncio.Task[None]] = []
        self._union_requests = 0  # unions of two parts or more: one of a single part sends it alone
        self._pending: dict[float, dict[str, _Part]] = {}
        self.alone: set[str] = alone if alone is not None else set()
        self.asked = 0
        self.recorded: Mapping[str, str] = recorded or {}
        self.reused: set[str] = set()
        self.unreachable: BackendError | None = None  # once set, the rest of the refresh fails at once
        # Queries wait here (as many at once as the client runs), so one that is still waiting
        # when the server proves unreachable fails at once instead of trying and backing off.
        self._gate = asyncio.Semaphore(GATE)

    def _reuse(self, promql: str) -> str:
        if not self.recorded or not self._may_be_recorded(promql):
            return promql
        record = self.recorded.get(canonical(promql) or "")
        if record is None:
            return promql
        self.reused.add(promql)
        return record

    def _may_be_recorded(self, promql: str) -> bool:
        """Whether ``promql`` names a metric that a recorded expression names: one that names none
        is none of them, and is not parsed to find out (a snapshot parsed each of its queries for
        that, some 10 to 15 ms of CPU for nothing where no rule records a pack's queries)."""
        names = self.recorded.metric_names if isinstance(self.recorded, RecordedExpressions) else None
        return names is None or any(name in promql for name in names)

    @property
    def sent(self) -> int:
        """Distinct requests made (a union is one)."""
        return len(self._tasks) + self._union_requests

    async def _guarded(self, make: Awaitable[QueryResult], *, union: bool = False) -> QueryResult:
        """Run one query, unless the server already proved unreachable in this refresh (a union
        that times out proves only that it is slow: its parts are then asked alone)."""
        try:
            async with self._gate:
                if self.unreachable is not None:
                    raise self.unreachable
                try:
                    return await make
                except BackendError as exc:
                    slow_union = union and exc.kind == FailureKind.TIMEOUT
                    if exc.kind in UNREACHABLE and self.unreachable is None and not slow_union:
                        self.unreachable = exc
                    raise
        finally:
            # A refresh abandoned at a deadline cancels queries still waiting for the gate: their
            # request was never started, and closing it says so instead of "never awaited".
            make.close()  # type: ignore[attr-defined]

    def _shared(self, key: tuple[object, ...], make: Awaitable[QueryResult]) -> Awaitable[QueryResult]:
        self.asked += 1
        return self._task(key, make)

    def _task(self, key: tuple[object, ...], make: Awaitable[QueryResult]) -> asyncio.Task[QueryResult]:
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
        """Instant query at ``at``, asked within one union request with the other instant queries
        asked at ``at`` in this turn of the event loop (see :mod:`opsconsole.refresh.query_union`)."""
        self.asked += 1
        promql = self._reuse(promql)
        key = ("instant", promql, round(at, 3))
        if promql in self.alone or key in self._tasks:
            return self._task(key, self._prometheus.query(promql, at))
        return self._part(promql, at, single=False).future

    def instant_value(self, promql: str, at: float) -> Awaitable[float | None]:
        """The one number an instant query at ``at`` answers (:func:`lone_value`), asked within one
        union request with the other instant queries asked at ``at`` in this turn of the event loop."""
        self.asked += 1
        promql = self._reuse(promql)
        if promql in self.alone or ("instant", promql, round(at, 3)) in self._tasks:
            # A task, not a coroutine: it goes out now, beside the caller's other parts (a
            # coroutine waited for its own await, one part after another), and a caller that stops
            # at its first failed part leaves no coroutine "never awaited" behind.
            task = asyncio.ensure_future(self._value_alone(promql, at))
            task.add_done_callback(_retrieved)
            return task
        return self._part(promql, at, single=True).value()

    def _part(self, promql: str, at: float, *, single: bool) -> _Part:
        pending = self._pending.get(at)
        if pending is None:
            pending = self._pending[at] = {}
            asyncio.get_running_loop().call_soon(self._send_union, at)
        part = pending.get(promql)
        if part is None:
            part = pending[promql] = _Part(asyncio.get_running_loop().create_future())
        part.single |= single
        return part

    async def _value_alone(self, promql: str, at: float) -> float | None:
        return lone_value(await self._alone(promql, at, single=True))

    async def _alone(self, promql: str, at: float, *, single: bool) -> QueryResult:
        """The query asked by itself; from now on alone when a union cannot answer it exactly."""
        result = await self._task(("instant", promql, round(at, 3)), self._prometheus.query(promql, at))
        if not unites_exactly(result, single=single):
            self.alone.add(promql)
        return result

    def _send_union(self, at: float) -> None:
        # Prometheus evaluates one query's parts one after another: unions of a few parts each
        # keep the gate's concurrency, and none takes much longer than its slowest parts.
        pending = list(self._pending.pop(at).items())
        for first in range(0, len(pending), UNION_PARTS):
            task = asyncio.ensure_future(self._union(at, dict(pending[first : first + UNION_PARTS])))
            task.add_done_callback(_retrieved)
            self._unions.append(task)

    async def _union(self, at: float, parts: dict[str, _Part]) -> None:
        texts = list(parts)
        futures = [part.future for part in parts.values()]
        answers: list[QueryResult] | None = None
        try:
            if len(texts) > 1:
                self._union_requests += 1
                result = await self._guarded(self._prometheus.query(union_text(texts), at), union=True)
                answers = split_union(result, len(texts))
        except asyncio.CancelledError:
            for future in futures:
                future.cancel()
            raise
        except BackendError as exc:
            if exc.kind in UNREACHABLE - {FailureKind.TIMEOUT}:  # each part alone would fail so, at once
                _settle(futures, [exc] * len(texts))
                return
        except Exception as exc:  # never leave a pane waiting
            _settle(futures, [exc] * len(texts))
            raise
        # A single value with several series is asked alone (which series is "last" could differ);
        # a vector's series are read back whole, however many.
        alone = (
            list(range(len(texts)))
            if answers is None
            else [i for i, part in enumerate(parts.values()) if part.single and len(answers[i].vector) > 1]
        )
        kinds = [part.single for part in parts.values()]
        found = await asyncio.gather(
            *(self._alone(texts[i], at, single=kinds[i]) for i in alone), return_exceptions=True
        )
        unreachable = any(isinstance(got, BackendError) and got.kind in UNREACHABLE for got in found)
        if answers is None and len(texts) > 1 and not unreachable:
            # The server refused the union: the parts to blame (refused alone too, or an answer
            # a union cannot hold) go alone from now on; when none is to blame, the union is (a
            # sample limit, or too slow as one query).
            blamed = {texts[i] for i, got in zip(alone, found, strict=True) if isinstance(got, BaseException)}
            blamed |= self.alone & set(texts)
            self.alone.update(blamed or texts)
        settled: dict[int, QueryResult | BaseException] = dict(enumerate(answers or []))
        settled.update(zip(alone, found, strict=True))
        _settle(futures, [settled[i] for i in range(len(texts))])

    def range(
        self, promql: str, start: float, end: float, step: float, settle: float | None = None
    ) -> Awaitable[QueryResult]:
        """Range query (never swapped for a recording rule: its history may start later than the
        range). An answer kept from an earlier refresh for this very window is reused when it was
        asked ``settle`` seconds (the scrape interval of what it reads; the longest one when None)
        or more after the window's end (see :mod:`opsconsole.refresh.range_memory`)."""
        key = ("range", promql, round(start, 3), round(end, 3), step)
        memory = self._ranges
        if memory is not None and key not in self._tasks:
            final = memory.final(promql, start, end, step, self._settle if settle is None else settle)
            if final is not None:
                self.asked += 1
                self.kept += 1
                answered = asyncio.get_running_loop().create_future()
                answered.set_result(final)
                return answered
        task = self._shared(key, self._prometheus.query_range(promql, start, end, step))
        if memory is not None:
            asked_at = self._asked_at

            def keep(done: asyncio.Task[QueryResult]) -> None:
                if not done.cancelled() and done.exception() is None:
                    memory.keep(promql, start, end, step, asked_at, done.result())

            task.add_done_callback(keep)  # type: ignore[attr-defined]
        return task

    async def drain(self) -> None:
        """Wait for every request (so none is left running when the refresh ends)."""
        if self._tasks or self._unions:
            await asyncio.gather(*self._unions, *self._tasks.values(), return_exceptions=True)


def _retrieved(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


class _Part:
    """One query of a union: the answer's future, and whether a single value is read from it."""

    def __init__(self, future: asyncio.Future[QueryResult]) -> None:
        self.future = future
        future.add_done_callback(_retrieved)
        self.single = False

    def value(self) -> asyncio.Future[float | None]:
        """The part's value (:func:`lone_value`), settled when the part is."""
        out: asyncio.Future[float | None] = asyncio.get_running_loop().create_future()
        out.add_done_callback(_retrieved)

        def settle(answer: asyncio.Future[QueryResult]) -> None:
            if out.done():
                return
            if answer.cancelled():
                out.cancel()
            elif (exc := answer.exception()) is not None:
                out.set_exception(exc)
            else:
                out.set_result(lone_value(answer.result()))

        self.future.add_done_callback(settle)
        return out


def _settle(futures: Iterable[asyncio.Future[Any]], answers: Iterable[object]) -> None:
    for future, answer in zip(futures, answers, strict=True):
        if future.done():
            continue
        if isinstance(answer, BaseException):
            future.set_exception(answer)
        else:
            future.set_result(answer)
