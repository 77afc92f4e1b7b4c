"""The demo world's exporter and its simulated Prometheus, served from a process of their own.

A real Prometheus scraping every second drops a scrape that takes longer than the second (its
timeout cannot exceed the interval), and the exporter has already moved on to the next instant:
the real side gets a gap the simulated side does not have. Served from the test process, the
exporter waited for whatever that process was doing (on a loaded machine, seconds); a process of
its own only waits for a core. The module imports nothing heavy: a "spawn" child imports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.demo_process import served_from_a_child


def _serve_world(started: float, urls_out: Any, stop: Any) -> None:
    """Exporter and simulated Prometheus of the world begun at ``started``, until ``stop`` is set."""
    import asyncio
    import time

    from aiohttp import web

    from opsconsole.demo.exporter import exporter_app
    from opsconsole.demo.prometheus_sim import SimulatedPrometheus, prometheus_app
    from opsconsole.demo.world import World

    world = World(7, "npa-degradation", 1.0, started, time.time)
    simulated = SimulatedPrometheus(world, time.time, scrape_interval=1.0)

    async def serve() -> None:
        urls = []
        for app in (exporter_app(world, time.time), prometheus_app(simulated)):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
        urls_out.put(urls)
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)

    asyncio.run(serve())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # nothing on disk to close; the sockets close with the process


@contextmanager
def world_in_another_process(started: float) -> Iterator[tuple[str, str]]:
    """Yields (exporter URL, simulated Prometheus URL) of the conformance world begun at ``started``."""
    with served_from_a_child(_serve_world, started, name="opsconsole-world") as (exporter, simulated):
        yield exporter, simulated
