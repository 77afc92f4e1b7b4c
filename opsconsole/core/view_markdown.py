"""The pane on screen as Markdown for a chat or an incident doc (``y`` in the console).

Every value is the board's (already terminal-safe); table cells are made Markdown-safe here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from opsconsole.core.dashboard import COPY_SHOWS_ALL, Cell, Dashboard, LogRow
from opsconsole.core.durations import format_duration
from opsconsole.core.present import LEVEL_MARK
from opsconsole.core.slo import budget_text

STATE = {"down": "✖ DOWN", "unhealthy": "▲ UNHEALTHY", "degraded": "◆ degraded", "unknown": "? unknown"}


def cell(text: object) -> str:
    """A table cell: no pipe ends it, no newline ends the row."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip() or "—"


def figure(value: Cell) -> str:
    """A figure with its threshold mark, as the console and ``snapshot`` show it (``1.1 GiB !!``)."""
    mark = LEVEL_MARK.get(value.level, "").strip()
    return f"{value.text} {mark}" if mark else value.text


def _said(board: Dashboard, pane: str) -> list[str]:
    """What the pane says besides its rows (its error, empty queries, notes, the backend's warnings),
    as quoted lines: a copy of an empty or partial pane says why, as the pane does."""
    status = board.pane_status(pane)
    out = []
    if status.error:
        out.append(
            f"> ⚠ {cell(status.error)} "
            f"(data from {format_duration(board.now - (status.updated_at or board.now))} ago)"
        )
    elif status.emptiness():
        out.append(f"> ⚠ {cell(status.emptiness())}")
    out += [f"> ⚠ {cell(note)}" for note in status.notes]
    out += [f"> △ {cell(warning)}" for warning in status.warnings]
    return out


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def view_markdown(
    board: Dashboard,
    pane: str,
    *,
    filter_text: str = "",
    showing_all: bool = False,
    logs: Sequence[LogRow] | None = None,
) -> str:
    """``pane`` of ``board`` as a titled Markdown table (what the pane shows, filter said);
    ``logs``: the lines the log pane shows when they are not the board's (the console's tail)."""
    stamp = datetime.fromtimestamp(board.now, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    title = f"**{cell(pane.upper())}** · context {cell(board.context)} · pack {cell(board.pack)} · {stamp}"
    out = [title]
    if filter_text:
        out.append(f"_filtered: {cell(filter_text)}_")
    out += _said(board, pane)
    out.append("")
    now = board.now
    if pane == "health":
        names = list(dict.fromkeys(n for r in board.health for n in r.signals))
        out += _table(
            [board.entity_display, "state", "since", "alerts", "health", *names],
            [
                [
                    r.display,
                    STATE.get(r.state, "● ok"),
                    "—" if r.since is None else format_duration(now - r.since),
                    r.alerts or "",
                    figure(r.health) if r.health else "",
                    *(figure(r.signals[n]) if n in r.signals else "" for n in names),
                ]
                for r in board.health
            ],
        )
        # The pane shows the shared resources among its rows: so does the copy.
        if board.saturation or board.pane_status("saturation").queries:
            out += ["", "**Shared resources**", *_said(board, "saturation"), ""]
            out += _table(
                ["resource", "value"],
                [[f"{r.display} {r.series}".strip(), figure(r.value)] for r in board.saturation],
            )
    elif pane == "alerts":
        groups = board.alert_groups(showing_all)
        out.append(board.alerts_title(showing_all, outside=COPY_SHOWS_ALL))
        out.append("")
        out += _table(
            ["severity", "state", "alert", "on", "for", "summary"],
            [
                [
                    a.severity,
                    a.state,
                    a.alertname,
                    a.entity or "",
                    format_duration(now - a.starts_at),
                    a.summary,
                ]
                for g in groups
                for a in g.alerts
            ],
        )
    elif pane == "red":
        out += _table(
            ["group", "key", "rate", "errors", "p50", "p95", "p99"],
            [
                [r.group_display, r.key, *(figure(c) for c in (r.rate, r.errors, r.p50, r.p95, r.p99))]
                for r in board.red
            ],
        )
    elif pane == "slo":
        out += _table(
            ["SLO", "objective", "budget left", "status"],
            [
                [s.display, f"{s.objective * 100:g}% / {s.window}", budget_text(s.figures), s.status]
                for s in board.slos
            ],
        )
    else:
        out += _table(
            ["time", "level", "entity", "message"],
            [
                [
                    datetime.fromtimestamp(r.ts_ns / 1e9, UTC).strftime("%H:%M:%S"),
                    r.level,
                    r.entity,
                    r.message,
                ]
                for r in (board.logs if logs is None else logs)
            ],
        )
    return "\n".join(out) + "\n"
