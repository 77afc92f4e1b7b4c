"""``opsconsole acks reconcile [--watch]``: end "until resolved" acks whose alert has resolved.

One pass by default (a CronJob); ``--watch`` repeats it every ``--interval``. The model (when an
alert counts as resolved, the grace period, the state file) is in :mod:`opsconsole.core.ack_state`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from opsconsole.config import ResolvedContext
from opsconsole.core.silence_draft import SilenceInvalid, parse_silence_duration
from opsconsole.core.untrusted_text import sanitize


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``acks`` and its ``reconcile`` subcommand."""
    acks = subparsers.add_parser("acks", help="acks that end when their alert resolves")
    sub = acks.add_subparsers(dest="acks_command", metavar="ACTION", required=True)
    reconcile = sub.add_parser(
        "reconcile",
        parents=[common],
        help="expire until-resolved acks whose alert has been resolved longer than the grace",
        description="Looks at every Alertmanager cluster of the context. An ack made with "
        "`ack --until-resolved` is expired once its alert has been absent for --grace; an alert that "
        "comes back within the grace keeps its ack. When each alert was first seen absent is kept in "
        "the XDG state dir (--state-file), so a CronJob needs that file on a persistent volume. "
        "Every expiry goes to the mutations journal; a read-only context sends nothing.",
    )
    reconcile.add_argument("--grace", help="default: the config's ack_resolve_grace (5m)")
    reconcile.add_argument("--watch", action="store_true", help="repeat every --interval until stopped")
    reconcile.add_argument("--interval", default="30s", help="time between passes with --watch (30s)")
    reconcile.add_argument(
        "--state-file", type=Path, help="default: $XDG_STATE_HOME/opsconsole/acks-resolved.json"
    )
    reconcile.add_argument("--json", action="store_true", help="one JSON object per pass")
    reconcile.set_defaults(func=run_reconcile)


def _report(outcomes: list[Any], as_json: bool) -> int:
    """Print one pass; 1 when a cluster did not answer or an expiry was refused or failed."""
    bad = any(o.error or o.failed for o in outcomes)
    if as_json:
        print(json.dumps({"clusters": [o.as_json() for o in outcomes], "ok": not bad}))
        return 1 if bad else 0
    from opsconsole.mutations.ack_reconcile import describe_ack

    for note in dict.fromkeys(o.state_note for o in outcomes if o.state_note):
        print(f"opsconsole: {note}", file=sys.stderr)
    for outcome in outcomes:
        where = f"cluster {outcome.cluster}: " if outcome.cluster else ""
        if outcome.error:
            print(f"{where}not reconciled: {outcome.error}", file=sys.stderr)
            continue
        if not outcome.decisions:
            print(f"{where}no until-resolved acks")
        for decision in outcome.decisions:
            ack = decision.silence
            what = sanitize(describe_ack(ack))
            if ack.id in outcome.expired:
                print(f"{where}expired {ack.id} {what}: {decision.reason}")
            elif ack.id in outcome.failed:
                print(f"{where}NOT expired {ack.id} {what}: {outcome.failed[ack.id]}", file=sys.stderr)
            else:
                print(f"{where}{decision.action} {ack.id} {what}: {decision.reason}")
    if any(o.read_only and o.failed for o in outcomes):
        print("opsconsole: this context is read-only: nothing was sent", file=sys.stderr)
    return 1 if bad else 0


def parse_grace(text: str) -> float:
    """A grace period: a duration, or 0 (expire as soon as the alert is seen resolved)."""
    if text.strip() in ("0", "0s"):
        return 0.0
    return parse_silence_duration(text)


def run_reconcile(args: argparse.Namespace) -> int:
    """``acks reconcile``."""
    from opsconsole.commands.silence import _run
    from opsconsole.mutations.ack_reconcile import default_state_path, reconcile_acks

    try:
        interval = parse_silence_duration(args.interval)
    except SilenceInvalid as exc:
        print(f"opsconsole: --interval: {exc}", file=sys.stderr)
        return 2

    async def body(context: ResolvedContext, service: Any) -> int:
        grace = parse_grace(args.grace or context.config.ack_resolve_grace)
        state = args.state_file or default_state_path()
        while True:
            code = _report(await reconcile_acks(service, grace, state), args.json)
            if not args.watch:
                return code
            sys.stdout.flush()
            await asyncio.sleep(interval)

    return _run(args, body)
