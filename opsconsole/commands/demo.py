"""``opsconsole demo``: the console on a built-in simulated stack with a scripted incident."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser("demo", help="run the console against a built-in simulated stack")
    parser.add_argument("--speed", type=float, default=1.0, help="time compression factor (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated world")
    parser.add_argument("--scenario", default="npa-degradation", help="scripted incident to play")
    parser.add_argument("--serve-only", action="store_true", help="only serve the four APIs and print URLs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the simulated stack and the console on it."""
    print("opsconsole demo: the simulated stack is not built yet (issue 4).", file=sys.stderr)
    return 1
