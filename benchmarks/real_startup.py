"""Start-up on a real Prometheus and Alertmanager: process start → first frame → panes populated.

    python benchmarks/real_startup.py [--runs 5]

Starts Debian's ``prometheus`` and ``prometheus-alertmanager`` on loopback (the test fixtures'
launcher; temporary data directories), Prometheus scraping itself and Alertmanager every second
and firing one alert to Alertmanager. A small pack reads their own metrics: health from ``up``,
RED per Prometheus HTTP handler, one SLO on Alertmanager's notifications, the firing alert.
Each run is a fresh interpreter running the console headless at 120x40 (Textual's test driver)
until the health, RED, alert and SLO panes all have rows. There is no Loki here, so the log pane
is not waited for. Prints medians over runs.
"""

from __future__ import annotations

import argparse
import json
import os
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
from pathlib import Path
from opsconsole.config import ConsoleConfig, Overrides, resolve_context
from opsconsole.refresh.session import load_pack_set
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.launch import console_options

async def main():
    config = ConsoleConfig(packs_dir=Path(sys.argv[2]))
    overrides = Overrides(prometheus=sys.argv[3], alertmanagers=[sys.argv[4]])
    context = resolve_context(config, overrides, environ={})
    packs = load_pack_set(context)
    options = console_options(
        context, packs, pack="stack-self", variables={}, theme=None, resolve=lambda _: context
    )
    app = OpsConsoleApp(options)
    marks = {}
    async with app.run_test(size=(120, 40)) as pilot:
        marks["first_frame"] = time.time() - start
        while True:
            await pilot.pause(0.01)
            board = app.board
            if board and board.health and board.red and board.alerts and board.slos:
                marks["populated"] = time.time() - start
                break
    print(json.dumps(marks))

asyncio.run(main())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opsconsole-bench-") as tmp_name:
        tmp = Path(tmp_name)
        prometheus, alertmanager = start_self_watching_stack(tmp)
        try:
            packs = tmp / "packs"
            packs.mkdir()
            (packs / "stack-self.yaml").write_text(PACK)

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
            results = []
            for _ in range(args.runs):
                started = time.time()
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        CHILD,
                        repr(started),
                        str(packs),
                        prometheus.url,
                        alertmanager.url,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=120,
                    env={**os.environ, "XDG_CONFIG_HOME": str(tmp / "config")},
                )
                if out.returncode != 0:
                    sys.exit(f"the console failed:\n{out.stderr[-3000:]}")
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            prometheus.stop()
            alertmanager.stop()
    print(startup_summary("real_startup", results, "panes_populated"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
