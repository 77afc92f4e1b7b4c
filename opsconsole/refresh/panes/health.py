"""The health pane: each entity's up, health and signal queries, now and over the range."""

from __future__ import annotations

from opsconsole.core.query_step import align, choose_step
from opsconsole.refresh.health_rows import health_queries, health_rows
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun
from opsconsole.refresh.red_rows import HISTORY_POINTS


async def health_pane(run: PaneRun) -> PaneOutput:
    """The pack's health rows (none when the pack has no health section)."""
    batch, now = run.prometheus_batch(), run.now
    health = run.queries.pack.health
    if health is None:
        return PaneOutput([])
    step = choose_step(now - run.range_seconds, now, HISTORY_POINTS * 4)
    start, end = align(now - run.range_seconds, now, step)
    specs = health_queries(health)
    instant_q = {qid: batch.instant(run.queries.text(qid), now) for qid in specs}
    ranged_q = {
        qid: batch.range(run.queries.text(qid, step), start, end, step, run.queries.settle_seconds(qid, step))
        for qid in specs
    }
    instant = {qid: await q for qid, q in instant_q.items()}
    ranged = {qid: await q for qid, q in ranged_q.items()}
    grid = [start + i * step for i in range(int((end - start) // step) + 1)]
    return health_rows(health, instant, ranged, grid)
