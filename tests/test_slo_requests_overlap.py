"""The SLO pane's requests overlap where they can: a pack SLO's probes of how far its data goes
back (range queries, never swapped for a recording rule) go out while discovery's rules request
is still waiting, instead of after it (benchmarks/snapshot_vs_curl.py: a snapshot's wall time is
mostly such chains)."""

from __future__ import annotations

import asyncio
from typing import Any

from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.refresh_fixtures import demo_service

# In the serial chain the probe is never asked while the rules wait: the wait would be endless.
# This bound only turns that hang into a failure; a probe that overlaps is asked at once.
PROBE_NEVER_ASKED = 10.0


async def test_a_pack_slos_data_probe_goes_out_while_discovery_waits(
    frozen_demo: tuple[DemoStack, DemoUrls],
) -> None:
    service = demo_service(frozen_demo[1])
    prometheus = service.backends.prometheus
    assert prometheus is not None
    probe_asked = asyncio.Event()
    rules_waited_for_probe: list[bool] = []
    real_rules, real_range = prometheus.rules, prometheus.query_range

    async def rules(*args: Any, **kwargs: Any) -> Any:
        try:
            await asyncio.wait_for(probe_asked.wait(), PROBE_NEVER_ASKED)
            rules_waited_for_probe.append(True)
        except TimeoutError:
            rules_waited_for_probe.append(False)
        return await real_rules(*args, **kwargs)

    async def query_range(promql: str, *args: Any) -> Any:
        if promql.startswith("count("):  # the SLO pane's data probe (SloPane._data_began)
            probe_asked.set()
        return await real_range(promql, *args)

    prometheus.rules = rules  # type: ignore[method-assign]
    prometheus.query_range = query_range  # type: ignore[method-assign]
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    assert rules_waited_for_probe == [True]
    assert board.status["slo"].error is None
    assert board.slos and all(row.figures.sli is not None for row in board.slos)
