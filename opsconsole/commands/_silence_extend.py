"""``opsconsole silence extend ID [ID ...] --by 1h | --until TIME``: a later end, never an earlier one;
an ended silence is recreated only with ``--recreate``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from opsconsole.commands._silence_confirm import confirm_blast_radius, confirm_bulk
from opsconsole.commands.silence import _blast_radius, _muted_by, _print, _run
from opsconsole.config import ResolvedContext
from opsconsole.core.silence_extension import plan_extension


def run_extend(args: argparse.Namespace) -> int:
    """``silence extend ID [ID ...] --by 1h | --until TIME``: a later end, never an earlier one."""

    async def body(context: ResolvedContext, service: Any) -> int:
        ids = list(dict.fromkeys(args.silence_id))
        if len(ids) > 1:
            service.check_writable(service.expire_request(ids[0]))  # read-only refuses before asking
            confirm_bulk("Extend", len(ids), await _muted_by(service, ids), force=args.force)
        results, code = [], 0
        for silence_id in ids:
            try:
                results.append(await _extend_one(args, context, service, silence_id))
            except Exception as exc:
                if len(ids) == 1:
                    raise
                code = 1
                print(f"opsconsole: {silence_id}: {getattr(exc, 'message', exc)}", file=sys.stderr)
        done = [r for r in results if r is not None]
        if len(ids) == 1 and done:
            _print(args, done[0][0], done[0][1])
        elif done:
            _print(args, [d for d, _ in done], "\n".join(t for _, t in done))
        if code:
            return code
        return 0 if len(done) == len(ids) else 2  # an ended one not recreated (said why)

    return _run(args, body)


async def _extend_one(
    args: argparse.Namespace, context: ResolvedContext, service: Any, silence_id: str
) -> tuple[dict[str, Any], str] | None:
    """Extend one; None when it has ended and --recreate was not given (said on stderr)."""
    current = await service.silence(silence_id)
    expired = current.status.state == "expired"
    by = args.by if args.by or args.until else "1h"
    plan = plan_extension(current.ends_at.timestamp(), expired, service.clock(), by=by, until=args.until)
    if plan.recreate and not (args.recreate or args.force):
        print(
            f"opsconsole: not extended: {plan.describe()}; pass --recreate to do that",
            file=sys.stderr,
        )
        return None
    draft = service.extended(current, plan.new_end)
    service.check_writable(service.create_request(draft))
    confirm_blast_radius(await _blast_radius(context, service, draft), force=args.force)
    new_id = await service.create(draft)
    ends = datetime.fromtimestamp(plan.new_end, UTC).isoformat(timespec="seconds")
    if new_id == silence_id:
        text = f"{new_id} now ends {ends}"
    elif plan.recreate:
        text = f"{new_id} recreates {silence_id}, until {ends}"
    else:
        # Alertmanager could not update it in place: it expired the old one and made this one.
        text = f"{new_id} replaces {silence_id} (Alertmanager made a new silence), until {ends}"
    data = {
        "silenceID": new_id,
        "previous": silence_id,
        "endsAt": ends,
        "replaced": new_id != silence_id,
        "recreated": plan.recreate,
    }
    return data, text
