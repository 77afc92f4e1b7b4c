"""The RED pane: rate, errors and latency per row of each of the pack's groups."""

from __future__ import annotations

from opsconsole.core.query_step import align, choose_step
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun
from opsconsole.refresh.red_rows import HISTORY_POINTS, red_group_rows
from opsconsole.refresh.red_rows import PARTS as RED_PARTS


async def red_pane(run: PaneRun) -> PaneOutput:
    """Every RED group's rows, now and as history over the range."""
    batch, now, text = run.prometheus_batch(), run.now, run.queries.text
    red = run.queries.pack.red
    if red is None:
        return PaneOutput([])
    step = choose_step(now - run.range_seconds, now, HISTORY_POINTS)
    start, end = align(now - run.range_seconds, now, step)
    settle = run.queries.settle_seconds
    # Every group's queries are asked before any is awaited: asked in one turn of the event loop,
    # the instant ones go out together in unions (see query_union).
    asked = []
    for name, group in red.groups.items():
        ids = {part: f"red.{name}.{part}" for part in RED_PARTS}
        instant_q = {part: batch.instant(text(ids[part]), now) for part in RED_PARTS}
        ranged_q = {
            part: batch.range(text(ids[part], step), start, end, step, settle(ids[part], step))
            for part in ("rate", "errors", "p99")
        }
        asked.append((name, group, instant_q, ranged_q))
    out = PaneOutput([])
    for name, group, instant_q, ranged_q in asked:
        instant = {part: await q for part, q in instant_q.items()}
        ranged = {part: await q for part, q in ranged_q.items()}
        part_out = red_group_rows(name, group, instant, ranged, (start, end, step))
        out.rows += part_out.rows
        out.queries += part_out.queries
        out.empty += part_out.empty
        out.notes += part_out.notes
    return out
