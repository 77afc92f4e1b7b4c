"""Demo start-up: process start → first frame → every pane populated. Prints medians over runs.

    python benchmarks/demo_startup.py [--runs 5]

Each run is a fresh interpreter (imports included), the way `opsconsole demo` starts. The console
runs headless at 120x40 (Textual's test driver), so terminal speed does not enter the figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

# next to this script, on the path when run as one
from startup_figures import AS_THE_COMMAND_STARTS, startup_summary

CHILD = (
    AS_THE_COMMAND_STARTS
    + r"""
import asyncio, json, sys, time
start = float(sys.argv[1])
from opsconsole.demo.stack import BackgroundStack, DemoStack
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.launch import demo_options

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
)


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
    print(startup_summary("demo_startup", results, "all_panes_populated"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
