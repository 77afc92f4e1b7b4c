"""Demo start-up: process start → first frame → every pane populated. Prints medians over runs.

    python benchmarks/demo_startup.py [--runs 5]

Each run is a fresh interpreter (imports included), the way `opsconsole demo` starts. The console
runs headless at 120x40 (Textual's test driver), so terminal speed does not enter the figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

CHILD = r"""
import asyncio, json, sys, time
start = float(sys.argv[1])
from opsconsole.demo.stack import BackgroundStack, DemoStack
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.launch import demo_options

async def main():
    background = BackgroundStack(DemoStack())
    urls = background.start()
    app = OpsConsoleApp(demo_options(urls))
    marks = {}
    async with app.run_test(size=(120, 40)) as pilot:
        marks["first_frame"] = time.time() - start
        while True:
            await pilot.pause(0.01)
            board = app.board
            tail_in = len(app.panes["logs"].view.buffer)
            if board and board.health and board.red and board.alerts and board.slos and tail_in:
                marks["populated"] = time.time() - start
                break
    background.stop()
    print(json.dumps(marks))

asyncio.run(main())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, repr(started)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first = statistics.median(r["first_frame"] for r in results)
    populated = statistics.median(r["populated"] for r in results)
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    print(
        f"demo_startup {datetime.now(UTC):%Y-%m-%d} runs={args.runs} "
        f"first_frame_median={first:.2f}s all_panes_populated_median={populated:.2f}s "
        f"(min {min(r['populated'] for r in results):.2f}s, max {max(r['populated'] for r in results):.2f}s) "
        f"machine: {machine}, {_cpus()} CPUs"
    )
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
