"""``opsconsole record``: record the live backends (every refresh, the log lines, every change sent)
into one file, without the console, for ``replay``, ``snapshot --replay`` and ``timeline``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsconsole.config import ConfigError
from opsconsole.core.durations import parse_duration


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``record`` command."""
    from opsconsole.shared_flags import add_shared

    parser = subparsers.add_parser(
        "record",
        parents=[common],
        help="record every refresh into a file for replay and a postmortem timeline",
        description="Refresh like the console does and record each refresh (every pane, the alerts and "
        "silences, the log lines) and every change sent (the mutation journal) into one SQLite file. "
        "Tokens, passwords, auth headers and URLs' userinfo are never stored. Stop with Ctrl-C.",
    )
    add_shared(parser, "pack", "var")  # not --theme nor --symbols: no screen, so they are refused
    add_recording_flags(parser, "--output", "-o")
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds between refreshes (default: the config's refresh_interval, 5)",
    )
    parser.add_argument("--duration", default=None, metavar="DURATION", help="stop after this long (e.g. 2h)")
    parser.add_argument("--count", type=int, default=None, metavar="N", help="stop after N refreshes")
    parser.set_defaults(func=run)


def add_recording_flags(parser: argparse.ArgumentParser, *names: str) -> None:
    """The file flag (``--output`` here, ``--record`` on the console and wallboard) and the size cap."""
    parser.add_argument(
        *names,
        dest="record_file",
        type=Path,
        default=None,
        metavar="FILE",
        help="the recording file (created, or continued if it is a recording already)",
    )
    parser.add_argument(
        "--record-max-size",
        type=float,
        default=256.0,
        metavar="MiB",
        help="cap on the recording's size; over it the oldest refreshes are dropped, and the file and "
        "the screen say so (default 256)",
    )


def default_file(context: str) -> Path:
    """``opsconsole-<context>-<UTC time>.opsrec`` in the current directory."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in context)
    return Path(f"opsconsole-{safe}-{stamp}.opsrec")


def run(args: argparse.Namespace) -> int:
    """Refresh every interval and record each board until stopped."""
    from opsconsole.cli import resolve_from_args
    from opsconsole.commands.packs import parse_vars
    from opsconsole.mutations.silences import default_journal_path
    from opsconsole.recording.secrets import Redactor
    from opsconsole.recording.session import RecordingSession
    from opsconsole.recording.store import RecordingError, RecordingWriter
    from opsconsole.refresh.session import build_service, choose_pack, load_pack_set

    try:
        context = resolve_from_args(args)
        packs = load_pack_set(context)
        pack = choose_pack(context, packs, args.pack)
        service = build_service(context, packs, pack, parse_vars(args.var))
        stop_after = parse_duration(args.duration) if args.duration else None
    except (ConfigError, ValueError) as exc:
        print(f"opsconsole record: {exc}", file=sys.stderr)
        return 2
    interval = args.interval or context.config.refresh_interval
    path = args.record_file or default_file(context.name)
    try:
        writer = RecordingWriter(
            path,
            context=context.name,
            pack=pack,
            redactor=Redactor.for_context(context),
            max_bytes=int(args.record_max_size * 1024 * 1024),
        )
    except RecordingError as exc:
        print(f"opsconsole record: {exc}", file=sys.stderr)
        return 2
    session = RecordingSession.start(writer, default_journal_path())
    print(
        f"opsconsole record: recording context {context.name}, pack {pack} to {path} every {interval:g}s "
        "(Ctrl-C stops)",
        file=sys.stderr,
    )

    async def loop() -> None:
        started = time.monotonic()
        try:
            while True:
                tick = time.monotonic()
                board = await service.refresh()
                session.add(board)
                if writer.dropped_notice:
                    print(f"opsconsole record: {writer.dropped_notice}", file=sys.stderr)
                if args.count is not None and session.frames >= args.count:
                    return
                if stop_after is not None and time.monotonic() - started >= stop_after:
                    return
                await asyncio.sleep(max(0.0, interval - (time.monotonic() - tick)))
        finally:
            await service.backends.aclose()

    try:
        asyncio.run(loop())
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    print(f"opsconsole record: {session.frames} refreshes in {path}", file=sys.stderr)
    return 0
