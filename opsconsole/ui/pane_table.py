"""A pane's table and its rows: what a row stands for (one small frozen class per kind of row, so
the flows dispatch on its type and mypy checks each field), keys kept unique, the border's note on
empty queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    HealthRow,
    LogRow,
    PaneStatus,
    RedRow,
    SaturationRow,
    SloRow,
)


@dataclass(frozen=True)
class PaneRow:
    """What a table row stands for, so Enter and the row keys know what they act on."""


@dataclass(frozen=True)
class AgentRowKey(PaneRow):
    """A health row: one agent instance (or entity)."""

    row: HealthRow


@dataclass(frozen=True)
class ResourceRowKey(PaneRow):
    """A shared resource's saturation among the health rows."""

    row: SaturationRow


@dataclass(frozen=True)
class RedRowKey(PaneRow):
    """A RED row: one service or route of a group."""

    row: RedRow


@dataclass(frozen=True)
class AlertRowKey(PaneRow):
    """One alert."""

    alert: AlertView


@dataclass(frozen=True)
class AlertGroupRowKey(PaneRow):
    """The header row of a group of two or more alerts."""

    group: AlertGroupView


@dataclass(frozen=True)
class SloRowKey(PaneRow):
    """One SLO."""

    slo: SloRow


@dataclass(frozen=True)
class LogLineKey(PaneRow):
    """A line of the live tail."""

    line: LogRow


@dataclass(frozen=True)
class NoticeRowKey(PaneRow):
    """The row that says why a pane is empty."""

    text: str


@dataclass(frozen=True)
class MoreRowsKey(PaneRow):
    """The last row, counting the rows not drawn."""

    count: int


RowTarget = (
    AgentRowKey
    | ResourceRowKey
    | RedRowKey
    | AlertRowKey
    | AlertGroupRowKey
    | SloRowKey
    | LogLineKey
    | NoticeRowKey
    | MoreRowsKey
)
"""Every kind of row a pane draws: ``match`` on it (mypy checks the cases)."""


def honesty(*statuses: PaneStatus) -> str:
    """`` · 2 of 7 queries empty (…)`` and the first note, for a pane's border."""
    parts = [s.emptiness() for s in statuses if s.emptiness() and not s.error]
    notes = [n for s in statuses for n in s.notes]
    if notes:
        parts.append(f"⚠ {notes[0]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""))
    return "".join(f" · {p}" for p in parts)


def unique_keys(
    rows: list[tuple[str, RowTarget, list[Text]]],
) -> list[tuple[str, RowTarget, list[Text]]]:
    """Rows with keys made unique: two rows may end up with one key (label values that differ only
    in control characters clean to the same text), and a table refuses a key twice. Both rows stay."""
    seen: dict[str, int] = {}
    out = []
    for key, ref, row in rows:
        count = seen.get(key, 0)
        seen[key] = count + 1
        out.append((key if not count else f"{key}\x1f#{count}", ref, row))
    return out


class PaneTable(DataTable[Text]):
    """A table with vim keys on top of the arrows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]
