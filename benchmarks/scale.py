"""Scale: 10,000 active alerts, 1,000 agent instances, a 5,000-span trace.

    python benchmarks/scale.py [--runs 5] [--alerts 10000] [--agents 1000] [--spans 5000]

The console runs headless at 160x50 (Textual's test driver) on the frozen demo stack. After the
first refresh, the board is inflated: the demo's agent rows are copied under new names up to
``--agents`` instances, and its alerts likewise up to ``--alerts`` (in groups of 50, as an
Alertmanager grouping by alertname and agent type would give). Measured, as medians over runs:

- render: the board handed to the panes until the screen has been laid out and painted;
- filter keystroke: on the alerts pane, ``/`` then typing ``npa-1`` one key at a time, each key
  until the filtered rows are on screen (the worst key of each run is kept);
- trace: opening a ``--spans`` trace (a root with fan-out of 10 per level) until painted, then
  moving the cursor a page down and collapsing a subtree, each until painted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opsconsole.backends.jaeger_models import Span, Trace  # noqa: E402
from opsconsole.core.dashboard import AlertGroupView, Dashboard  # noqa: E402
from opsconsole.demo.stack import BackgroundStack, DemoStack  # noqa: E402
from opsconsole.launch import demo_options  # noqa: E402
from opsconsole.ui.app import OpsConsoleApp  # noqa: E402
from opsconsole.ui.screenshots import FROZEN_NOW, finite_work_done  # noqa: E402
from opsconsole.ui.trace_screens import TraceScreen  # noqa: E402


def inflate(board: Dashboard, agents: int, alerts: int) -> Dashboard:
    """The demo's board with its rows copied up to ``agents`` instances and ``alerts`` alerts."""
    health = [
        replace(row, entity=f"{row.entity}-{n // len(board.health)}")
        for n, row in zip(range(agents), _cycle(board.health), strict=False)
    ]
    seed = [a for g in board.alerts for a in g.alerts]
    copies = [
        replace(a, fingerprint=f"{a.fingerprint}-{n}", entity=f"{a.entity}-{n // len(seed)}")
        for n, a in zip(range(alerts), _cycle(seed), strict=False)
    ]
    groups = [
        AlertGroupView(key=(("alertname", chunk[0].alertname), ("block", str(i))), alerts=tuple(chunk))
        for i, chunk in enumerate(copies[j : j + 50] for j in range(0, len(copies), 50))
    ]
    return replace(board, health=health, alerts=groups)


def _cycle(items: list) -> object:  # type: ignore[type-arg]
    while True:
        yield from items


def big_trace(spans: int) -> Trace:
    """A trace of ``spans`` spans: a root, then each span has up to 10 children."""
    out = []
    for n in range(spans):
        parent = None if n == 0 else f"{(n - 1) // 10:08x}"
        depth = 0
        walker = n
        while walker:
            walker = (walker - 1) // 10
            depth += 1
        out.append(
            Span(
                trace_id="ab" * 16,
                span_id=f"{n:08x}",
                parent_id=parent,
                operation=f"op-{n % 37}",
                service=f"svc-{n % 12}",
                start_us=1_000_000 + depth * 1_000 + (n % 10) * 50,
                duration_us=max(10, 500_000 - depth * 90_000 - (n % 10) * 1_000),
                tags={"error": "true"} if n % 997 == 0 else {},
            )
        )
    return Trace(trace_id="ab" * 16, spans=out)


async def one_run(urls: object, args: argparse.Namespace) -> dict[str, float]:
    app = OpsConsoleApp(demo_options(urls, clock=lambda: FROZEN_NOW, auto_refresh=False))  # type: ignore[arg-type]
    marks: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        while app.board is None:
            await pilot.pause(0.05)
        await finite_work_done(app)
        big = inflate(app.board, args.agents, args.alerts)
        started = time.perf_counter()
        app.board = big
        app._render_board()
        await pilot.pause()
        marks["render_ms"] = 1000 * (time.perf_counter() - started)
        assert app.panes["health"].table.row_count == args.agents

        await pilot.press("2")
        await pilot.press("slash")
        worst = 0.0
        for key in "npa-1":
            started = time.perf_counter()
            await pilot.press("minus" if key == "-" else key)
            await pilot.pause()
            worst = max(worst, time.perf_counter() - started)
        marks["filter_key_worst_ms"] = 1000 * worst
        await pilot.press("escape")

        trace = big_trace(args.spans)
        started = time.perf_counter()
        await app.push_screen(TraceScreen(trace, app.console_theme))
        await pilot.pause()
        marks["trace_open_ms"] = 1000 * (time.perf_counter() - started)
        started = time.perf_counter()
        await pilot.press("pagedown")
        await pilot.pause()
        marks["trace_page_ms"] = 1000 * (time.perf_counter() - started)
        started = time.perf_counter()
        await pilot.press("space")
        await pilot.pause()
        marks["trace_collapse_ms"] = 1000 * (time.perf_counter() - started)
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=1_000)
    parser.add_argument("--spans", type=int, default=5_000)
    args = parser.parse_args()
    stack = BackgroundStack(DemoStack(clock=lambda: FROZEN_NOW, lead_in=300))
    urls = stack.start()
    try:
        runs = [asyncio.run(one_run(urls, args)) for _ in range(args.runs)]
    finally:
        stack.stop()
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    print(
        f"scale {datetime.now(UTC):%Y-%m-%d} runs={args.runs} agents={args.agents} alerts={args.alerts} "
        f"spans={args.spans}: render={med['render_ms']:.0f}ms "
        f"filter_keystroke_worst={med['filter_key_worst_ms']:.0f}ms "
        f"trace_open={med['trace_open_ms']:.0f}ms trace_page={med['trace_page_ms']:.0f}ms "
        f"trace_collapse={med['trace_collapse_ms']:.0f}ms; machine: {machine}, {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
