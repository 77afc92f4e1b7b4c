"""``opsconsole timeline``: a Markdown timeline for the postmortem, from a recording or, with
``--since``, from the live backends and the mutation journal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from opsconsole.config import ConfigError


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``timeline`` command."""
    from opsconsole.shared_flags import Mode, set_modes

    parser = subparsers.add_parser(
        "timeline",
        parents=[common],
        help="Markdown timeline of an incident (alerts, acks, silences, SLO burn, agents down)",
        description="From a recording (see `opsconsole record`), or with --since from the live backends "
        "(Prometheus' ALERTS and up series, Alertmanager's silences) and the mutation journal: alerts "
        "fired, resolved, acked and silenced with who and why, SLO burn-rate rule crossings, agents down "
        "and back, each with its time and a link.",
    )
    # No --pack, --var, --theme: the timeline is the same whatever the pack, and has no screen. From a
    # recording it asks no backend, so the context's flags are refused there too.
    parser.add_argument("file", nargs="?", type=Path, help="a recording")
    parser.add_argument("--since", default=None, metavar="DURATION", help="from the live backends, e.g. 2h")
    parser.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help="write it here too")
    parser.set_defaults(func=run)
    set_modes(parser, Mode("file", "FILE", frozenset(), "it reads the recording (--since asks the backends)"))


def run(args: argparse.Namespace) -> int:
    """Print the timeline (and write it to ``--output``)."""
    from opsconsole.recording.store import RecordingError
    from opsconsole.recording.timeline_source import recording_timeline

    if (args.file is None) == (args.since is None):
        print("opsconsole timeline: give a recording FILE or --since DURATION (not both)", file=sys.stderr)
        return 2
    try:
        if args.file is not None:
            text = recording_timeline(args.file)
        else:
            from opsconsole.recording.live_timeline import live_timeline

            text = live_timeline(args)
    except (RecordingError, ConfigError, ValueError) as exc:
        print(f"opsconsole timeline: {exc}", file=sys.stderr)
        return 2
    print(text, end="")
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    return 0
