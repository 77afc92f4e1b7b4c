"""``opsconsole replay FILE``: the console on a recording, read-only, with a time cursor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from opsconsole.config import ConfigError


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``replay`` command."""
    from opsconsole.shared_flags import add_shared

    parser = subparsers.add_parser(
        "replay",
        help="open the console on a recording: step, jump to a time, play at a speed",
        description="The console on a recording (see `opsconsole record`, `--record`). Nothing can be "
        "sent: the replay has no backend clients. Keys: [ and ] step a refresh, space plays and pauses, "
        "+ and - change the speed, g jumps to a time (14:05, +5m, -30s), Home/End first/last.",
    )
    parser.add_argument("file", type=Path, help="the recording")
    parser.add_argument("--at", default=None, metavar="TIME", help="start at this time (default the first)")
    parser.add_argument("--speed", type=float, default=10.0, help="recorded seconds per second when playing")
    # No backend flag: nothing is asked of a backend. --config: the packs' folder and the theme.
    add_shared(parser, "config", "theme", "symbols")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Open the replay console."""
    from opsconsole.recording.moments import parse_moment
    from opsconsole.recording.store import RecordingError, RecordingReader
    from opsconsole.ui.replay_launch import replay_app

    try:
        reader = RecordingReader(args.file)
    except RecordingError as exc:
        print(f"opsconsole replay: {exc}", file=sys.stderr)
        return 2
    try:
        if not reader.frames:
            print(f"opsconsole replay: {args.file}: the recording holds no refresh", file=sys.stderr)
            return 2
        try:
            app = replay_app(
                reader, theme=args.theme, symbols=args.symbols, speed=args.speed, config=args.config
            )
            if args.at is not None:
                app.cursor.jump(parse_moment(args.at, reader.frames[0].at, reader.frames[-1].at))
        except (ConfigError, ValueError) as exc:
            print(f"opsconsole replay: {exc}", file=sys.stderr)
            return 2
        app.run()
        return app.return_code or 0
    finally:
        reader.close()
