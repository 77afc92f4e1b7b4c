"""Idle cost: CPU (% of one core) and memory of the console left alone on a screen.

    python benchmarks/idle_cost.py [--seconds 300] [--runs 3] [--refresh 5] [--size 120x40]
                                   [--baseline CHECKOUT]

The demo stack runs in this process; the console (main screen, then the wallboard) runs in its
own process in a real pseudo-terminal (Textual's terminal driver), refreshing every
``--refresh`` seconds while nobody touches it. The live demo keeps its log tail moving, as a real
one does. After 10 s to settle, the script reads the child's CPU time and resident memory from
/proc for ``--seconds``. Prints medians over runs: CPU %, RSS at the end, RSS growth.

``--baseline CHECKOUT`` (another checkout of opsconsole, e.g. ``git worktree add /tmp/before
HEAD~3``) runs that version too, each of its runs right after one of this version's, against the
same demo stack: on a shared machine only figures measured side by side compare.
"""

from __future__ import annotations

import argparse
import os
import platform
import pty
import select
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from startup_figures import AS_THE_COMMAND_STARTS  # next to this script, on the path when run as one

ROOT = Path(__file__).resolve().parent.parent
SETTLE_SECONDS = 10.0
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

CHILD = (
    AS_THE_COMMAND_STARTS
    + r"""
import sys, json
from opsconsole.demo.urls import DemoUrls
from opsconsole.launch import demo_options, demo_wallboard_options
urls = DemoUrls(**json.loads(sys.argv[2]))
refresh = float(sys.argv[3])
if sys.argv[1] == "wallboard":
    from opsconsole.ui.wallboard import WallboardApp
    WallboardApp(demo_wallboard_options(urls, refresh_interval=refresh)).run()
else:
    from opsconsole.ui.app import OpsConsoleApp
    OpsConsoleApp(demo_options(urls, refresh_interval=refresh)).run()
"""
)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_mib(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def _drain(fd: int, until: float) -> None:
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def _one_run(
    screen: str,
    urls_json: str,
    refresh: float,
    seconds: float,
    size: tuple[int, int],
    checkout: Path = ROOT,
) -> dict[str, float]:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])})
        os.environ["PYTHONPATH"] = str(checkout)  # this checkout's opsconsole, whatever is installed
        os.chdir(checkout)
        os.execv(sys.executable, [sys.executable, "-c", CHILD, screen, urls_json, str(refresh)])  # noqa: S606
    try:
        _drain(fd, time.monotonic() + SETTLE_SECONDS)
        cpu0, rss0, t0 = _cpu_seconds(pid), _rss_mib(pid), time.monotonic()
        _drain(fd, t0 + seconds)
        cpu1, rss1, t1 = _cpu_seconds(pid), _rss_mib(pid), time.monotonic()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    return {"cpu_percent": 100 * (cpu1 - cpu0) / (t1 - t0), "rss_mib": rss1, "rss_growth_mib": rss1 - rss0}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--refresh", type=float, default=5.0)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--baseline", type=Path, help="another checkout, measured side by side")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    sys.path.insert(0, str(ROOT))
    import json

    from opsconsole.demo.stack import BackgroundStack, DemoStack

    load_at_start = os.getloadavg()[0]  # the machine is shared: every figure says how busy it was
    stack = BackgroundStack(DemoStack())
    urls = stack.start()
    figures: dict[str, dict[str, float]] = {}
    try:
        urls_json = json.dumps(urls.__dict__)
        versions = {"": ROOT, **({"baseline ": args.baseline.resolve()} if args.baseline else {})}
        for screen in ("main", "wallboard"):
            runs: dict[str, list[dict[str, float]]] = {label: [] for label in versions}
            for _ in range(args.runs):  # interleaved: both versions see the same load
                for label, checkout in versions.items():
                    runs[label].append(
                        _one_run(screen, urls_json, args.refresh, args.seconds, (width, height), checkout)
                    )
            for label, measured in runs.items():
                f = {key: statistics.median(r[key] for r in measured) for key in measured[0]}
                figures[label + screen] = f
                each = ", ".join(f"{r['cpu_percent']:.1f}%" for r in measured)
                print(
                    f"  {label + screen:18} CPU {f['cpu_percent']:5.1f}% of a core, "
                    f"RSS {f['rss_mib']:.0f} MiB (grew {f['rss_growth_mib']:+.1f} MiB); CPU per run: {each}",
                    flush=True,
                )
    finally:
        stack.stop()
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    machine += f", load {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    for label in ("", "baseline ") if args.baseline else ("",):
        main_f, wall_f = figures[label + "main"], figures[label + "wallboard"]
        print(
            f"idle_cost{' baseline ' + str(args.baseline) if label else ''} "
            f"{datetime.now(UTC):%Y-%m-%d} {args.size} refresh={args.refresh:g}s "
            f"seconds={args.seconds:g} runs={args.runs}: "
            f"main cpu={main_f['cpu_percent']:.1f}% rss={main_f['rss_mib']:.0f}MiB "
            f"growth={main_f['rss_growth_mib']:+.1f}MiB; "
            f"wallboard cpu={wall_f['cpu_percent']:.1f}% rss={wall_f['rss_mib']:.0f}MiB "
            f"growth={wall_f['rss_growth_mib']:+.1f}MiB; machine: {machine}, {os.cpu_count()} CPUs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
