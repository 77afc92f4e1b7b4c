"""Start the four simulated backends on loopback ports, in-process."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from opsconsole.demo.alertmanager_sim import SimulatedAlertmanager, alertmanager_app
from opsconsole.demo.jaeger_sim import SimulatedJaeger, jaeger_app
from opsconsole.demo.loki_sim import SimulatedLoki, loki_app
from opsconsole.demo.prometheus_sim import SimulatedPrometheus, prometheus_app
from opsconsole.demo.telemetry import Telemetry
from opsconsole.demo.urls import DemoUrls as DemoUrls  # also imported from here (tests, tools)
from opsconsole.demo.world import World

HOST = "127.0.0.1"
# The simulated Prometheus answers from the world alone (its seed, scenario, speed and start) and
# holds nothing a client changes (silences live in the Alertmanager), so stacks alike share one,
# and with it the rules' evaluation over the whole scenario (seconds of CPU) and its kept answers:
# a test's fresh stack on the frozen clock starts warm. The few made last are kept.
PROMETHEUS_KEPT = 4
# By the clock's identity (a clock may be a mutable object, unhashable), kept alive with it.
_prometheus_made: OrderedDict[tuple[object, ...], tuple[object, SimulatedPrometheus]] = OrderedDict()


def shared_prometheus(
    seed: int, scenario: str, speed: float, started: float, clock: Callable[[], float]
) -> SimulatedPrometheus:
    """The simulated Prometheus of this world, made once for stacks alike."""
    key = (seed, scenario, speed, started, id(clock))
    _, made = _prometheus_made.pop(key, (None, None))
    if made is None:
        world = World(seed, scenario, speed, started, clock)
        made = SimulatedPrometheus(world, clock)
    _prometheus_made[key] = (clock, made)
    while len(_prometheus_made) > PROMETHEUS_KEPT:
        _prometheus_made.popitem(last=False)
    return made


@dataclass
class DemoStack:
    """The world and its four HTTP faces. ``start()``/``stop()`` run on the caller's event loop."""

    seed: int = 7
    scenario: str = "npa-degradation"
    speed: float = 1.0
    clock: Callable[[], float] = time.time
    lead_in: float = 45.0  # start the scenario this many scenario-seconds ago, so the ramp is soon
    ports: tuple[int, int, int, int] = (0, 0, 0, 0)
    urls: DemoUrls | None = None
    _runners: list[web.AppRunner] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        started = self.clock() - self.lead_in / self.speed
        self.prometheus = shared_prometheus(self.seed, self.scenario, self.speed, started, self.clock)
        self.world = self.prometheus.world
        self.telemetry = Telemetry(self.world)
        self.alertmanager = SimulatedAlertmanager(self.prometheus.rules, self.clock, started)
        self.loki = SimulatedLoki(self.telemetry, self.clock)
        self.jaeger = SimulatedJaeger(self.telemetry, self.clock)

    async def start(self) -> DemoUrls:
        """Bind the servers (port 0 = any free port) and return their URLs."""
        apps = [
            prometheus_app(self.prometheus),
            alertmanager_app(self.alertmanager),
            loki_app(self.loki),
            jaeger_app(self.jaeger),
        ]
        urls = []
        for app, port in zip(apps, self.ports, strict=True):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, HOST, port)
            await site.start()
            self._runners.append(runner)
            server = site._server
            assert server is not None
            assert server.sockets  # type: ignore[attr-defined]
            bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            urls.append(f"http://{HOST}:{bound}")
        self.urls = DemoUrls(*urls)
        return self.urls

    async def stop(self) -> None:
        """Close every server."""
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()


class BackgroundStack:
    """A :class:`DemoStack` on its own thread and event loop (so a UI can own the main loop)."""

    def __init__(self, stack: DemoStack) -> None:
        self.stack = stack
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="opsconsole-demo", daemon=True)

    def start(self) -> DemoUrls:
        """Start serving; returns the URLs once every server is bound."""
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self.stack.start(), self._loop).result(timeout=30)

    def stop(self) -> None:
        """Stop serving and end the thread."""
        asyncio.run_coroutine_threadsafe(self.stack.stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
