"""Where the demo's simulated backends listen: all a console needs to know of a running demo.

Apart from :mod:`opsconsole.demo.stack` so that a console pointed at a demo stack in another
process does not import the simulators' servers (aiohttp and the simulated world).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DemoUrls:
    """Where each simulated backend listens."""

    prometheus: str
    alertmanager: str
    loki: str
    jaeger: str
