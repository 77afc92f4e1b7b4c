"""``opsconsole console`` (the default command): the interactive console."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``console`` command (what plain ``opsconsole`` runs)."""
    parser = subparsers.add_parser(
        "console", parents=[common], help="open the interactive console (the default command)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Open the console on the context in force."""
    from opsconsole.cli import resolve_from_args

    resolve_from_args(args)
    print("opsconsole: the interactive console is not built yet (issue 5).", file=sys.stderr)
    return 1
