"""``opsconsole overview``: every context of the config in one view; Enter opens the console there.

The same rows as ``snapshot --all-contexts`` (and ``:ctx *`` in the console), refreshed every
``refresh_interval``; each context is queried on its own deadline, so one that hangs shows its error
and never holds up the others.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from opsconsole.config import ConfigError


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``overview`` command."""
    from opsconsole.shared_flags import add_shared

    parser = subparsers.add_parser(
        "overview",
        help="every context in one view (Enter opens the console on one)",
        description="A row per context of the config file: firing alerts by severity, acked, agents down "
        "of all, the worst SLO budget left and each backend's freshness; below, every context's alerts "
        "merged with a context column (`/` filters, `@context=NAME` too). For scripts: "
        "`opsconsole snapshot --all-contexts --json`.",
    )
    # Every context of the config: no --context, and no URL flag (one context's backends, not all);
    # --read-only holds for each and for the console Enter opens, which draws with --theme as this does.
    add_shared(parser, "config", "read_only", "pack", "var", "theme")
    parser.add_argument(
        "--context-timeout",
        type=float,
        metavar="SECONDS",
        help="how long a context may take (default: its slowest endpoint timeout + 5s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Show the overview; open the console on the context chosen with Enter."""
    from opsconsole.commands._every_context import overview_service
    from opsconsole.commands.console import replace_context
    from opsconsole.commands.console import run as run_console
    from opsconsole.launch import pick_theme, themes_and_notices
    from opsconsole.ui.overview_screen import OverviewApp

    try:
        contexts, overview = overview_service(args)
    except ConfigError as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        return 2
    config = contexts[0].config
    themes, _notices = themes_and_notices()  # a broken theme file is said by the console Enter opens
    theme = themes[pick_theme(themes, args.theme, config.theme)]
    chosen = OverviewApp(overview, time.time, theme=theme, refresh_interval=config.refresh_interval).run()
    if not chosen:
        return 0
    return run_console(replace_context(args, chosen))
