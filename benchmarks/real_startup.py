"""Start-up on a real Prometheus and Alertmanager: process start → first frame → panes populated,
for the console and the wallboard.

    python benchmarks/real_startup.py [--runs 5] [--baseline CHECKOUT] [--apps console,wallboard]

Starts Debian's ``prometheus`` and ``prometheus-alertmanager`` on loopback (the test fixtures'
launcher; temporary data directories), Prometheus scraping itself and Alertmanager every second
and firing one alert to Alertmanager. A small pack reads their own metrics: health from ``up``,
RED per Prometheus HTTP handler, one SLO on Alertmanager's notifications, the firing alert.
Each run is a fresh interpreter taking the command's own path (the console: its command line
parsed by the parser ``cli.main`` builds, the command named registered alone (until 2026-12-01
this script registered every command, some 20 to 30 ms of imports the command does not make),
``console_setup``, ``launch.open_console``; the wallboard: ``opsconsole wallboard``'s
``run`` down to ``launch.open_wallboard``) headless at 120x40. A frame is what the app hands its
terminal (headless, it is computed and dropped): the first frame is the first one, populated the
first whose health, RED, alert and SLO tables all have rows (the wallboard: its overview page
drawn from a board with health, alerts and SLOs). There is no Loki here, so the log pane is not
waited for. Prints medians over runs: first frame, panes populated, the process's CPU until then,
how many first frames already showed the data, and when the app was mounted (nothing drawn yet:
what this script called the first frame before 2026-11-30's second round). ``--baseline
CHECKOUT`` times another checkout in the same run, interleaved (a checkout without
``open_console`` or ``open_wallboard`` runs its app the way its commands did).
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

# next to this script, on the path when run as one
from startup_figures import AS_THE_COMMAND_STARTS, startup_summary

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

CHILD = (
    AS_THE_COMMAND_STARTS
    + r"""
import asyncio, json, sys, time
start = float(sys.argv[1])
app_name = sys.argv[5]
from opsconsole import launch
from opsconsole.cli import build_parser

marks = {}

def populated(app):
    board = app.board
    if app_name == "wallboard":
        return bool(board and board.health and board.alerts and board.slos)
    return bool(board and board.health and board.red and board.alerts and board.slos)

def drawn(app):
    # What the frame shows, not only what the app holds: every pane's table has its rows (the
    # console), the overview page's alert list is drawn (the wallboard).
    if not populated(app):
        return False
    if app_name == "wallboard":
        return app._drawn.get("#wb-overview-list") is not None
    return all(app.panes[name].table.row_count for name in ("health", "red", "alerts", "slo"))

def watching_frames(cls):
    # Each frame the app hands to its terminal (headless: computed, then dropped).
    display = cls._display

    def _display(self, screen, renderable):
        if renderable is not None and not self._batch_count:
            now = time.time() - start
            marks.setdefault("first_frame", now)
            if "first_frame_had_data" not in marks:
                marks["first_frame_had_data"] = drawn(self)
            if "populated" not in marks and drawn(self):
                marks["populated"] = now
                marks["cpu"] = time.process_time()
        return display(self, screen, renderable)

    cls._display = _display
    return cls

async def watch(pilot):
    app = pilot.app
    marks["app_ready"] = time.time() - start  # mounted; nothing drawn yet
    while "populated" not in marks:
        await pilot.pause(0.01)
    app.exit()

def command_parser(argv):
    # The parser the command line builds (``cli.main``): the command named, registered alone.
    # A checkout from before that registered every command, as its command line did.
    import inspect
    if "argv" in inspect.signature(build_parser).parameters:
        return build_parser(argv=argv)
    return build_parser()

run = dict(headless=True, size=(120, 40), auto_pilot=watch)
flags = ["--pack", "stack-self", "--prometheus", sys.argv[3], "--alertmanager", sys.argv[4]]
if app_name == "wallboard":  # the command's own path, down to launch._show_wallboard
    from opsconsole.commands.wallboard import run as run_wallboard

    def show(options, recording):
        if hasattr(launch, "open_wallboard"):
            making = launch._wallboard_app_class
            launch._wallboard_app_class = lambda: watching_frames(making())
            return asyncio.run(launch.open_wallboard(options, recording, **run))
        from opsconsole.ui.wallboard import WallboardApp  # a checkout from before it
        asyncio.run(watching_frames(WallboardApp)(options).run_async(**run))
        return 0

    launch._show_wallboard = show
    argv = ["--config", sys.argv[2], "wallboard", *flags]
    args = command_parser(argv).parse_args(argv)
    run_wallboard(args)
else:
    from opsconsole.commands.console import console_setup

    argv = ["--config", sys.argv[2], "console", *flags]
    args = command_parser(argv).parse_args(argv)
    options = console_setup(args)
    if hasattr(launch, "open_console"):  # the command's own start-up path
        making = launch._console_app_class
        launch._console_app_class = lambda: watching_frames(making())
        asyncio.run(launch.open_console(options, **run))
    else:  # a checkout from before it: what its run_console did
        from opsconsole.ui.app import OpsConsoleApp
        asyncio.run(watching_frames(OpsConsoleApp)(options).run_async(**run))
print(json.dumps(marks))
"""
)


def one_run(
    checkout: Path | None, config: Path, prometheus: str, alertmanager: str, env: dict[str, str], app: str
) -> dict[str, float]:
    """One fresh interpreter: the ``app``'s start-up path in ``checkout`` (this one when None)."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, repr(started), str(config), prometheus, alertmanager, app],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(checkout)} if checkout else env,
        cwd=checkout,
    )
    if out.returncode != 0:
        sys.exit(f"the {app} failed:\n{out.stderr[-3000:]}")
    marks: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return marks


def summary(name: str, results: list[dict[str, float]]) -> str:
    """The start-up line, then the CPU to populated, how many first frames already had data, and
    when the app was mounted (the moment earlier versions of this script called the first frame)."""
    with_data = sum(1 for r in results if r["first_frame_had_data"])
    return (
        f"{startup_summary(name, results, 'panes_populated')}\n"
        f"  cpu_to_populated_median={statistics.median(r['cpu'] for r in results):.2f}s "
        f"first_frames_with_data={with_data}/{len(results)} "
        f"app_ready_median={statistics.median(r['app_ready'] for r in results):.2f}s"
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
    parser.add_argument(
        "--apps",
        default="console,wallboard",
        help="which start-ups to time, of console and wallboard (default both)",
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
                # Each checkout's bytecode is written by the warm-up run and read after, as an
                # installed package's is; without it every run compiles every module again.
                **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                "XDG_CONFIG_HOME": str(tmp / "config"),
                "XDG_CACHE_HOME": str(tmp / "cache"),
                "XDG_STATE_HOME": str(tmp / "state"),
            }
            apps = [a.strip() for a in args.apps.split(",") if a.strip()]
            checkouts: list[Path | None] = [None, *([args.baseline] if args.baseline else [])]
            for app in apps:
                for checkout in checkouts:  # warm: bytecode compiled, the YAML cache filled
                    one_run(checkout, config, prometheus.url, alertmanager.url, env, app)
            results: dict[tuple[str, Path | None], list[dict[str, float]]] = {
                (a, c): [] for a in apps for c in checkouts
            }
            for _ in range(args.runs):
                for app in apps:
                    for checkout in checkouts:
                        marks = one_run(checkout, config, prometheus.url, alertmanager.url, env, app)
                        results[app, checkout].append(marks)
        finally:
            prometheus.stop()
            alertmanager.stop()
    for app in apps:
        print(summary(f"real_startup {app}", results[app, None]))
        if args.baseline:
            print(summary(f"  baseline {args.baseline}:", results[app, args.baseline]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
