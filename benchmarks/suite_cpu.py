"""Where the test suite's time goes: CPU and wall time per test file, over one whole run.

    python benchmarks/suite_cpu.py [--top 30] [pytest args, e.g. tests/test_soak.py]

Runs the suite as the test command does (two processes a core, ``--dist loadfile``, unless told
otherwise) with this file as a pytest plugin: each test's CPU is its process's user + system time
and that of the child processes it waited for (a server a module fixture started is counted in the
test that stops it), from the start of its setup to the end of its teardown. Prints the run's wall
time, the load average before and after, the total, the files that took the most CPU, with when each
started (seconds after the first test), which shows whether the long files started first, and per
process its share of CPU in its tests' time and how long before the end it ran out of work.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUT_ENV = "SUITE_CPU_DIR"  # where the plugin writes one line per test, one file per process


def _cpu() -> float:
    own, waited = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime


_started: dict[str, tuple[float, float]] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    _started[nodeid] = (time.time(), _cpu())


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    began = _started.pop(nodeid, None)
    if began is None or OUT_ENV not in os.environ:
        return
    # Under xdist the controller replays the workers' reports too: its lines ("main") are left out.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    wall, cpu = time.time() - began[0], _cpu() - began[1]
    with open(Path(os.environ[OUT_ENV]) / f"{worker}.tsv", "a") as out:
        out.write(f"{nodeid}\t{wall:.3f}\t{cpu:.3f}\t{began[0]:.3f}\n")


def _summary(folder: Path, top: int) -> None:
    files: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, float("inf")])
    worker_files = [f for f in folder.glob("*.tsv") if f.stem != "main"] or list(folder.glob("*.tsv"))
    for path in worker_files:
        for line in path.read_text().splitlines():
            nodeid, wall, cpu, began = line.split("\t")
            row = files[nodeid.split("::")[0]]
            row[0] += 1
            row[1] += float(wall)
            row[2] += float(cpu)
            row[3] = min(row[3], float(began))
    if not files:
        print("no test ran")
        return
    first = min(row[3] for row in files.values())
    tests = sum(int(row[0]) for row in files.values())
    print(f"{tests} tests, {sum(row[2] for row in files.values()):.1f} s of CPU in the tests")
    print(f"{'file':52} {'tests':>5} {'CPU s':>7} {'wall s':>7} {'start s':>7}")
    for name, (count, wall, cpu, began) in sorted(files.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"{name:52} {int(count):5d} {cpu:7.1f} {wall:7.1f} {began - first:7.0f}")
    _workers(worker_files, first)


def _workers(worker_files: list[Path], first: float) -> None:
    """Per test process: its tests' CPU against their wall time (how much of it was waiting), and
    how long before the last test of the run it ran out of work (idle at the end)."""
    ends: dict[str, tuple[float, float, float]] = {}
    for path in worker_files:
        rows = [line.split("\t") for line in path.read_text().splitlines()]
        ends[path.stem] = (
            max(float(began) + float(wall) for _, wall, _, began in rows),
            sum(float(wall) for _, wall, _, _ in rows),
            sum(float(cpu) for _, _, cpu, _ in rows),
        )
    last = max(end for end, _, _ in ends.values())
    for worker, (end, wall, cpu) in sorted(ends.items()):
        print(
            f"{worker}: {cpu:.0f} s of CPU in {wall:.0f} s of tests ({cpu / wall:.0%}), "
            f"done at {end - first:.0f} s, {last - end:.0f} s before the last"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--top", type=int, default=30, help="files shown (most CPU first)")
    args, pytest_args = parser.parse_known_args()
    sys.path.insert(0, str(ROOT))
    from opsconsole.devenv import parallel_args

    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as folder:
        env = {
            **os.environ,
            OUT_ENV: folder,
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
        }
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        command = [sys.executable, "-m", "pytest", "-q", "-p", "suite_cpu", *parallel_args(pytest_args)]
        code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        took = time.monotonic() - began
        load_after = os.getloadavg()[0]
        loads = f"load {load_before:.1f} before, {load_after:.1f} after"
        print(f"pytest exit {code}; {took / 60:.1f} min wall; {loads}")
        _summary(Path(folder), args.top)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
