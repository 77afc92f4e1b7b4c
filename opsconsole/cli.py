"""The command line of ``opsconsole`` and ``kubectl-opsconsole``: argument parsing only (the
installed commands start in :mod:`opsconsole.entry_points`).

Each subcommand lives in its own module under :mod:`opsconsole.commands` and
exposes ``register(subparsers, common)``; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

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
from opsconsole.shared_flags import add_top_level, backend_parent, mark_leaves, merge_positions

# These come first in `opsconsole --help`; other command modules follow alphabetically.
FIRST_COMMANDS = ("console", "demo", "check", "config")
# Commands registered by a module of another name: ``ack`` makes a silence, beside the silences.
REGISTERED_BY = {"ack": "silence"}


def command_modules() -> list[str]:
    """Names of the modules in :mod:`opsconsole.commands`, in help order."""
    found = sorted(
        m.name for m in pkgutil.iter_modules(opsconsole.commands.__path__) if not m.name.startswith("_")
    )
    return [n for n in FIRST_COMMANDS if n in found] + [n for n in found if n not in FIRST_COMMANDS]


def backend_flags() -> argparse.ArgumentParser:
    """Flags shared by every command that talks to backends (a parent parser for subcommands).

    They are accepted before the subcommand too, with the same meaning: see :mod:`opsconsole.shared_flags`.
    """
    return backend_parent()


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


class CommandLineParser(argparse.ArgumentParser):
    """The top-level parser: a shared flag means the same before or after the subcommand.

    Parsing always ends with :func:`merge_positions`, so no caller can see a half-merged command line,
    and a command line without a subcommand runs ``console``.
    """

    # typeshed overloads this on the namespace type; one signature covers how it is called here.
    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        argv = list(sys.argv[1:] if args is None else args)
        parsed, rest = super().parse_known_args(argv, namespace)
        if not getattr(parsed, "func", None):
            parsed, rest = super().parse_known_args([*argv, "console"], namespace)
        return merge_positions(parsed, self.error, self.prog, rest), rest


class _NotPlain(Exception):
    """The command line is not one a prefix parse can read (an error, help): parse it in full."""


class _PrefixParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotPlain(message)


def command_named(argv: Sequence[str]) -> str | None:
    """The module of the command a command line runs (``silence`` for ``ack``:
    :data:`REGISTERED_BY`), read without importing any command module; None when it names no
    known command or asks for help or the version (those need every command).

    The top-level flags are read as the full parser reads them (the same definitions, the same
    abbreviations), so a flag's value that happens to be a command's name is still a value.
    """
    prefix = _PrefixParser(add_help=False)
    add_top_level(prefix)
    prefix.add_argument("-h", "--help", action="store_true")
    prefix.add_argument("--version", action="store_true")
    prefix.add_argument("command", nargs="?")
    prefix.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        parsed, unknown = prefix.parse_known_args(list(argv))
    except _NotPlain:
        return None
    if parsed.help or parsed.version or unknown:
        return None
    if parsed.command is None:
        return "console"  # what a command line without a command runs (CommandLineParser)
    module = REGISTERED_BY.get(parsed.command, parsed.command)
    return module if module in command_modules() else None


def build_parser(prog: str = "opsconsole", argv: Sequence[str] | None = None) -> CommandLineParser:
    """The argument parser with every subcommand registered, or, given the command line ``argv``
    that names one command, with that command alone.

    Importing every command module costs a one-shot command (``snapshot``) a good part of its
    start; a command line that names one parses the same with that one registered (its errors
    and help are its own), and anything else (``--help``, an unknown command, a top-level
    error) gets the full parser and its messages.
    """
    only = command_named(argv) if argv is not None else None
    common = backend_flags()
    parser = CommandLineParser(
        prog=prog,
        description="Terminal operations console: agent health, RED metrics, alerts, SLO budgets, logs "
        "and traces from Prometheus, Alertmanager, Loki and Jaeger.",
        epilog="The flags above may come before or after the command that takes them; given in both "
        "places with different values they are an error.",
    )
    add_top_level(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", parser_class=argparse.ArgumentParser
    )
    for name in [only] if only is not None else command_modules():
        module = importlib.import_module(f"opsconsole.commands.{name}")
        module.register(subparsers, common)
    mark_leaves(parser)
    return parser


def main(
    argv: Sequence[str] | None = None,
    prog: str = "opsconsole",
    kube: tuple[str, ContextSettings] | None = None,
) -> int:
    """Run the CLI; returns the process exit code. ``kube``: a discovered kube context to use."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog, argv)
    args = parser.parse_args(argv)
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
