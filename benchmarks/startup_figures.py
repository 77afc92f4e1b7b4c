"""What the start-up benchmarks share: their one-line summary (medians over runs, machine, date)
and how their child interpreters start."""

from __future__ import annotations

import os
import platform
import statistics
from datetime import UTC, datetime

# The first lines of a benchmark's child interpreter, which starts an app without the installed
# command: what that command does before importing anything (opsconsole/entry_points.py). A
# checkout from before it has no such module and starts as its commands did.
AS_THE_COMMAND_STARTS = """
try:
    from opsconsole.startup_collector import hold_during_start_up
except ImportError:
    pass
else:
    hold_during_start_up()
"""


def machine() -> str:
    """``x86_64 CPython 3.11.7, 2 CPUs``: what the README rows quote with each figure."""
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{platform.machine()} {python}, {os.cpu_count()} CPUs"


def startup_summary(name: str, results: list[dict[str, float]], populated_label: str) -> str:
    """``<name> <date> runs=N first_frame_median=… <populated_label>_median=… (min, max) load
    machine``; the load average (1 minute, as ``uptime`` shows it) because the machine is shared."""
    first = statistics.median(r["first_frame"] for r in results)
    populated = [r["populated"] for r in results]
    return (
        f"{name} {datetime.now(UTC):%Y-%m-%d} runs={len(results)} first_frame_median={first:.2f}s "
        f"{populated_label}_median={statistics.median(populated):.2f}s "
        f"(min {min(populated):.2f}s, max {max(populated):.2f}s) load={os.getloadavg()[0]:.2f} "
        f"machine: {machine()}"
    )
