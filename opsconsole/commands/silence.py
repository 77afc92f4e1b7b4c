"""``opsconsole silence add|list|expire|extend`` and ``opsconsole ack``: silences for scripts and runbooks."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from opsconsole.commands._silence_confirm import BlastRadiusRefused, confirm_blast_radius, confirm_bulk
from opsconsole.config import ConfigError, ResolvedContext
from opsconsole.core.silence_blast_radius import BlastRadius
from opsconsole.core.silence_draft import (
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    matchers_for_alert,
    parse_draft_matchers,
    parse_silence_duration,
)
from opsconsole.mutations.alert_scope import AlertScope, scope_for_pack
from opsconsole.shared_flags import all_contexts_mode, set_modes


class _MovedToByOrUntil(argparse.Action):
    """``silence extend --duration``: once "new end = now + duration", which could shorten a silence."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        parser.error(
            "--duration is ambiguous for extend (from now, or from the current end?): use --by 1h to add "
            "to the current end, or --until 16:00 (UTC) / --until 2026-11-22T16:00Z to set a later end"
        )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``silence`` (with its subcommands) and ``ack``."""
    silence = subparsers.add_parser("silence", help="create, list, extend and expire Alertmanager silences")
    sub = silence.add_subparsers(dest="silence_command", metavar="ACTION", required=True)

    add = sub.add_parser(
        "add",
        parents=[common],
        help="create a silence",
        description="Counts what it would mute among every alert of the cluster first; muting every "
        "alert, a heartbeat (Watchdog, DeadMansSwitch, the pack's heartbeat_alerts) or more than "
        "silence_blast_radius of them needs the count typed at a terminal, or --force.",
    )
    add.add_argument("matchers", help='amtool syntax, e.g. \'alertname="AgentDown", agent_id=~"npa-.*"\'')
    add.add_argument("--duration", default="1h", help="15m, 1h, 4h, 1d or e.g. 90m (default 1h)")
    add.add_argument("--comment", required=True, help="why (required)")
    add.add_argument("--author", help="default: config author, else $USER@host")
    add.add_argument(
        "--dry-run", action="store_true", help="print the request and what it would mute; send nothing"
    )
    add.set_defaults(func=run_add)

    listing = sub.add_parser(
        "list",
        parents=[common],
        help="list silences with what each mutes now",
        description="Every silence of every Alertmanager cluster of the context (--all-contexts: of every "
        "context), with how many alerts it mutes now and the marks 'mutes nothing' and 'ends within 1h'.",
    )
    listing.add_argument("--all", action="store_true", help="include expired silences")
    listing.add_argument(
        "--unused", action="store_true", help="only active silences that mute nothing (for scripts)"
    )
    listing.add_argument("--all-contexts", action="store_true", help="every context of the config file")
    set_modes(listing, all_contexts_mode("config", "read_only"))
    from opsconsole.commands._silence_list import run_list

    listing.set_defaults(func=run_list)

    expire = sub.add_parser(
        "expire",
        parents=[common],
        help="expire silences now",
        description="Several ids expire together after one confirmation that says what they mute now "
        "(typed at a terminal, --force otherwise).",
    )
    expire.add_argument("silence_id", nargs="+")
    expire.set_defaults(func=run_expire)

    extend = sub.add_parser(
        "extend",
        parents=[common],
        help="push a silence's end later (never earlier)",
        description="--by adds to the current end; --until sets a later end. An end that is not later "
        "than the current one is refused. A silence that has ended is recreated from now only with "
        "--recreate (or --force).",
    )
    extend.add_argument("silence_id", nargs="+")
    how = extend.add_mutually_exclusive_group()
    how.add_argument("--by", metavar="DURATION", help="add this to the current end (default 1h)")
    how.add_argument("--until", metavar="TIME", help="new end: HH:MM (UTC) or e.g. 2026-11-22T16:00Z")
    extend.add_argument(
        "--recreate", action="store_true", help="if it has ended, create it again from now (a new id)"
    )
    extend.add_argument("--duration", action=_MovedToByOrUntil, nargs=0, help=argparse.SUPPRESS)
    from opsconsole.commands._silence_extend import run_extend

    extend.set_defaults(func=run_extend)

    expire.add_argument("--force", action="store_true", help="expire several ids without asking")
    for parser in (add, extend):
        parser.add_argument(
            "--force",
            action="store_true",
            help="send even when it mutes every alert, a heartbeat or more than silence_blast_radius",
        )
    for parser in (add, listing, expire, extend):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    ack = subparsers.add_parser("ack", parents=[common], help="acknowledge an alert: a short ACK silence")
    ack.add_argument("fingerprint", help="the alert's fingerprint (shown in the console and by amtool)")
    how_long = ack.add_mutually_exclusive_group()
    how_long.add_argument("--duration", help="a timed ack; default: the config's ack_duration (15m)")
    how_long.add_argument(
        "--until-resolved",
        action="store_true",
        help="ack until the alert resolves (expired by `opsconsole acks reconcile` or a console once "
        "resolved for ack_resolve_grace), at most ack_cap (24h); the default when ack_until_resolved: true",
    )
    ack.add_argument("--comment", default="", help="optional note after the ACK line")
    ack.add_argument("--author", help="default: config author, else $USER@host")
    ack.add_argument(
        "--force", action="store_true", help="send even when the alert is a heartbeat (or mutes too much)"
    )
    ack.add_argument("--json", action="store_true", help="machine-readable output")
    ack.set_defaults(func=run_ack)


def _scope(context: ResolvedContext) -> AlertScope:
    """The context's pack, for "in this view" and its heartbeat alerts; without one, the defaults."""
    from opsconsole.refresh.session import choose_pack, load_pack_set

    try:
        packs = load_pack_set(context)
        loaded = packs.packs[choose_pack(context, packs)]
    except (ConfigError, KeyError) as exc:
        print(f"opsconsole: note: counting without a pack ({exc})", file=sys.stderr)
        return AlertScope()
    return scope_for_pack(loaded.pack, context.settings.variables)


async def _blast_radius(context: ResolvedContext, service: Any, draft: SilenceDraft) -> BlastRadius:
    from opsconsole.core.silence_blast_radius import ClusterAlert, blast_radius

    scope = _scope(context)
    alerts = [ClusterAlert(a.fingerprint, a.labels) for a in await service.alerts()]
    return blast_radius(
        draft,
        alerts,
        in_view=scope.in_view(alerts),
        heartbeats=scope.heartbeats,
        limit=context.config.silence_blast_radius,
        entity_labels=scope.entity_labels,
    )


def _radius_text(radius: BlastRadius) -> str:
    lines = [
        f"would mute {radius.count} of {radius.total} alerts: {radius.names() or 'none'}",
        radius.summary(),
    ]
    if radius.needs_confirmation:
        lines += [f"needs confirmation: {reason}" for reason in radius.reasons()]
    return "\n".join(lines)


def _service(context: ResolvedContext) -> Any:
    from opsconsole.mutations.silences import context_service, default_journal_path

    if not context.settings.alertmanagers:
        raise ConfigError("no Alertmanager configured (--alertmanager URL or a context's alertmanagers)")
    return context_service(context, default_journal_path())


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
    except BlastRadiusRefused as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
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
        if not args.dry_run:
            service.check_writable(service.create_request(draft))
        radius = await _blast_radius(context, service, draft)
        if args.dry_run:
            request = service.create_request(draft)
            data = {
                "request": request.body,
                "would_mute": radius.count,
                "total": radius.total,
                "in_view": radius.in_view,
                "alerts": [a.describe(radius.entity_labels) for a in radius.muted],
                "needs_confirmation": radius.needs_confirmation,
                "reasons": radius.reasons(),
            }
            _print(args, data, f"{request.describe()}\n\n{_radius_text(radius)}")
            return 0
        confirm_blast_radius(radius, force=args.force)
        silence_id = await service.create(draft)
        _print(args, {"silenceID": silence_id}, silence_id)
        return 0

    return _run(args, body)


async def _muted_by(service: Any, ids: list[str]) -> list[str]:
    """The alerts the silences ``ids`` mute now, by name (an alert held by two counts once)."""
    wanted = set(ids)
    return [
        a.labels.get("alertname", "?") for a in await service.alerts() if wanted & set(a.status.silenced_by)
    ]


def run_expire(args: argparse.Namespace) -> int:
    """``silence expire ID [ID ...]``."""

    async def body(context: ResolvedContext, service: Any) -> int:
        ids = list(dict.fromkeys(args.silence_id))
        for silence_id in ids:
            service.check_writable(service.expire_request(silence_id))
        if len(ids) > 1:
            confirm_bulk("Expire", len(ids), await _muted_by(service, ids), force=args.force)
        done, failed = [], 0
        for silence_id in ids:
            try:
                await service.expire(silence_id)
            except Exception as exc:
                if len(ids) == 1:
                    raise
                failed += 1
                print(f"opsconsole: {silence_id}: {getattr(exc, 'message', exc)}", file=sys.stderr)
                continue
            done.append(silence_id)
        if len(ids) == 1:
            _print(args, {"expired": ids[0]}, f"expired {ids[0]}")
        else:
            _print(args, [{"expired": i} for i in done], "\n".join(f"expired {i}" for i in done))
        return 1 if failed else 0

    return _run(args, body)


def run_ack(args: argparse.Namespace) -> int:
    """``ack FINGERPRINT``: a short silence pinned to that alert, with an ``ACK by …`` comment."""
    from opsconsole.mutations.identity import origin

    async def body(context: ResolvedContext, service: Any) -> int:
        alerts = await service.alerts()
        alert = next((a for a in alerts if a.fingerprint == args.fingerprint), None)
        if alert is None:
            print(f"opsconsole: no active alert with fingerprint {args.fingerprint}", file=sys.stderr)
            return 1
        now = service.clock()
        who = _author(args, context)
        config = context.config
        until_resolved = args.until_resolved or (config.ack_until_resolved and not args.duration)
        duration = parse_silence_duration(
            config.ack_cap if until_resolved else (args.duration or config.ack_duration)
        )
        draft = SilenceDraft(
            matchers_for_alert(alert.labels),
            now,
            now + duration,
            who,
            ack_comment(who, origin(), args.comment, until_resolved=until_resolved),
        )
        draft.check()
        service.check_writable(service.create_request(draft))
        # An ack is a silence: acking a heartbeat silences the heartbeat.
        confirm_blast_radius(await _blast_radius(context, service, draft), force=args.force)
        silence_id = await service.create(draft)
        data = {
            "silenceID": silence_id,
            "fingerprint": args.fingerprint,
            "until_resolved": until_resolved,
            "endsAt": datetime.fromtimestamp(draft.ends_at, UTC).isoformat(timespec="seconds"),
        }
        _print(args, data, silence_id)
        return 0

    return _run(args, body)


__all__ = ["BlastRadiusRefused", "confirm_blast_radius", "confirm_bulk", "register"]
