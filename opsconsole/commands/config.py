"""``opsconsole config view|contexts``: show the merged configuration, secrets redacted."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

from opsconsole.config import load_config, redacted_dump
from opsconsole.shared_flags import add_shared


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``config`` command."""
    parser = subparsers.add_parser("config", help="show configuration and contexts (secrets redacted)")
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    view = sub.add_parser(
        "view", parents=[common], help="print the merged config for the context in force, secrets redacted"
    )
    view.add_argument("--json", action="store_true", help="JSON instead of YAML")
    view.set_defaults(func=run_view)
    contexts = sub.add_parser("contexts", help="list the configured contexts")
    # It lists the file's contexts and marks the one in force: a URL flag or --read-only changes no line.
    add_shared(contexts, "config", "context")
    contexts.set_defaults(func=run_contexts)


def run_view(args: argparse.Namespace) -> int:
    """Print the merged, redacted configuration."""
    from opsconsole.cli import resolve_from_args

    resolved = resolve_from_args(args)
    doc = {
        "config_file": str(resolved.config_path) if resolved.config_path else None,
        "context": resolved.name,
        "sources": resolved.sources,
        "settings": redacted_dump(resolved.settings),
        "console": {k: v for k, v in redacted_dump(resolved.config).items() if k != "contexts"},
    }
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        out = io.StringIO()
        from ruamel.yaml import YAML  # imported here: the other commands need none of it

        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.dump(doc, out)
        print(out.getvalue(), end="")
    return 0


def run_contexts(args: argparse.Namespace) -> int:
    """List contexts, marking the one in force."""
    from opsconsole.cli import resolve_from_args

    config, path = load_config(args.config)
    resolved = resolve_from_args(args)
    if not config.contexts:
        where = path or "no config file"
        print(f"no contexts configured ({where}); using '{resolved.name}' from flags/environment")
        return 0
    for name, ctx in config.contexts.items():
        marker = "*" if name == resolved.name else " "
        prom = ctx.prometheus.url if ctx.prometheus else "-"
        flags = " read-only" if ctx.read_only else ""
        print(f"{marker} {name:<20} prometheus={prom} alertmanagers={len(ctx.alertmanagers)}{flags}")
    return 0
