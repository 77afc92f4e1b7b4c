"""The demo stack's SLO figures equal the world model's own counts (its closed form).

The world model defines every counter as a function of time; the simulated Prometheus samples it on
a scrape grid and evaluates the pack's PromQL like Prometheus does. The SLO pane must show the
error ratio the world actually produced over each window.
"""

from __future__ import annotations

import pytest

from opsconsole.core.durations import parse_duration
from opsconsole.core.slo import BURN_WINDOWS
from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.demo_fixtures import frozen_clock
from tests.support.refresh_fixtures import demo_service

Demo = tuple[DemoStack, DemoUrls]


def _core_error_ratio(stack: DemoStack, now: float, window: str) -> float:
    world = stack.world
    start = now - parse_duration(window)
    bad = total = 0.0
    for inst in (i for i in world.instances if i.kind == "core"):
        errors = [world.counter(inst, "errors", t) for t in (start, now)]
        totals = [world.counter(inst, "total", t) for t in (start, now)]
        assert None not in errors and None not in totals  # the core API never restarts in this scenario
        bad += errors[1] - errors[0]  # type: ignore[operator]
        total += totals[1] - totals[0]  # type: ignore[operator]
    return bad / total


async def test_core_availability_matches_the_world_model(frozen_demo: Demo) -> None:
    stack, urls = frozen_demo
    service = demo_service(urls)
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    row = next(r for r in board.slos if r.name == "core-availability")
    now = frozen_clock()
    for window in BURN_WINDOWS:
        expected = _core_error_ratio(stack, now, window) / (1 - 0.999)
        # Prometheus's rate() extrapolates to the window edges from samples on the scrape grid;
        # both sides of the ratio are extrapolated alike, so the ratio stays within 0.1%.
        assert row.figures.burn_rates[window] == pytest.approx(expected, rel=0.001), window
    consumed = _core_error_ratio(stack, now, "30d") / (1 - 0.999)
    assert row.figures.consumed == pytest.approx(consumed, rel=0.001)
    assert row.figures.data_seconds is None  # the world's processes are 40 days old
    assert row.figures.status == "ok"
