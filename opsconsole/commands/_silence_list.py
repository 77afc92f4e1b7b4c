"""``opsconsole silence list``: every silence of every Alertmanager cluster of the context (or of every
context), with what each mutes now and the marks ``mutes nothing`` and ``ends within 1h``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from opsconsole.commands.silence import _print, _run, _service
from opsconsole.config import ConfigError, ResolvedContext
from opsconsole.core.durations import format_duration
from opsconsole.core.untrusted_text import sanitize


def run_list(args: argparse.Namespace) -> int:
    """``silence list``: every cluster's silences with what each mutes now and its marks."""
    if args.all_contexts:
        return _list_every_context(args)

    async def body(context: ResolvedContext, service: Any) -> int:
        from opsconsole.mutations.silence_inventory import inventory

        rows, gaps = await inventory(service, context.name)
        return _print_inventory(args, rows, gaps, service.clock())

    return _run(args, body)


def _list_every_context(args: argparse.Namespace) -> int:
    from opsconsole.commands._every_context import every_context
    from opsconsole.mutations.silence_inventory import InventoryGap, inventory
    from opsconsole.refresh.context_overview import context_deadline
    from opsconsole.refresh.fan_out import fan_out

    try:
        contexts = [c for c in every_context(args) if c.settings.alertmanagers]
    except ConfigError as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        return 2

    async def one(context: ResolvedContext) -> Any:
        service = _service(context)
        try:
            return await inventory(service, context.name)
        finally:
            for peer in service.peers:
                await peer.aclose()

    async def every() -> int:
        results = await fan_out(contexts, one, deadline=context_deadline)
        rows, gaps = [], []
        for result in results:
            if result.value is None:
                gaps.append(
                    InventoryGap(result.key.name, "", str(result.error) or type(result.error).__name__)
                )
            else:
                rows += result.value[0]
                gaps += result.value[1]
        return _print_inventory(args, rows, gaps, time.time())

    return asyncio.run(every())


def _print_inventory(args: argparse.Namespace, rows: list[Any], gaps: list[Any], now: float) -> int:
    """The listing (text or --json); 1 when a cluster or context could not be read."""
    rows = [r for r in rows if args.all or r.silence.status.state != "expired"]
    if args.unused:
        rows = [r for r in rows if r.hygiene.mutes_nothing]
    places = {(r.context, r.cluster) for r in rows} | {(g.context, g.cluster) for g in gaps}
    several = len(places) > 1
    lines = []
    data = []
    for row in rows:
        s = row.silence
        matchers = ", ".join(m.to_filter() for m in s.matchers)
        left = format_duration(s.ends_at.timestamp() - now) if s.status.state != "expired" else "-"
        # Comments and authors come from whoever wrote the silence: never print raw escapes.
        who, comment = sanitize(s.created_by), sanitize(s.comment)
        where = f"{row.context}/{row.cluster}".rstrip("/") + "  " if several else ""
        marks = "".join(f"  ⚠ {m}" for m in row.hygiene.marks())
        mutes = f"mutes {row.hygiene.mutes}" if s.status.state == "active" else ""
        lines.append(
            f"{where}{s.id}  {s.status.state:<8} {left:>6}  {mutes:<9} {who:<20} {sanitize(matchers)}"
            f"  # {comment}{marks}"
        )
        item = s.model_dump(mode="json", by_alias=True)
        item.update({"context": row.context, "cluster": row.cluster, **row.hygiene.as_json()})
        data.append(item)
    for gap in gaps:
        where = f"{gap.context}/{gap.cluster}".rstrip("/")
        print(f"opsconsole: {where}: silences not read: {gap.error}", file=sys.stderr)
    empty = "no silences that mute nothing" if args.unused else "no silences"
    _print(args, data, "\n".join(lines) or empty)
    return 1 if gaps else 0
