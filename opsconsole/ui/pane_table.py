"""A pane's table and its rows: what a row stands for (:class:`RowRef`), keys kept unique, the
border's note on empty queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from opsconsole.core.dashboard import PaneName, PaneStatus


@dataclass(frozen=True)
class RowRef:
    """What a table row stands for, so Enter knows what to drill into."""

    pane: PaneName
    kind: str
    payload: Any


def honesty(*statuses: PaneStatus) -> str:
    """`` · 2 of 7 queries empty (…)`` and the first note, for a pane's border."""
    parts = [s.emptiness() for s in statuses if s.emptiness() and not s.error]
    notes = [n for s in statuses for n in s.notes]
    if notes:
        parts.append(f"⚠ {notes[0]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""))
    return "".join(f" · {p}" for p in parts)


def unique_keys(rows: list[tuple[str, RowRef, list[Text]]]) -> list[tuple[str, RowRef, list[Text]]]:
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
