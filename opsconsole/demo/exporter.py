"""The world model as a Prometheus scrape target (``/metrics``), for the PromQL conformance tests.

Each sample carries an explicit timestamp on the whole-second grid, and its value is the world's
value at exactly that instant, so a real Prometheus scraping every second stores the same samples
the simulated engine reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from aiohttp import web

from opsconsole.demo.world import World


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def exposition(world: World, at: float) -> str:
    """Every series' value at ``at`` in the Prometheus text format (no sample for absent series)."""
    lines = []
    stamp_ms = round(at * 1000)
    histogram = ""
    for series in world.series():
        value = series.value(at)
        if value is None:
            continue
        if series.name.endswith("_bucket") and series.name[: -len("_bucket")] != histogram:
            # As the seeds' services type them: Prometheus 3 rewrites a histogram's le (1 -> 1.0).
            histogram = series.name[: -len("_bucket")]
            lines.append(f"# TYPE {histogram} histogram")
        labels = ",".join(f'{k}="{_escape(v)}"' for k, v in series.labels)
        lines.append(f"{series.name}{{{labels}}} {_number(value)} {stamp_ms}")
    return "\n".join(lines) + "\n"


def exporter_app(world: World, clock: Callable[[], float], grid: float = 1.0) -> web.Application:
    """``/metrics`` serving the world one grid instant per scrape, with no gaps.

    Each scrape serves the instant after the previous one (never beyond now), so scrape jitter
    can neither skip a grid instant nor serve one twice with different values.
    """
    served: list[float] = []

    async def metrics(_: web.Request) -> web.Response:
        latest = math.floor(clock() / grid) * grid
        at = latest if not served else min(served[-1] + grid, latest)
        served[:] = [at]
        return web.Response(text=exposition(world, at), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app
