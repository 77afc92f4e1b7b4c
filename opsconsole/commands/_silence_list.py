"""``opsconsole silence list``: every silence of every Alertmanager cluster of the context (or of every
context), with what each mutes now and the marks ``mutes nothing`` and ``ends within 1h``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from opsconsole.commands.silence import _print, _run
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
    """Every context's silences through the console's own every-context reader (the silences
    screen's ``*``): the same rows, HA peers and shared Alertmanagers once, read-only rows marked RO,
    and each context that could not be read named with its error."""
    from opsconsole.commands._every_context import every_context
    from opsconsole.refresh.context_silences import NO_ALERTMANAGER, EveryContextSilences

    try:
        contexts = every_context(args)
    except ConfigError as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        return 2
    every = EveryContextSilences(contexts)

    async def read() -> None:
        try:
            await every.refresh()
        finally:
            await every.aclose()

    asyncio.run(read())
    now = time.time()
    rows = [r for r in every.rows() if args.all or r.silence.state != "expired"]
    if args.unused:
        rows = [r for r in rows if r.silence.hygiene(now).mutes_nothing]
    lines, data = [], []
    for row in rows:
        s = row.silence  # already cleaned of terminal escapes (a SanitizedModel)
        left = format_duration(s.ends_at - now) if s.state != "expired" else "-"
        hygiene = s.hygiene(now)
        marks = "".join(f"  ⚠ {m}" for m in hygiene.marks())
        mutes = f"mutes {hygiene.mutes}" if s.state == "active" else ""
        where = row.where + (" RO" if row.locked else "")
        lines.append(
            f"{where}  {s.id}  {s.state:<8} {left:>6}  {mutes:<9} {s.created_by:<20} {s.matchers}"
            f"  # {s.comment}{marks}"
        )
        sent = every.as_sent(row)
        item: dict[str, Any] = sent.model_dump(mode="json", by_alias=True) if sent else {"id": s.id}
        item.update(
            {
                "context": row.via,  # where a change of it goes
                "contexts": list(row.contexts),  # every context that sees it
                "cluster": row.cluster,
                "read_only": bool(row.locked),
                **hygiene.as_json(),
            }
        )
        data.append(item)
    failed = False
    for state in every.read_states():
        problems = ([state.error] if state.error else []) + list(state.gaps)
        for problem in problems:
            print(f"opsconsole: {state.context}: silences not read: {problem}", file=sys.stderr)
        # A context without an Alertmanager is said, not a failure: there was nothing to read.
        failed = failed or bool(state.gaps) or (bool(state.error) and state.error != NO_ALERTMANAGER)
    empty = "no silences that mute nothing" if args.unused else "no silences"
    _print(args, data, "\n".join(lines) or empty)
    return 1 if failed else 0


def _print_inventory(args: argparse.Namespace, rows: list[Any], gaps: list[Any], now: float) -> int:
    """One context's listing (text or --json); 1 when a cluster could not be read."""
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
