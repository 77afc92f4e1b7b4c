"""Entry points: ``opsconsole`` and ``kubectl-opsconsole``. Argument parsing only.

Each subcommand lives in its own module under :mod:`opsconsole.commands` and
exposes ``register(subparsers, common)``; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

import opsconsole.commands
from opsconsole import __version__
from opsconsole.config import (
    ConfigError,
    ContextSettings,
    Overrides,
    ResolvedContext,
    load_config,
    resolve_context,
)

# These come first in `opsconsole --help`; other command modules follow alphabetically.
FIRST_COMMANDS = ("console", "demo", "check", "config")


def command_modules() -> list[str]:
    """Names of the modules in :mod:`opsconsole.commands`, in help order."""
    found = sorted(
        m.name for m in pkgutil.iter_modules(opsconsole.commands.__path__) if not m.name.startswith("_")
    )
    return [n for n in FIRST_COMMANDS if n in found] + [n for n in found if n not in FIRST_COMMANDS]


def backend_flags() -> argparse.ArgumentParser:
    """Flags shared by every command that talks to backends."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("context and backends (flags > OPSCONSOLE_* env > config file)")
    group.add_argument("--config", type=Path, metavar="PATH", help="config file (default: XDG config dir)")
    group.add_argument("--context", metavar="NAME", help="context to use (env OPSCONSOLE_CONTEXT)")
    group.add_argument(
        "--prometheus", metavar="URL", help="Prometheus-compatible URL (OPSCONSOLE_PROMETHEUS_URL)"
    )
    group.add_argument(
        "--alertmanager",
        metavar="URL",
        action="append",
        default=[],
        help="Alertmanager URL, repeatable (OPSCONSOLE_ALERTMANAGER_URL, comma-separated)",
    )
    group.add_argument("--loki", metavar="URL", help="Loki URL (OPSCONSOLE_LOKI_URL)")
    group.add_argument("--jaeger", metavar="URL", help="Jaeger query URL (OPSCONSOLE_JAEGER_URL)")
    group.add_argument(
        "--read-only", action="store_true", help="refuse every mutating request (OPSCONSOLE_READ_ONLY=1)"
    )
    return common


def resolve_from_args(args: argparse.Namespace) -> ResolvedContext:
    """The context in force for a parsed command line.

    Under ``kubectl opsconsole`` the discovered kube context (``args.kube``) is in force: its
    endpoints come from discovery, the config file's context of the same name adds the rest,
    and URL flags still win.
    """
    config, path = load_config(getattr(args, "config", None))
    kube: tuple[str, ContextSettings] | None = getattr(args, "kube", None)
    context = getattr(args, "context", None)
    if kube is not None:
        config = config.model_copy(update={"contexts": {**config.contexts, kube[0]: kube[1]}})
        context = context or kube[0]
    overrides = Overrides(
        context=context,
        prometheus=getattr(args, "prometheus", None),
        alertmanagers=tuple(getattr(args, "alertmanager", []) or ()),
        loki=getattr(args, "loki", None),
        jaeger=getattr(args, "jaeger", None),
        read_only=bool(getattr(args, "read_only", False)),
    )
    return resolve_context(config, overrides, config_path=path)


def build_parser(prog: str = "opsconsole") -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    common = backend_flags()
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Terminal operations console: agent health, RED metrics, alerts, SLO budgets, logs "
        "and traces from Prometheus, Alertmanager, Loki and Jaeger.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in command_modules():
        module = importlib.import_module(f"opsconsole.commands.{name}")
        module.register(subparsers, common)
    return parser


def main(
    argv: Sequence[str] | None = None,
    prog: str = "opsconsole",
    kube: tuple[str, ContextSettings] | None = None,
) -> int:
    """Run the CLI; returns the process exit code. ``kube``: a discovered kube context to use."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "console"])
    args.kube = kube
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"{prog}: config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def kubectl_main(argv: Sequence[str] | None = None) -> int:
    """``kubectl opsconsole``: kubectl's flags and service discovery, then the same CLI."""
    from opsconsole.kube.plugin import run

    return run(argv, main)
