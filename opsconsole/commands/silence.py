"""``opsconsole silence add|list|expire|extend`` and ``opsconsole ack``: silences for scripts and runbooks."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from opsconsole.config import ConfigError, ResolvedContext
from opsconsole.core.silence_draft import (
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    matchers_for_alert,
    parse_draft_matchers,
    parse_silence_duration,
)
from opsconsole.core.untrusted_text import sanitize
from opsconsole.core.value_format import format_duration


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``silence`` (with its subcommands) and ``ack``."""
    silence = subparsers.add_parser("silence", help="create, list, extend and expire Alertmanager silences")
    sub = silence.add_subparsers(dest="silence_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", parents=[common], help="create a silence")
    add.add_argument("matchers", help='amtool syntax, e.g. \'alertname="AgentDown", agent_id=~"npa-.*"\'')
    add.add_argument("--duration", default="1h", help="15m, 1h, 4h, 1d or e.g. 90m (default 1h)")
    add.add_argument("--comment", required=True, help="why (required)")
    add.add_argument("--author", help="default: config author, else $USER@host")
    add.add_argument("--dry-run", action="store_true", help="print the request and the alerts it would mute")
    add.set_defaults(func=run_add)

    listing = sub.add_parser("list", parents=[common], help="list silences")
    listing.add_argument("--all", action="store_true", help="include expired silences")
    listing.set_defaults(func=run_list)

    expire = sub.add_parser("expire", parents=[common], help="expire a silence now")
    expire.add_argument("silence_id")
    expire.set_defaults(func=run_expire)

    extend = sub.add_parser("extend", parents=[common], help="push a silence's end later")
    extend.add_argument("silence_id")
    extend.add_argument("--duration", default="1h", help="new end = now + this (default 1h)")
    extend.set_defaults(func=run_extend)

    for parser in (add, listing, expire, extend):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    ack = subparsers.add_parser("ack", parents=[common], help="acknowledge an alert: a short ACK silence")
    ack.add_argument("fingerprint", help="the alert's fingerprint (shown in the console and by amtool)")
    ack.add_argument("--duration", help="default: the config's ack_duration (15m)")
    ack.add_argument("--comment", default="", help="optional note after the ACK line")
    ack.add_argument("--author", help="default: config author, else $USER@host")
    ack.add_argument("--json", action="store_true", help="machine-readable output")
    ack.set_defaults(func=run_ack)


def _service(context: ResolvedContext) -> Any:
    from opsconsole.backends.alertmanager import AlertmanagerClient
    from opsconsole.mutations.silences import SilenceService, default_journal_path

    peers = [AlertmanagerClient(am, read_only=context.read_only) for am in context.settings.alertmanagers]
    if not peers:
        raise ConfigError("no Alertmanager configured (--alertmanager URL or a context's alertmanagers)")
    return SilenceService(peers, read_only=context.read_only, journal_path=default_journal_path())


def _author(args: argparse.Namespace, context: ResolvedContext) -> str:
    from opsconsole.mutations.identity import default_author

    return args.author or default_author(context.settings.author or context.config.author)


def _run(args: argparse.Namespace, body: Callable[[ResolvedContext, Any], Awaitable[int]]) -> int:
    from opsconsole.backends.errors import BackendError
    from opsconsole.cli import resolve_from_args

    try:
        context = resolve_from_args(args)
        service = _service(context)
    except ConfigError as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        return 2

    async def run() -> int:
        try:
            return await body(context, service)
        finally:
            for peer in service.peers:
                await peer.aclose()

    try:
        return asyncio.run(run())
    except SilenceInvalid as exc:
        print(f"opsconsole: silence refused before sending: {exc}", file=sys.stderr)
        return 2
    except BackendError as exc:
        from opsconsole.mutations.silences import error_hint

        hint = error_hint(exc)
        print(f"opsconsole: {exc.message}" + (f"\n  hint: {hint}" if hint else ""), file=sys.stderr)
        return 1


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def run_add(args: argparse.Namespace) -> int:
    """``silence add``."""

    async def body(context: ResolvedContext, service: Any) -> int:
        now = service.clock()
        draft = SilenceDraft(
            parse_draft_matchers(args.matchers),
            now,
            now + parse_silence_duration(args.duration),
            _author(args, context),
            args.comment,
        )
        draft.check()
        if args.dry_run:
            alerts = await service.peers[0].alerts()
            muted = [a for a in alerts if draft.matches(a.labels)]
            names = sorted({a.labels.get("alertname", "?") for a in muted})
            text = service.create_request(draft).describe()
            text += f"\n\nwould mute {len(muted)} of {len(alerts)} alerts: {', '.join(names) or 'none'}"
            _print(args, {"request": service.create_request(draft).body, "would_mute": len(muted)}, text)
            return 0
        silence_id = await service.create(draft)
        _print(args, {"silenceID": silence_id}, silence_id)
        return 0

    return _run(args, body)


def run_list(args: argparse.Namespace) -> int:
    """``silence list``."""

    async def body(context: ResolvedContext, service: Any) -> int:
        silences = [s for s in await service.silences() if args.all or s.status.state != "expired"]
        now = service.clock()
        lines = []
        for s in silences:
            matchers = ", ".join(m.to_filter() for m in s.matchers)
            left = format_duration(s.ends_at.timestamp() - now) if s.status.state != "expired" else "-"
            # Comments and authors come from whoever wrote the silence: never print raw escapes.
            who, comment = sanitize(s.created_by), sanitize(s.comment)
            row = f"{s.id}  {s.status.state:<8} {left:>6}  {who:<20} {sanitize(matchers)}  # {comment}"
            lines.append(row)
        _print(
            args,
            [s.model_dump(mode="json", by_alias=True) for s in silences],
            "\n".join(lines) or "no silences",
        )
        return 0

    return _run(args, body)


def run_expire(args: argparse.Namespace) -> int:
    """``silence expire ID``."""

    async def body(context: ResolvedContext, service: Any) -> int:
        await service.expire(args.silence_id)
        _print(args, {"expired": args.silence_id}, f"expired {args.silence_id}")
        return 0

    return _run(args, body)


def run_extend(args: argparse.Namespace) -> int:
    """``silence extend ID``."""

    async def body(context: ResolvedContext, service: Any) -> int:
        current = next((s for s in await service.silences() if s.id == args.silence_id), None)
        if current is None:
            print(f"opsconsole: silence {args.silence_id} not found", file=sys.stderr)
            return 1
        draft = service.extended(current, service.clock() + parse_silence_duration(args.duration))
        silence_id = await service.create(draft)
        _print(args, {"silenceID": silence_id, "previous": args.silence_id}, silence_id)
        return 0

    return _run(args, body)


def run_ack(args: argparse.Namespace) -> int:
    """``ack FINGERPRINT``: a short silence pinned to that alert, with an ``ACK by …`` comment."""
    from opsconsole.mutations.identity import origin

    async def body(context: ResolvedContext, service: Any) -> int:
        alerts = await service.peers[0].alerts()
        alert = next((a for a in alerts if a.fingerprint == args.fingerprint), None)
        if alert is None:
            print(f"opsconsole: no active alert with fingerprint {args.fingerprint}", file=sys.stderr)
            return 1
        now = service.clock()
        who = _author(args, context)
        duration = parse_silence_duration(args.duration or context.config.ack_duration)
        draft = SilenceDraft(
            matchers_for_alert(alert.labels),
            now,
            now + duration,
            who,
            ack_comment(who, origin(), args.comment),
        )
        silence_id = await service.create(draft)
        _print(args, {"silenceID": silence_id, "fingerprint": args.fingerprint}, silence_id)
        return 0

    return _run(args, body)
