"""``opsconsole console`` (the default command): the interactive console."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opsconsole.config import ConfigError
from opsconsole.shared_flags import add_shared


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``console`` command (what plain ``opsconsole`` runs)."""
    parser = subparsers.add_parser(
        "console", parents=[common], help="open the interactive console (the default command)"
    )
    add_view_flags(parser)
    add_shared(parser, "symbols")
    from opsconsole.commands.record import add_recording_flags

    add_recording_flags(parser, "--record")
    parser.set_defaults(func=run)


def add_view_flags(parser: argparse.ArgumentParser) -> None:
    """``--pack``, ``--var`` and ``--theme``, shared with ``wallboard`` (``snapshot`` takes the first two).

    Shared flags: they mean the same before the command (see :mod:`opsconsole.shared_flags`).
    """
    add_shared(parser, "pack", "var", "theme")


class NothingConfigured(ConfigError):
    """No Prometheus and no Alertmanager: nothing to show."""


def console_setup(args: argparse.Namespace) -> Any:
    """The console's options for a parsed command line (what ``run`` opens), or ``ConfigError``."""
    from opsconsole.cli import resolve_from_args
    from opsconsole.commands.packs import parse_vars
    from opsconsole.config import save_setting
    from opsconsole.launch import console_options
    from opsconsole.refresh.session import load_pack_set

    context = resolve_from_args(args)
    if not context.settings.prometheus and not context.settings.alertmanagers:
        raise NothingConfigured(
            "no backends configured. Give --prometheus URL / --alertmanager URL, set "
            "OPSCONSOLE_PROMETHEUS_URL, add a context to the config file, or try `opsconsole demo`."
        )
    packs = load_pack_set(context)

    def resolve(name: str) -> Any:
        return resolve_from_args(replace_context(args, name))

    def save_theme(name: str) -> None:
        if context.config_path is not None:
            save_setting(context.config_path, "theme", name)

    return console_options(
        context,
        packs,
        pack=args.pack,
        variables=parse_vars(args.var),
        theme=args.theme,
        symbols=args.symbols,
        resolve=resolve,
        save_theme=save_theme,
    )


def run(args: argparse.Namespace) -> int:
    """Open the console on the context in force."""
    from opsconsole.cli import resolve_from_args
    from opsconsole.launch import run_console
    from opsconsole.recording.store import RecordingError
    from opsconsole.ui.recording_hook import start_recording

    try:
        options = console_setup(args)
        recording = start_recording(args, resolve_from_args(args), options.pack)
    except (ConfigError, RecordingError) as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        return 2
    return run_console(options, recording)


def replace_context(args: argparse.Namespace, name: str) -> argparse.Namespace:
    """The same command line with another ``--context`` (flags for URLs still win)."""
    copy = argparse.Namespace(**vars(args))
    copy.context = name
    return copy
