"""The wallboard's page tables (alerts, SLOs, health), drawn from a dashboard with the one vocabulary
of core/present.py; pure functions of the board, the theme and the width."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from opsconsole.core.ack_state import AckFacts
from opsconsole.core.dashboard import AlertView, Dashboard
from opsconsole.core.durations import format_duration
from opsconsole.core.present import HEALTH_STATE, SLO_STATUS, severity_level, since_text
from opsconsole.core.short_names import short_name
from opsconsole.core.slo import budget_percent
from opsconsole.core.wallboard_figures import empty_page_reason
from opsconsole.ui.cells import ENTITY_COLUMN
from opsconsole.ui.themes import ConsoleTheme


def alert_table(
    alerts: list[AlertView],
    theme: ConsoleTheme,
    *,
    now: float,
    width: int,
    acks: tuple[tuple[AlertView, AckFacts], ...] = (),
    more: int = 0,
    more_where: str = "",
    outside: int = 0,
    empty: tuple[str, bool] = ("no alerts firing", False),
) -> Table | Text:
    """Firing alerts, then the acked ones muted with who acked and for how long. ``more``: firing
    alerts left out of this list, and ``more_where`` they are shown ("" when nowhere); ``outside``:
    firing alerts the pack's matchers leave out. Both are said under the table, so a short list
    never reads as all there is. ``empty``: what to say without any (see
    :func:`~opsconsole.core.wallboard_figures.empty_page_reason`), and whether it is a problem."""
    left_out = [
        *([f"+ {more} more firing" + (f", {more_where}" if more_where else "")] if more else []),
        *([f"+ {outside} firing outside this pack, not listed"] if outside else []),
    ]
    if not alerts and not acks:
        if empty[1]:
            return Text(f"⚠ {empty[0]}", style=theme.style("warn"))
        if outside:
            return Text(
                f"no alerts of this pack firing · {outside} firing outside it", style=theme.style("warn")
            )
        return Text("no alerts firing", style=theme.style("ok"))
    # Pod names are long and alike: cut them as the console does, keeping the pod's suffix.
    # The summary alone gives way to the width (wrapping from 120 columns up, cut below, where
    # it would wrap a word a line); the other columns keep what they hold.
    entity_width = max(ENTITY_COLUMN, width // 4)
    rows = []
    for alert in alerts:
        level = severity_level(alert)
        rows.append(
            (
                Text(alert.severity.upper(), style=theme.style(level)),
                Text(alert.alertname),
                Text(short_name(alert.entity or "—", entity_width)),
                Text(format_duration(max(0.0, now - alert.starts_at))),
                Text(alert.summary),
            )
        )
    # Acked alerts follow the firing ones, muted, with who acked and for how long.
    muted = theme.style("muted")
    for alert, facts in acks:
        rows.append(
            (
                Text("ACKED", style=muted),
                Text(alert.alertname, style=muted),
                Text(short_name(alert.entity or "—", entity_width), style=muted),
                Text(format_duration(max(0.0, now - alert.starts_at)), style=muted),
                Text(facts.text(now), style=muted),
            )
        )
    narrow = width < 120
    table = Table(
        box=None,
        pad_edge=False,
        expand=True,
        header_style="bold",
        caption=" · ".join(left_out) or None,
        caption_justify="left",
        caption_style=theme.style("warn"),
    )
    for index, column in enumerate(("severity", "alert", "entity", "for", "summary")):
        if column == "summary":
            table.add_column(column, no_wrap=narrow, overflow="ellipsis", ratio=1)
        else:
            width = max(len(column), *(row[index].cell_len for row in rows))
            table.add_column(column, no_wrap=True, overflow="ellipsis", min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def slo_table(board: Dashboard, theme: ConsoleTheme) -> Table | Text:
    """Each SLO's objective, budget left, worst burn and status."""
    if not board.slos:
        return _empty(board, "slo", "no SLOs in this pack", theme)
    table = Table(box=None, pad_edge=False, expand=True, header_style="bold")
    for column in ("SLO", "objective", "budget left", "worst burn", "status"):
        table.add_column(column, no_wrap=True)
    for slo in board.slos:
        figures = slo.figures
        remaining = figures.remaining
        left = "no data" if remaining is None else budget_percent(remaining)
        worst = figures.worst_burn
        status = figures.status
        level = SLO_STATUS[status][1] if status in SLO_STATUS else "muted"
        table.add_row(
            Text(slo.display),
            Text(f"{slo.objective * 100:g}% / {slo.window}"),
            Text(left, style=theme.style("crit" if remaining is not None and remaining < 0.25 else "none")),
            Text(f"{worst[1]:.1f}x over {worst[0]}" if worst else "—"),
            Text(status.upper(), style=theme.style(level)),
        )
    return table


def health_table(board: Dashboard, theme: ConsoleTheme) -> Table | Text:
    """Each agent's state, alerts and since."""
    if not board.health:
        return _empty(board, "health", f"no {board.entity_display}s in this pack", theme)
    table = Table(box=None, pad_edge=False, expand=True, header_style="bold")
    for column in ("state", "agent", "alerts", "since"):
        table.add_column(column, no_wrap=True)
    for row in board.health:
        level = HEALTH_STATE[row.state][1]
        since = since_text(board.now, row.since, row.since_exact)
        table.add_row(
            Text(row.state.upper(), style=theme.style(level)),
            Text(row.entity),
            Text(str(row.alerts) if row.alerts else "·"),
            Text(since),
        )
    return table


def _empty(board: Dashboard, pane: str, nothing: str, theme: ConsoleTheme) -> Text:
    text, problem = empty_page_reason(board, pane, nothing)
    return Text(f"⚠ {text}" if problem else text, style=theme.style("warn" if problem else "muted"))
