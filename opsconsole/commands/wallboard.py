"""``opsconsole wallboard``: the read-only wallboard (big figures, rotating pages)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opsconsole.config import ConfigError
from opsconsole.core.durations import parse_duration
from opsconsole.core.wallboard_figures import EXTRA_PAGES, PAGES


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``wallboard`` command."""
    from opsconsole.commands.console import add_view_flags
    from opsconsole.shared_flags import Mode, set_modes

    parser = subparsers.add_parser(
        "wallboard",
        parents=[common],
        help="a read-only wallboard: big figures, rotating pages, stale-data banner",
        description="Full-screen, read-only: every non-GET request is refused inside the process and "
        "no key can change anything. Pages rotate; a banner says when a backend stops answering.",
    )
    parser.add_argument("--rotate", default="30s", metavar="DURATION", help="page rotation (0 stops it)")
    parser.add_argument(
        "--pages",
        default=None,
        metavar="LIST",
        help=f"pages in order, from {', '.join((*PAGES, *EXTRA_PAGES))} (contexts: a row per context); "
        f"default {','.join(PAGES)}, and contexts after them when the config has several contexts",
    )
    add_view_flags(parser)  # high-contrast suits walls
    from opsconsole.commands.record import add_recording_flags

    add_recording_flags(parser, "--record")
    parser.add_argument("--demo", action="store_true", help="on the built-in simulated stack")
    serve = parser.add_argument_group("serving to browsers (textual-serve)")
    serve.add_argument("--serve", action="store_true", help="serve the wallboard over HTTP instead")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--public-url", metavar="URL", help="the URL browsers use, when behind a proxy")
    parser.set_defaults(func=run)
    # The demo stack is no context: only the look and --read-only (always so) apply to it.
    demo = Mode("demo", "--demo", frozenset({"theme", "read_only"}), DEMO_WHY)
    set_modes(parser, demo)


DEMO_WHY = "it shows the built-in simulated stack (drop --demo to show your context)"


def served_command(args: argparse.Namespace) -> list[str]:
    """The wallboard command line each browser tab runs: this one, without the serving flags."""
    command = [sys.executable, "-m", "opsconsole", "wallboard", "--read-only"]
    for flag, value in (
        ("--config", args.config),
        ("--context", args.context),
        ("--prometheus", args.prometheus),
        ("--loki", args.loki),
        ("--jaeger", args.jaeger),
        ("--rotate", args.rotate),
        ("--pages", args.pages),
        ("--pack", args.pack),
        ("--theme", args.theme),
    ):
        if value is not None:
            command += [flag, str(value)]
    for url in args.alertmanager or ():
        command += ["--alertmanager", url]
    for assignment in args.var or ():
        command += ["--var", assignment]
    if args.demo:
        command.append("--demo")
    return command


def parse_pages(text: str) -> tuple[str, ...]:
    """``overview,alerts`` → the pages; unknown names are an error that lists the known ones."""
    pages = tuple(p.strip() for p in text.split(",") if p.strip())
    known = (*PAGES, *EXTRA_PAGES)
    unknown = [p for p in pages if p not in known]
    if unknown or not pages:
        raise ConfigError(
            f"unknown page(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(known)}"
        )
    return pages


def default_pages(contexts: int) -> tuple[str, ...]:
    """The rotation when ``--pages`` is not given: the contexts page joins it when the config has more
    than one context (``--pages overview,alerts,slo,health`` leaves it out)."""
    return (*PAGES, *EXTRA_PAGES) if contexts > 1 else PAGES


def run(args: argparse.Namespace) -> int:
    """Open the wallboard on the context in force (always read-only) or on the demo stack."""
    try:
        pages = parse_pages(args.pages) if args.pages is not None else None
        rotate = 0.0 if args.rotate in ("0", "off") else parse_duration(args.rotate)
    except (ConfigError, ValueError) as exc:
        print(f"opsconsole wallboard: {exc}", file=sys.stderr)
        return 2
    args.read_only = True  # whatever the context says
    if args.serve and args.record_file is not None:
        print(
            "opsconsole wallboard: --record records one wallboard, not every browser tab of --serve; "
            "run `opsconsole record` beside the served wallboard instead",
            file=sys.stderr,
        )
        return 2
    if args.serve:
        if getattr(args, "kube", None) is not None:
            print(
                "opsconsole wallboard: --serve is not available under kubectl opsconsole; run "
                "`kubectl opsconsole --discover` and serve with those URLs and a token file instead",
                file=sys.stderr,
            )
            return 2
        from opsconsole.ui.wallboard_serve import serve_wallboard

        command = served_command(args)
        return serve_wallboard(command, host=args.host, port=args.port, public_url=args.public_url)
    return _run_wallboard(args, pages, rotate)


def _run_wallboard(args: argparse.Namespace, pages: tuple[str, ...] | None, rotate: float) -> int:
    from opsconsole.cli import resolve_from_args
    from opsconsole.commands.packs import parse_vars
    from opsconsole.launch import DEMO_PACK, run_demo_wallboard, run_wallboard, wallboard_options
    from opsconsole.recording.store import RecordingError
    from opsconsole.refresh.session import choose_pack, load_pack_set
    from opsconsole.ui.recording_hook import start_recording

    if args.demo:
        try:
            recording = start_recording(args, None, DEMO_PACK)
        except RecordingError as exc:
            print(f"opsconsole wallboard: {exc}", file=sys.stderr)
            return 2
        return run_demo_wallboard(
            theme=args.theme, pages=pages or default_pages(1), rotate_seconds=rotate, recording=recording
        )
    try:
        context = resolve_from_args(args)
        if pages is None:
            pages = default_pages(len(context.config.contexts))
        packs = load_pack_set(context)
        recording = start_recording(args, context, choose_pack(context, packs, args.pack))
        options = wallboard_options(
            context,
            packs,
            pack=args.pack,
            variables=parse_vars(args.var),
            theme=args.theme,
            pages=pages,
            rotate_seconds=rotate,
        )
        return run_wallboard(options, recording)
    except (ConfigError, RecordingError) as exc:
        print(f"opsconsole wallboard: {exc}", file=sys.stderr)
        return 2
