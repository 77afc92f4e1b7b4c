"""Bytes written to the terminal per minute: what a slow SSH link has to carry.

    python benchmarks/terminal_bytes.py [--seconds 60] [--runs 3] [--size 120x40]

The console runs for real (Textual's terminal driver, not the headless test driver) in a
pseudo-terminal on the demo stack, refreshing every 2 s. After the first frame has been drawn and the
first refresh has settled (10 s), the script counts the bytes the console writes for ``--seconds``.
Four cases: the main screen and the wallboard, each with data that does not change (the demo's clock
frozen: every refresh returns the same answers) and on the live demo (the clock in the header ticks,
the incident unfolds, the log tail moves). Medians over runs, as bytes per minute.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import pty
import select
import statistics
import struct
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTLE_SECONDS = 10.0
SCREENS = ("main", "wallboard")

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from opsconsole.demo.stack import BackgroundStack, DemoStack
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.launch import demo_options, demo_wallboard_options
from opsconsole.ui.screenshots import FROZEN_NOW

frozen = sys.argv[3] == "frozen"
clock = (lambda: FROZEN_NOW) if frozen else time.time
stack = BackgroundStack(DemoStack(clock=clock, lead_in=300))
urls = stack.start()
try:
    if sys.argv[2] == "wallboard":
        from opsconsole.ui.wallboard import WallboardApp
        WallboardApp(demo_wallboard_options(urls, clock=clock, rotate_seconds=0)).run()
    else:
        OpsConsoleApp(demo_options(urls, clock=clock)).run()
finally:
    stack.stop()
"""


def _one_run(screen: str, data: str, seconds: float, size: tuple[int, int]) -> float:
    """Bytes per minute written by one console process after it settled."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of the given size
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])})
        os.execv(sys.executable, [sys.executable, "-c", CHILD, str(ROOT), screen, data])  # noqa: S606 (our argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    counted = 0
    started = time.monotonic()
    counting_from = started + SETTLE_SECONDS
    try:
        while time.monotonic() < counting_from + seconds:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if time.monotonic() >= counting_from:
                    counted += len(chunk)
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    return counted * 60.0 / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    figures = {}
    for screen in SCREENS:
        for data in ("frozen", "live"):
            runs = [_one_run(screen, data, args.seconds, (width, height)) for _ in range(args.runs)]
            figures[(screen, data)] = statistics.median(runs)
            print(
                f"  {screen:9} {'unchanged data' if data == 'frozen' else 'live demo':14} "
                f"{figures[(screen, data)] / 1024:8.1f} KiB/min "
                f"(runs: {', '.join(f'{r / 1024:.1f}' for r in runs)})",
                flush=True,
            )
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    print(
        f"terminal_bytes {datetime.now(UTC):%Y-%m-%d} {args.size} runs={args.runs} per minute: "
        f"main unchanged={figures[('main', 'frozen')] / 1024:.1f} KiB "
        f"live={figures[('main', 'live')] / 1024:.1f} KiB; "
        f"wallboard unchanged={figures[('wallboard', 'frozen')] / 1024:.1f} KiB "
        f"live={figures[('wallboard', 'live')] / 1024:.1f} KiB; machine: {machine}, {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
