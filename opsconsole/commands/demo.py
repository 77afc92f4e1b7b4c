"""``opsconsole demo``: the console on a built-in simulated stack with a scripted incident."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from opsconsole.demo.scenarios import SCENARIOS
from opsconsole.shared_flags import Mode, add_shared, set_modes


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser(
        "demo",
        help="run the console against a built-in simulated stack",
        description="Start simulated Prometheus, Alertmanager, Loki and Jaeger on loopback ports, "
        "with a scripted incident, and open the console on them.",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="time compression factor (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated world")
    parser.add_argument(
        "--scenario",
        default="npa-degradation",
        choices=sorted(SCENARIOS),
        help="scripted incident to play (default npa-degradation)",
    )
    parser.add_argument("--serve-only", action="store_true", help="only serve the four APIs and print URLs")
    parser.add_argument("--port", type=int, default=0, help="first port for --serve-only (default: any free)")
    add_shared(parser, "theme", "symbols", "read_only", "pack", "var")
    parser.set_defaults(func=run)
    # They all shape the console, and --serve-only opens none.
    serve_only = Mode("serve_only", "--serve-only", frozenset(), SERVE_ONLY_WHY)
    set_modes(parser, serve_only)


SERVE_ONLY_WHY = "it opens no console: give it to the console you point at the printed URLs"


def _ports(first: int) -> tuple[int, int, int, int]:
    return (0, 0, 0, 0) if first == 0 else (first, first + 1, first + 2, first + 3)


async def _serve_forever(args: argparse.Namespace) -> None:
    from opsconsole.demo.stack import DemoStack

    stack = DemoStack(seed=args.seed, scenario=args.scenario, speed=args.speed, ports=_ports(args.port))
    urls = await stack.start()
    print(f"prometheus    {urls.prometheus}")
    print(f"alertmanager  {urls.alertmanager}")
    print(f"loki          {urls.loki}")
    print(f"jaeger        {urls.jaeger}")
    print(
        f"\nopsconsole --prometheus {urls.prometheus} --alertmanager {urls.alertmanager} "
        f"--loki {urls.loki} --jaeger {urls.jaeger}",
    )
    print("serving; Ctrl-C to stop", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await stack.stop()


def run(args: argparse.Namespace) -> int:
    """Start the simulated stack and the console on it (or only serve with ``--serve-only``)."""
    from opsconsole.config import ConfigError, env_read_only

    if args.speed <= 0:
        print("opsconsole demo: --speed must be positive", file=sys.stderr)
        return 2
    if args.serve_only:
        try:
            asyncio.run(_serve_forever(args))
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            print(f"opsconsole demo: cannot listen: {exc}", file=sys.stderr)
            return 1
        return 0
    from opsconsole.commands.packs import parse_vars
    from opsconsole.launch import run_demo_console

    try:
        read_only = args.read_only or env_read_only()
    except ConfigError as exc:
        print(f"opsconsole demo: {exc}", file=sys.stderr)
        return 2
    return run_demo_console(
        seed=args.seed,
        scenario=args.scenario,
        speed=args.speed,
        theme=args.theme,
        symbols=args.symbols,
        read_only=read_only,
        pack=args.pack,
        variables=parse_vars(args.var or []),
    )
