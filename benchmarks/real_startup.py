"""Start-up on a real Prometheus and Alertmanager: process start → first frame → panes populated.

    python benchmarks/real_startup.py [--runs 5] [--baseline CHECKOUT]

Starts Debian's ``prometheus`` and ``prometheus-alertmanager`` on loopback (the test fixtures'
launcher; temporary data directories), Prometheus scraping itself and Alertmanager every second
and firing one alert to Alertmanager. A small pack reads their own metrics: health from ``up``,
RED per Prometheus HTTP handler, one SLO on Alertmanager's notifications, the firing alert.
Each run is a fresh interpreter taking the console command's own path (its command line parsed,
``console_setup``, ``launch.open_console``) headless at 120x40 until the health, RED, alert and
SLO panes all have rows. There is no Loki here, so the log pane is not waited for. Prints medians
over runs: first frame, panes populated, the process's CPU until then, and how many first
frames already showed the data. ``--baseline CHECKOUT`` times another checkout in the same run,
interleaved (a checkout without ``open_console`` runs its app the way its ``run_console`` did).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from startup_figures import startup_summary  # next to this script, on the path when run as one

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.real_servers import (  # noqa: E402 - the repository's own launcher, after the path is set
    start_self_watching_stack,
    wait_until,
)

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: stack-self, description: Prometheus and Alertmanager watched through their own metrics}
health:
  entity: {type_label: job, instance_label: instance}
  up: {query: 'up'}
red:
  groups:
    handlers:
      by: [handler]
      rate:
        query: 'sum by (handler) (rate(prometheus_http_requests_total[$rate_window]))'
        unit: req/s
      errors:
        query: >-
          sum by (handler) (rate(prometheus_http_requests_total{code=~"5.."}[$rate_window]))
          / sum by (handler) (rate(prometheus_http_requests_total[$rate_window]))
        unit: ratio
      duration: {histogram: prometheus_http_request_duration_seconds}
alerts:
  matchers: ['alertname="OpsconsoleTestAlwaysFiring"']
slos:
  notifications:
    objective: 0.99
    window: 1h
    ratio:
      bad: sum(rate(alertmanager_notifications_failed_total[$window]))
      total: sum(rate(alertmanager_notifications_total[$window]))
"""

CHILD = r"""
import asyncio, json, sys, time
start = float(sys.argv[1])
from opsconsole import launch
from opsconsole.cli import build_parser
from opsconsole.commands.console import console_setup

marks = {}

def populated(app):
    board = app.board
    return bool(board and board.health and board.red and board.alerts and board.slos)

async def watch(pilot):
    app = pilot.app
    marks["first_frame"] = time.time() - start
    marks["first_frame_had_data"] = populated(app)
    while not populated(app):
        await pilot.pause(0.01)
    marks["populated"] = time.time() - start
    marks["cpu"] = time.process_time()
    app.exit()

argv = ["--config", sys.argv[2], "console", "--pack", "stack-self",
        "--prometheus", sys.argv[3], "--alertmanager", sys.argv[4]]
options = console_setup(build_parser().parse_args(argv))
run = dict(headless=True, size=(120, 40), auto_pilot=watch)
if hasattr(launch, "open_console"):  # the command's own start-up path
    asyncio.run(launch.open_console(options, **run))
else:  # a checkout from before it: what its run_console did
    from opsconsole.ui.app import OpsConsoleApp
    asyncio.run(OpsConsoleApp(options).run_async(**run))
print(json.dumps(marks))
"""


def one_run(
    checkout: Path | None, config: Path, prometheus: str, alertmanager: str, env: dict[str, str]
) -> dict[str, float]:
    """One fresh interpreter: the console's start-up path in ``checkout`` (this one when None)."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, repr(started), str(config), prometheus, alertmanager],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(checkout)} if checkout else env,
        cwd=checkout,
    )
    if out.returncode != 0:
        sys.exit(f"the console failed:\n{out.stderr[-3000:]}")
    marks: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return marks


def summary(name: str, results: list[dict[str, float]]) -> str:
    """The start-up line, then the CPU to populated and how many first frames already had data."""
    with_data = sum(1 for r in results if r["first_frame_had_data"])
    return (
        f"{startup_summary(name, results, 'panes_populated')}\n"
        f"  cpu_to_populated_median={statistics.median(r['cpu'] for r in results):.2f}s "
        f"first_frames_with_data={with_data}/{len(results)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="also time another checkout (e.g. `git archive main | tar -x -C DIR`), interleaved "
        "with this one, so both see the same machine",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opsconsole-bench-") as tmp_name:
        tmp = Path(tmp_name)
        prometheus, alertmanager = start_self_watching_stack(tmp)
        try:
            packs = tmp / "packs"
            packs.mkdir()
            (packs / "stack-self.yaml").write_text(PACK)
            config = tmp / "config.yaml"
            config.write_text(f"packs_dir: {packs}\n")

            def ready() -> bool:
                rate = httpx.get(
                    f"{prometheus.url}/api/v1/query",
                    params={"query": "sum(rate(prometheus_http_requests_total[1m]))"},
                ).json()["data"]["result"]
                alerts = httpx.get(f"{alertmanager.url}/api/v2/alerts").json()
                return bool(rate) and any(
                    a["labels"].get("alertname") == "OpsconsoleTestAlwaysFiring" for a in alerts
                )

            wait_until(ready, timeout=60, what="two scrapes and the alert in Alertmanager")
            env = {
                **os.environ,
                "XDG_CONFIG_HOME": str(tmp / "config"),
                "XDG_CACHE_HOME": str(tmp / "cache"),
                "XDG_STATE_HOME": str(tmp / "state"),
            }
            checkouts: list[Path | None] = [None, *([args.baseline] if args.baseline else [])]
            for checkout in checkouts:  # warm: bytecode compiled, the YAML cache filled
                one_run(checkout, config, prometheus.url, alertmanager.url, env)
            results: dict[Path | None, list[dict[str, float]]] = {c: [] for c in checkouts}
            for _ in range(args.runs):
                for checkout in checkouts:
                    results[checkout].append(one_run(checkout, config, prometheus.url, alertmanager.url, env))
        finally:
            prometheus.stop()
            alertmanager.stop()
    print(summary("real_startup", results[None]))
    if args.baseline:
        print(summary(f"  baseline {args.baseline}:", results[args.baseline]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
