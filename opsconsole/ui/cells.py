"""Dashboard models as Rich ``Text`` cells.

Everything goes through ``Text(...)``, never markup parsing, because label values and log lines are
untrusted. Every state carries a symbol or word as well as a colour, so monochrome still reads.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text

from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    Cell,
    HealthRow,
    LogRow,
    RedRow,
    SaturationRow,
    SloRow,
)
from opsconsole.core.durations import format_duration
from opsconsole.core.present import (
    ALERT_STATE,
    HEALTH_STATE,
    LEVEL_MARK,
    SLO_STATUS,
    budget_text,
    data_span,
    exhaustion_text,
    severity_level,
    since_text,
)
from opsconsole.core.present import (
    severity as severity_of,
)
from opsconsole.core.short_names import short_name
from opsconsole.core.trend import ARROWS, sparkline, trend
from opsconsole.ui.symbols import UNICODE, Symbols
from opsconsole.ui.themes import ConsoleTheme

LOG_LEVEL = {"error": "crit", "fatal": "crit", "critical": "crit", "warn": "warn", "warning": "warn"}


def plain(text: str, style: str | Style = "", limit: int = 0) -> Text:
    """Untrusted text as a cell (never interpreted as markup), cut to ``limit`` characters."""
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def cell(value: Cell, theme: ConsoleTheme) -> Text:
    """A number with its threshold marker and colour."""
    return Text(LEVEL_MARK[value.level] + value.text, style=theme.style(value.level), no_wrap=True)


ENTITY_COLUMN = 24  # wide enough for "npa-deployment-…-x2k4p"; at 80 columns the signals still show


def _entity_text(row: HealthRow) -> str:
    name = short_name(row.entity, ENTITY_COLUMN)
    if row.split:
        name += " (" + ", ".join(f"{k}={short_name(v, 16)}" for k, v in row.split) + ")"
    return name


def health_cells(
    row: HealthRow, signals: list[str], theme: ConsoleTheme, now: float, symbols: Symbols = UNICODE
) -> list[Text]:
    """State, instance, alerts, since, health, signals…, type (what matters most first)."""
    label, level = HEALTH_STATE[row.state]
    out = [
        Text(label, style=theme.style(level)),
        plain(_entity_text(row), "bold" if row.state != "ok" else ""),
        Text(
            f"{symbols.alerts}{row.alerts}" if row.alerts else "·",
            style=theme.style("crit" if row.alerts else "muted"),
        ),
        plain(since_text(now, row.since, row.since_exact)),
        cell(row.health, theme) if row.health else plain("—"),
    ]
    out += [cell(row.signals[s], theme) if s in row.signals else plain("—") for s in signals]
    out.append(plain(row.entity_type, theme.style("muted")))
    return out


SATURATION_LABEL = {
    "crit": ("✖ FULL", "crit"),
    "warn": ("◆ high", "warn"),
    "ok": ("● ok", "ok"),
    "none": ("·", "muted"),
}


def saturation_cells(row: SaturationRow, signals: list[str], theme: ConsoleTheme) -> list[Text]:
    """A shared resource in the health pane's columns: level, name, its value under "Health"."""
    label, level = SATURATION_LABEL[row.value.level]
    name = short_name(f"{row.display} {row.series}".strip(), ENTITY_COLUMN)
    return [
        Text(label, style=theme.style(level)),
        plain(name, "bold" if row.value.level in ("warn", "crit") else ""),
        Text("·", style=theme.style("muted")),
        plain("—"),
        cell(row.value, theme),
        *(plain("") for _ in signals),
        plain("resource", theme.style("muted")),
    ]


def _with_trend(value: Cell, history: list[float | None], theme: ConsoleTheme) -> Text:
    text = cell(value, theme)
    if history:
        text.append(" ")
        text.append(sparkline(history, 8), style=theme.style("bar"))
        text.append(ARROWS[trend(history)])
    return text


def red_cells(row: RedRow, theme: ConsoleTheme, first_of_group: bool = True) -> list[Text]:
    """Group, row key, rate, errors, p50, p95, p99 (rate/errors/p99 with sparkline and arrow)."""
    return [
        plain(row.group_display if first_of_group else "", theme.style("muted")),
        plain(row.key, "bold", limit=24),
        _with_trend(row.rate, row.history.get("rate", []), theme),
        _with_trend(row.errors, row.history.get("errors", []), theme),
        cell(row.p50, theme),
        cell(row.p95, theme),
        _with_trend(row.p99, row.history.get("p99", []), theme),
    ]


def alert_group_cells(group: AlertGroupView, theme: ConsoleTheme, now: float) -> list[Text]:
    """A group header row: worst severity, counts, group key, oldest age."""
    severity = group.severity or "—"
    firing = group.firing
    total = len(group.alerts)
    key = " ".join(v for _, v in group.key if v) or "(no group labels)"
    counts = f"{firing} firing" + (f", {total - firing} suppressed" if total - firing else "")
    level = severity_of(severity).level if firing else "muted"
    return [
        Text(f"▼ {severity.upper()}", style=theme.style(level)),
        plain(key, "bold", limit=32),
        plain(""),
        plain(format_duration(now - group.oldest)),
        Text(counts, style=theme.style("crit" if firing else "muted")),
        plain(""),
    ]


def alert_cells(alert: AlertView, theme: ConsoleTheme, now: float, *, indent: str = "  ") -> list[Text]:
    """One alert (under its group, indented): severity, name, entity, age, state, summary."""
    state, level = ALERT_STATE[alert.state]
    if alert.state == "silenced" and alert.silences:
        ack = alert.ack.ack_facts() if alert.ack is not None else None
        state = ack.text(now) if ack is not None else f"silenced by {alert.silences[0].created_by}"
    return [
        Text(f"{indent}{alert.severity or '—'}", style=theme.style(severity_level(alert))),
        plain(alert.alertname, limit=32),
        plain(short_name(alert.entity or alert.labels.get("instance", "") or "—", ENTITY_COLUMN)),
        plain(format_duration(now - alert.starts_at)),
        Text(state[:40], style=theme.style(level)),
        plain(f"[{alert.cluster}] {alert.summary}" if alert.cluster else alert.summary),
    ]


def budget_bar(remaining: float | None, width: int = 8) -> str:
    """``███████░░░`` for the share of budget left (empty bar when overspent)."""
    if remaining is None:
        return "·" * width
    filled = round(max(0.0, min(1.0, remaining)) * width)
    return "█" * filled + "░" * (width - filled)


def slo_cells(row: SloRow, theme: ConsoleTheme) -> list[Text]:
    """Name, budget bar with share and time left, status, worst burn with its window, time to
    exhaustion at the 1h burn, objective/window."""
    figures = row.figures
    status, level = SLO_STATUS[figures.status]
    if row.problem:
        status, level = "⚠ see :slo", "warn"
    remaining = figures.remaining
    bar = Text(budget_bar(remaining), style=theme.style(level if level != "ok" else "bar"))
    bar.append(f" {budget_text(figures)}")
    worst = figures.worst_burn
    burn = "—" if worst is None else f"{worst[1]:.1f}x {worst[0]}"
    exhaustion = figures.exhaustion_1h
    span = data_span(figures.data_seconds, figures.window_seconds)
    return [
        plain(row.display, "bold", limit=26),
        bar,
        Text(status, style=theme.style(level)),
        plain(burn),
        plain(exhaustion_text(exhaustion, figures.window_seconds, row.window)),
        plain(f"{row.objective * 100:g}%/{row.window}" + (f" ({span} data)" if span else "")),
    ]


def log_cells(row: LogRow, theme: ConsoleTheme) -> list[Text]:
    """Time (UTC), level, entity, message."""
    stamp = datetime.fromtimestamp(row.ts_ns / 1e9, UTC).strftime("%H:%M:%S")
    level = LOG_LEVEL.get(row.level, "none" if row.level in ("debug", "trace") else "info")
    message = plain(row.message)
    if level == "crit":
        message.stylize(theme.style("crit"))
    return [
        plain(stamp, theme.style("muted")),
        Text((row.level or "—").upper()[:5], style=theme.style(level)),
        plain(row.entity or "—"),
        message,
    ]
