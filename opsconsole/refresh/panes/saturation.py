"""The saturation rows shown with health: one instant query per pack saturation entry."""

from __future__ import annotations

from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun
from opsconsole.refresh.saturation_rows import saturation_rows


async def saturation_pane(run: PaneRun) -> PaneOutput:
    """The pack's saturation rows, one per series of each query."""
    specs = run.queries.pack.saturation
    batch = run.prometheus_batch()
    instant_q = {
        f"saturation.{n}": batch.instant(run.queries.text(f"saturation.{n}"), run.now) for n in specs
    }
    return saturation_rows(specs, {qid: await q for qid, q in instant_q.items()})
