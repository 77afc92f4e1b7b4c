"""The SLO pane: each SLO's error ratio over its window and burn windows, its budget, and how much
of the window its data covers. The pack's SLOs and those Sloth and Pyrra left in Prometheus."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from opsconsole.backends.errors import BackendError
from opsconsole.backends.prometheus_models import RuleGroup
from opsconsole.core.dashboard import SloRow
from opsconsole.core.durations import parse_duration
from opsconsole.core.promql_text import vector_selectors
from opsconsole.core.slo import data_start, error_ratio, evaluate
from opsconsole.packs.schema import LatencySli
from opsconsole.packs.variables import expand
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun
from opsconsole.refresh.panes.slo_cache import COVERAGE_TTL, SLOW_WINDOW, SloCache
from opsconsole.refresh.queries import PackQueries
from opsconsole.refresh.query_batch import QueryBatch, recorded_expressions
from opsconsole.refresh.slo_plans import SloPlan, pack_plans, pyrra_plans, sloth_plans

COVERAGE_STEPS = 48
COVERAGE_RESOLUTION = 60.0  # seconds: "(3m data)" is exact enough, and a 30d window takes 3 passes


def _first_window(found: dict[str, str], plan: SloPlan) -> str:
    """The SLO's own window if its ratio is wrong there, else the first burn window it is wrong in."""
    window = next(w for w in (plan.window, *plan.burn_windows) if w in found)
    return f"over {window}, {found[window]}"


def _impossible_ratio(bad: float | None, total: float | None, parts: str) -> str | None:
    """What is wrong with an error ratio outside 0 to 1, which the pane shows at the nearer end;
    ``parts`` names the SLO's queries (``error_ratio``, ``bad``, ``good``).

    Counters scraped a moment apart can do it for an instant; queries swapped, or counting
    different things, do it at every refresh: either way the figure is not what it seems.
    """
    if bad is None or total is None or total <= 0 or 0 <= bad <= total:
        return None
    high = bad > total
    if parts == "error_ratio":
        why = "its ratio query gives more than 1" if high else "its ratio query gives less than 0"
    elif parts == "good":
        why = "the good events are fewer than none" if high else "the good events outnumber the events"
    else:
        why = "the bad events outnumber the events" if high else "the bad events are fewer than none"
    shown = "1 (every event bad)" if high else "0"
    return f"the error ratio is {bad / total:.3g}, shown as {shown}: {why}; check what its queries count"


class SloPane:
    """Builds the SLO rows; owns the pack's SLO plans and the :class:`SloCache`."""

    def __init__(self, queries: PackQueries) -> None:
        self.queries = queries
        self.pack_plans = pack_plans(queries.pack, queries.values)
        self.cache = SloCache()

    @property
    def plans(self) -> list[SloPlan]:
        """The pack's SLOs, then those discovered in Prometheus."""
        return [*self.pack_plans, *self.cache.found_plans]

    @property
    def recorded(self) -> dict[str, str]:
        """Recording rules found in Prometheus, by the expression they record."""
        return self.cache.recorded

    async def __call__(self, run: PaneRun) -> PaneOutput:
        batch = run.prometheus_batch()
        # A pack SLO's latency check and the probes of how far its data goes back use nothing
        # discovery finds (a range query is never swapped for a recording rule): they go out
        # beside discovery's requests instead of after them. Its ratios wait for the rules.
        early = {plan.name: _Early.start(self, batch, plan, run.now) for plan in self.pack_plans}
        over: dict[str, dict[str, str]] = {}  # SLO → window → what is wrong with its ratio there
        try:
            await self.discover(run, batch)
            plans = self.plans
            rows = list(
                await asyncio.gather(
                    *(self.row(batch, plan, run.now, early.get(plan.name), over) for plan in plans)
                )
            )
        finally:
            for started in early.values():
                started.close()
        empty = [f"slos.{r.name}" for r in rows if r.figures.sli is None and not r.problem]
        notes = [f"{r.display}: {r.problem}" for r in rows if r.problem]
        notes += [
            f"{r.display}: {_first_window(over[r.name], plan)}"
            for r, plan in zip(rows, plans, strict=True)
            if r.name in over
        ]
        return PaneOutput(rows, queries=len(rows), empty=empty, notes=notes)

    async def row(
        self,
        batch: QueryBatch,
        plan: SloPlan,
        now: float,
        early: _Early | None = None,
        over: dict[str, dict[str, str]] | None = None,
    ) -> SloRow:
        """One SLO's row (a latency SLI that cannot be computed says why instead). ``early``: its
        latency check and data probe, started before discovery (a pack's SLO); ``over`` gets a
        sentence for an SLO whose bad events outnumber its events."""
        early = early or _Early.start(self, batch, plan, now)
        problem = await early.problem
        window_seconds = parse_duration(plan.window)
        windows = list(plan.burn_windows)
        window_ratio: float | None = None
        ratios: list[float | None] = [None] * len(windows)
        data_seconds: float | None = None
        if not problem:
            window_ratio, data_seconds, *ratios = await asyncio.gather(
                self.window_ratio(batch, plan, plan.window, now, over),
                early.data_seconds(),
                *(self.window_ratio(batch, plan, w, now, over) for w in windows),
            )
        figures = evaluate(
            plan.objective,
            window_seconds,
            window_ratio,
            dict(zip(windows, ratios, strict=True)),
            plan.rules,
            data_seconds=data_seconds,
        )
        return SloRow(
            name=plan.name,
            display=plan.display,
            objective=plan.objective,
            window=plan.window,
            figures=figures,
            queries=tuple(
                (f"{part} [{plan.window}]", text) for part, text in plan.texts(plan.window).items()
            ),
            problem=problem,
            source=plan.source,
            rules=plan.rules,
        )

    async def window_ratio(
        self,
        batch: QueryBatch,
        plan: SloPlan,
        window: str,
        now: float,
        over: dict[str, dict[str, str]] | None = None,
    ) -> float | None:
        """Error ratio over ``window``; day-long and longer windows barely move between refreshes
        but are the costliest queries (a 30d rate over every series): asked at most once a minute.

        A ratio outside 0 to 1 is shown at the nearer end and said in ``over`` (see
        :func:`_impossible_ratio`)."""
        key = (plan.name, window)
        slow = parse_duration(window) >= SLOW_WINDOW
        if slow:
            fresh, kept = self.cache.slow_ratio(key, now)
            if fresh:
                # What was wrong with the kept ratio is said as long as the ratio is shown.
                if over is not None and key in self.cache.slow_impossible:
                    over.setdefault(plan.name, {})[window] = self.cache.slow_impossible[key]
                return kept
        texts = plan.texts(window)
        # Every part asked before any is awaited: they go out in one union request (QueryBatch).
        asked = {part: batch.instant_value(text, now) for part, text in texts.items()}
        values = {part: await value for part, value in asked.items()}
        value: float | None
        total = values.get("total")
        # A part with no series while there is traffic counted nothing: a 5xx counter appears with
        # the first 5xx, so "no bad series" is 0 bad events, not "no data" (no traffic stays that).
        for part in ("bad", "good"):
            if part in values and values[part] is None and total is not None and total > 0:
                values[part] = 0.0
        bad: float | None
        if "error_ratio" in values:
            parts, bad, total = "error_ratio", values["error_ratio"], 1.0
        elif "bad" in values:
            parts, bad = "bad", values["bad"]
        else:
            good = values.get("good")
            parts, bad = "good", None if good is None or total is None else total - good
        value = error_ratio(bad, total)
        impossible = _impossible_ratio(bad, total, parts)
        if over is not None and impossible:
            over.setdefault(plan.name, {})[window] = impossible
        if slow:
            self.cache.slow_ratios[key] = (now, value)
            if impossible:
                self.cache.slow_impossible[key] = impossible
            else:
                self.cache.slow_impossible.pop(key, None)
        return value

    async def data_seconds(self, batch: QueryBatch, plan: SloPlan, now: float) -> float | None:
        """How far back the SLI's series go within the window (None: as far as the window).

        Cheap range queries of ``count(selector)``, 48 steps each: over the window to find the step
        where data begins, then inside that step, again and again until a step is a minute or
        less. Where the data begins moves only with retention, so that instant is kept for a few
        minutes; the span is measured from it to now at every refresh (young data keeps growing).
        """
        cached = self.cache.coverage.get(plan.name)
        if cached is None or now - cached[0] >= COVERAGE_TTL:
            cached = (now, await self._data_began(batch, plan, now))
            self.cache.coverage[plan.name] = cached
        began = cached[1]
        return None if began is None else max(now - began, 0.0)

    async def _data_began(self, batch: QueryBatch, plan: SloPlan, now: float) -> float | None:
        """When the SLI's data begins within the window; None when it spans the window, when there
        is none (that is the "no data" status) or when the SLO has no selector to probe."""
        texts = plan.texts(plan.window)
        source = texts.get("total") or texts.get("error_ratio") or ""
        selectors = vector_selectors(source)
        if not selectors:
            return None
        probe = f"count({selectors[0]})"

        async def present(start: float, end: float) -> tuple[list[float], float]:
            step = float(max(math.ceil((end - start) / COVERAGE_STEPS), 1))
            result = await batch.range(probe, start, end, step)
            return [t for series in result.matrix for t, v in series.values if v == v], step

        start = now - parse_duration(plan.window)
        times, step = await present(start, now)
        found = data_start(times, start, step)
        if found is None or found[0] == found[1]:
            return None
        while step > COVERAGE_RESOLUTION:
            finer, step = await present(found[0], found[1])
            narrowed = data_start(finer, found[0], step)
            if narrowed is None:
                break
            found = narrowed
            if found[0] == found[1]:
                break
        return found[1]

    async def discover(self, run: PaneRun, batch: QueryBatch) -> None:
        """Sloth and Pyrra SLOs in Prometheus, and recording rules a pack query can reuse;
        looked for every few minutes, and a failure keeps what was found before."""
        now = run.now
        if not self.cache.discovery_due(now):
            return
        self.cache.discovered_at = now
        prom = run.backends.prometheus
        try:
            # One round trip: the rules and the SLO series are asked at once.
            groups, sloth_obj, sloth_days, pyrra_obj, pyrra_win = await asyncio.gather(
                prom.rules("record") if prom else _no_rule_groups(),
                batch.instant('slo:objective:ratio{sloth_id!=""}', now),
                batch.instant('slo:time_period:days{sloth_id!=""}', now),
                batch.instant('pyrra_objective{slo!=""}', now),
                batch.instant('pyrra_window{slo!=""}', now),
            )
        except BackendError:
            return
        self.cache.found_plans = [
            *sloth_plans(sloth_obj, sloth_days),
            *pyrra_plans(pyrra_obj, pyrra_win, groups),
        ]
        batch.recorded = self.cache.recorded = recorded_expressions(groups)

    async def latency_problem(self, batch: QueryBatch, sli: LatencySli, now: float) -> str:
        """Why a latency SLI cannot be computed ("" when it can): the threshold must be a bucket."""
        selector = expand(sli.selector, self.queries.values).strip().strip("{}")
        query = f"count by (le) ({sli.histogram}_bucket{{{selector}}})"
        result = await batch.instant(query, now)
        bounds = sorted(
            {float(s.metric["le"]) for s in result.vector if s.metric.get("le") not in (None, "+Inf")}
        )
        if not result.vector:
            return f"no {sli.histogram}_bucket series match the SLO's selector"
        if not any(abs(b - sli.threshold) < 1e-12 for b in bounds):
            shown = ", ".join(f"{b:g}" for b in bounds)
            return (
                f"threshold {sli.threshold:g}s is not a bucket boundary of {sli.histogram} "
                f"(le: {shown}); a share under it cannot be computed exactly"
            )
        return ""


async def _no_rule_groups() -> list[RuleGroup]:
    return []


async def _no_problem() -> str:
    return ""


class _Early:
    """An SLO's latency check, and its data probe once the check finds no problem (a row with a
    problem shows no figures, so it asks for none), running as tasks from the start."""

    def __init__(self, problem: asyncio.Task[str], probe: asyncio.Task[float | None]) -> None:
        self.problem = problem
        self._probe = probe

    @classmethod
    def start(cls, pane: SloPane, batch: QueryBatch, plan: SloPlan, now: float) -> _Early:
        """Both started now."""
        latency = plan.latency
        problem = asyncio.ensure_future(
            pane.latency_problem(batch, latency, now) if latency else _no_problem()
        )

        async def probe() -> float | None:
            if await problem:
                return None
            return await pane.data_seconds(batch, plan, now)

        return cls(problem, asyncio.ensure_future(probe()))

    def data_seconds(self) -> asyncio.Task[float | None]:
        """How far back the SLI's data goes (:meth:`SloPane.data_seconds`)."""
        return self._probe

    def close(self) -> None:
        """Cancel what a refresh that ended early leaves running, its failures retrieved."""
        for task in (self.problem, self._probe):
            if not task.done():
                task.cancel()
            task.add_done_callback(_retrieve)


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
