"""``opsconsole snapshot``: one refresh of the main screen, printed, for scripts, chat and incident notes."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsconsole.config import ConfigError
from opsconsole.core.dashboard import (
    SNAPSHOT_JSON_SHOWS_ALL,
    SNAPSHOT_TEXT_SHOWS_ALL,
    AlertGroupView,
    Dashboard,
)
from opsconsole.core.present import (
    HEALTH_STATE,
    LEVEL_MARK,
    budget_text,
    coverage_note,
    entity_fallback,
    exhaustion_text,
    format_duration,
    since_text,
)


def _mark(level: str) -> str:
    """The console's threshold marker, after the value in text (``12% !!``)."""
    mark = LEVEL_MARK.get(level, "").strip()
    return f" {mark}" if mark else ""


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``snapshot`` command."""

    from opsconsole.shared_flags import Mode, add_shared, all_contexts_mode, set_modes

    parser = subparsers.add_parser(
        "snapshot",
        parents=[common],
        help="print what the main screen shows (one refresh) and exit",
        description="Run one refresh of every pane and print it. Exit code 1 when a pane failed, "
        "3 when every query of a pane returned nothing (run `opsconsole packs doctor`).",
    )
    add_shared(parser, "pack", "var")  # not --theme nor --symbols: no screen, so they are refused
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--text", action="store_true", help="plain text (the default)")
    parser.add_argument("--logs", type=int, default=10, metavar="N", help="log lines to include (default 10)")
    parser.add_argument(
        "--all-contexts",
        action="store_true",
        help="every context of the config: a row each (firing by severity, acked, down, worst budget, "
        "freshness) and their alerts merged; exit 1 when a context failed or did not answer",
    )
    parser.add_argument(
        "--context-timeout",
        type=float,
        metavar="SECONDS",
        help="with --all-contexts: how long a context may take (default: its slowest endpoint timeout + 5s)",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        default=None,
        metavar="FILE",
        help="print a recorded refresh (see `opsconsole record`) instead of asking the backends",
    )
    parser.add_argument(
        "--at",
        default=None,
        metavar="TIME",
        help="with --replay: the refresh at or before TIME (14:05, 2026-11-29T14:05:30Z, +5m, -30s; "
        "default the last)",
    )
    parser.set_defaults(func=run)
    every_context = all_contexts_mode("config", "read_only", "pack", "var")
    set_modes(parser, every_context, Mode("replay", "--replay", frozenset(), "it reads the recording"))


def run(args: argparse.Namespace) -> int:
    """Refresh once with the same service the console uses (or read a recorded one), then print."""
    misfit = _misfit(args)
    if misfit:
        print(f"opsconsole snapshot: {misfit}", file=sys.stderr)
        return 2
    if args.all_contexts:
        return run_all_contexts(args)
    if args.replay is not None:
        from opsconsole.recording.replayed import recorded_board

        try:
            board = recorded_board(args.replay, args.at)
        except ValueError as exc:
            print(f"opsconsole snapshot: {exc}", file=sys.stderr)
            return 2
        return _print(board, args)
    from opsconsole.cli import resolve_from_args
    from opsconsole.commands.packs import parse_vars
    from opsconsole.refresh.session import build_service, choose_pack, load_pack_set, wanted_pack

    try:
        context = resolve_from_args(args)
        packs = load_pack_set(context, only=wanted_pack(context, args.pack))
        pack = choose_pack(context, packs, args.pack)
        service = build_service(context, packs, pack, parse_vars(args.var))
    except ConfigError as exc:
        print(f"opsconsole snapshot: {exc}", file=sys.stderr)
        return 2

    async def once() -> Dashboard:
        try:
            return await service.refresh()
        finally:
            await service.backends.aclose()

    return _print(asyncio.run(once()), args)


def _misfit(args: argparse.Namespace) -> str:
    """Why the command's own options do not go together ("" when they do): one that the way
    chosen would not read is refused, never ignored."""
    if args.all_contexts and args.replay is not None:
        return "--replay prints one recorded context; --all-contexts asks every context: choose one"
    if args.at is not None and args.replay is None:
        return "--at needs --replay FILE"
    if args.context_timeout is not None and not args.all_contexts:
        return "--context-timeout needs --all-contexts (one context ends within its endpoints' timeouts)"
    return ""


def _print(board: Dashboard, args: argparse.Namespace) -> int:
    board.logs = board.logs[-args.logs :] if args.logs > 0 else []
    print(json.dumps(as_json(board), indent=2) if args.json else as_text(board))
    if any(status.error for status in board.status.values()):
        return 1
    return 3 if any(status.all_empty for status in board.status.values()) else 0


def run_all_contexts(args: argparse.Namespace) -> int:
    """``snapshot --all-contexts``: one refresh of every context, concurrently, then print."""
    import time

    from opsconsole.commands._every_context import overview_service
    from opsconsole.commands._overview_output import overview_json, overview_text

    try:
        _, overview = overview_service(args)
    except ConfigError as exc:
        print(f"opsconsole snapshot: {exc}", file=sys.stderr)
        return 2

    async def once() -> Any:
        try:
            return await overview.refresh()
        finally:
            await overview.aclose()

    rows = asyncio.run(once())
    now = time.time()
    merged = overview.merged()
    print(
        json.dumps(overview_json(rows, merged, now), indent=2)
        if args.json
        else overview_text(rows, merged, now)
    )
    return 1 if any(row.error for row in rows) else 0


def as_json(board: Dashboard) -> dict[str, Any]:
    """The dashboard as plain JSON types (timestamps as unix seconds), with every figure the
    screen shows under the screen's words beside the raw ones (``budget_remaining`` next to
    ``consumed``, ``since_text``, the data-coverage note, the label that named each entity)."""
    plain: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(board), default=str))
    now = board.now
    for row, out in zip(board.health, plain["health"], strict=True):
        out["display"] = row.display
        out["state_text"] = HEALTH_STATE[row.state][0]
        out["since_text"] = since_text(now, row.since, row.since_exact)
        out["entity_fallback"] = entity_fallback(row.entity_label, board.entity_labels)
    for slo, out in zip(board.slos, plain["slos"], strict=True):
        figures = slo.figures
        worst = figures.worst_burn
        out["status"] = slo.status
        out["budget_remaining"] = figures.remaining
        out["budget_remaining_seconds"] = figures.remaining_seconds
        out["budget_seconds"] = figures.budget_seconds
        out["budget_text"] = budget_text(figures)
        out["worst_burn"] = None if worst is None else {"window": worst[0], "rate": worst[1]}
        out["exhaustion_1h_text"] = exhaustion_text(figures.exhaustion_1h, figures.window_seconds, slo.window)
        out["coverage_note"] = coverage_note(figures.data_seconds, figures.window_seconds)
        out["partial_window"] = figures.partial_window
    for name, status in board.status.items():
        plain["status"][name]["emptiness"] = status.emptiness()
        plain["status"][name]["all_empty"] = status.all_empty
    for key in ("alerts", "alerts_outside"):
        for group, out_group in zip(getattr(board, key), plain[key], strict=True):
            for alert, out_alert in zip(group.alerts, out_group["alerts"], strict=True):
                facts = alert.ack.ack_facts() if alert.ack is not None else None
                out_alert["ack"] = facts.as_json(now) if facts is not None else None
    plain["alerts_summary"] = {
        "firing": board.firing,
        "firing_outside": board.firing_outside,
        "title": board.alerts_title(outside=SNAPSHOT_JSON_SHOWS_ALL),
    }
    return plain


def as_text(board: Dashboard) -> str:
    """The dashboard as plain text lines (no colour, no escape sequences)."""
    now = board.now
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    out = [f"opsconsole snapshot · context {board.context} · pack {board.pack} · {stamp}"]
    out += [f"⚠ {notice}" for notice in board.notices]

    def section(name: str, pane: str, count: int) -> None:
        status = board.pane_status(pane)
        out.append("")
        out.append(f"{name} ({count})" + (f"  ⚠ {status.error}" if status.error else ""))
        if status.emptiness() and not status.error:
            out.append(f"  ⚠ {status.emptiness()}")
        out.extend(f"  ⚠ {note}" for note in status.notes)
        out.extend(f"  △ {warning}" for warning in status.warnings)

    section("HEALTH", "health", len(board.health))
    for row in board.health:
        since = since_text(now, row.since, row.since_exact)
        signals = "  ".join(f"{name} {cell.text}{_mark(cell.level)}" for name, cell in row.signals.items())
        health = f"health {row.health.text}{_mark(row.health.level)}  " if row.health else ""
        alerts = f"alerts {row.alerts}  " if row.alerts else ""
        state = HEALTH_STATE[row.state][0]
        # Named by a later identity label than the pack's first: say which, as the JSON does.
        name = (
            f"{row.display} (by {row.entity_label})"
            if entity_fallback(row.entity_label, board.entity_labels)
            else row.display
        )
        out.append(f"  {state:<12} {name:<14} since {since:<6} {alerts}{health}{signals}".rstrip())

    section("SATURATION", "saturation", len(board.saturation))
    for res in board.saturation:
        name = f"{res.display} {res.series}".strip()
        out.append(f"  {name:<40} {res.value.text}{_mark(res.value.level)}")

    section("RED", "red", len(board.red))
    for red in board.red:
        cells = [
            ("rate", red.rate),
            ("errors", red.errors),
            ("p50", red.p50),
            ("p95", red.p95),
            ("p99", red.p99),
        ]
        text = "  ".join(f"{name} {c.text}{_mark(c.level)}" for name, c in cells)
        out.append(f"  {red.group_display:<10} {red.key:<16} {text}")

    # No key works in a snapshot: the title says where the alerts outside the pack are listed.
    title = board.alerts_title(outside=SNAPSHOT_TEXT_SHOWS_ALL)
    section(f"ALERTS, {title}", "alerts", sum(len(g.alerts) for g in board.alerts))

    def alert_lines(groups: list[AlertGroupView]) -> None:
        for group in groups:
            for alert in group.alerts:
                age = format_duration(now - alert.starts_at)
                entity = alert.entity or "—"
                facts = alert.ack.ack_facts() if alert.ack is not None else None
                ack = f"  [{facts.text(now)}]" if facts is not None else ""
                out.append(
                    f"  {alert.severity.upper():<9} {alert.state:<10} {alert.alertname:<28} {entity:<10} "
                    f"{age:>6}  {alert.summary}{ack}"
                )

    alert_lines(board.alerts)
    if board.alerts_outside:
        out.append("")
        out.append(f"OUTSIDE THIS PACK ({sum(len(g.alerts) for g in board.alerts_outside)})")
        alert_lines(board.alerts_outside)

    section("SLO", "slo", len(board.slos))
    for slo in board.slos:
        figures = slo.figures
        burns = " ".join(f"{w}={b:.1f}x" for w, b in figures.burn_rates.items() if b is not None)
        coverage = coverage_note(figures.data_seconds, figures.window_seconds)
        out.append(
            f"  {slo.display:<40} {slo.objective * 100:g}%/{slo.window:<4} "
            f"budget left {budget_text(figures)}  {slo.status:<9} burn {burns or '—'}"
            + (f"  ({coverage})" if coverage else "")
        )
        if slo.problem:
            out.append(f"    ⚠ {slo.problem}")

    section("LOGS", "logs", len(board.logs))
    if board.logs_unavailable:
        out.append(f"  {board.logs_unavailable}")
    for line in board.logs:
        when = datetime.fromtimestamp(line.ts_ns / 1e9, UTC).strftime("%H:%M:%S")
        out.append(f"  {when} {line.level.upper():<5} {line.entity:<10} {line.message}")
    return "\n".join(out)
