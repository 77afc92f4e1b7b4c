"""Which of a pane's columns fit its width, and how wide each is drawn: no horizontal scrollbar.

A pane narrower than its columns loses the least important columns first, then cuts long text
with an ellipsis; a column of priority 0 (the state or status) is never hidden. The caller says
which columns are hidden (in the pane's border), so nothing disappears silently.

Pure arithmetic on cell widths: the pane measures, this decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CELL_PADDING = 2  # a DataTable pads each cell by one column on either side


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its header, how much it matters, and how far its text may be cut.

    ``priority`` 0 is never hidden; above that, higher numbers are hidden first (among equals,
    the rightmost first). ``shrink_to`` is the narrowest the column may be cut to before hiding
    another column is preferred (``None``: never cut, e.g. a number or a state word).
    """

    label: str
    priority: int
    shrink_to: int | None = None


@dataclass(frozen=True)
class ColumnFit:
    """The outcome: the columns shown (indices, in order), their content widths, those hidden."""

    shown: tuple[int, ...]
    widths: tuple[int, ...]
    hidden: tuple[str, ...]

    def hidden_note(self) -> str:
        """What the border says: ``hidden columns: Entity, Summary`` (empty when none are)."""
        return f"hidden columns: {', '.join(self.hidden)}" if self.hidden else ""


def fit_columns(specs: Sequence[ColumnSpec], natural: Sequence[int], available: int) -> ColumnFit:
    """Fit columns whose widest cells are ``natural`` (content widths) into ``available`` cells.

    1. Each column starts at its narrowest acceptable width (``shrink_to`` for cuttable text).
    2. While those do not fit, the least important column that may go is hidden.
    3. The room left is given back, most important column first, up to each one's natural width.
    4. If the never-hidden columns alone are still too wide, the widest is cut until they fit.
    """
    count = len(specs)
    least = [
        min(natural[i], spec.shrink_to) if spec.shrink_to is not None else natural[i]
        for i, spec in enumerate(specs)
    ]

    def need(columns: Sequence[int]) -> int:
        return sum(least[i] + CELL_PADDING for i in columns)

    shown = list(range(count))
    hideable = sorted((i for i in shown if specs[i].priority > 0), key=lambda i: (-specs[i].priority, -i))
    for index in hideable:
        if need(shown) <= available:
            break
        shown.remove(index)
    widths = {i: least[i] for i in shown}
    spare = available - need(shown)
    for index in sorted(shown, key=lambda i: (specs[i].priority, i)):
        grow = max(0, min(spare, natural[index] - widths[index]))
        widths[index] += grow
        spare -= grow
    while spare < 0 and any(w > 1 for w in widths.values()):
        widest = max(shown, key=lambda i: (widths[i], -i))
        widths[widest] -= 1
        spare += 1
    hidden = tuple(
        specs[i].label for i in sorted(set(range(count)) - set(shown), key=lambda i: (specs[i].priority, i))
    )
    return ColumnFit(tuple(shown), tuple(widths[i] for i in shown), hidden)
