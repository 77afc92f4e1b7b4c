"""Moving around a waterfall: the cursor, collapsed spans, and jumps that reveal a hidden span.

The trace screen's keys (``j``/``k``, page, ``space``, ``←``/``→``, ``C``/``E``, ``e``, and
following a reference) are this state machine; the widget only draws it. Every operation is
bounded by the number of spans: the forest behind the waterfall has no cycles, and no walk here
relies on that alone (a walk up stops after one step per span).
"""

from __future__ import annotations

from collections.abc import Callable

from opsconsole.core.trace_layout import Waterfall, WaterfallRow


class WaterfallCursor:
    """The visible rows of ``waterfall`` given what is collapsed, and the cursor among them."""

    def __init__(self, waterfall: Waterfall) -> None:
        self.waterfall = waterfall
        self.collapsed: set[int] = set()
        self.rows: list[WaterfallRow] = waterfall.visible()
        self.cursor = 0

    @property
    def current(self) -> WaterfallRow | None:
        """The row under the cursor (None for an empty trace)."""
        return self.rows[self.cursor] if self.rows else None

    def _relayout(self) -> None:
        self.rows = self.waterfall.visible(self.collapsed)
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))

    def position_of(self, index: int) -> int | None:
        """Where span ``index`` is among the visible rows, if it is visible."""
        return next((p for p, row in enumerate(self.rows) if row.index == index), None)

    def move(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows, stopping at either end."""
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def move_to(self, position: int) -> None:
        """Put the cursor on visible row ``position`` (clamped)."""
        self.move(position - self.cursor)

    def toggle(self) -> bool:
        """Collapse or expand the span under the cursor; False when it has no children."""
        row = self.current
        if row is None or not row.has_children:
            return False
        self.collapsed ^= {row.index}
        self._relayout()
        return True

    def collapse_or_parent(self) -> None:
        """Collapse the span under the cursor, or, if it is collapsed or a leaf, go to its parent."""
        row = self.current
        if row is None:
            return
        if row.has_children and row.index not in self.collapsed:
            self.collapsed.add(row.index)
            self._relayout()
            return
        parent = self.waterfall.parent_of[row.index]
        position = None if parent is None else self.position_of(parent)
        if position is not None:
            self.cursor = position

    def expand(self) -> None:
        """Expand the span under the cursor."""
        row = self.current
        if row is not None and row.index in self.collapsed:
            self.collapsed.discard(row.index)
            self._relayout()

    def collapse_all(self) -> None:
        """Every span with children collapsed; the cursor goes to the top."""
        self.collapsed = {r.index for r in self.waterfall.rows if r.has_children}
        self.cursor = 0
        self._relayout()

    def expand_all(self) -> None:
        """Everything expanded; the cursor stays on its span."""
        row = self.current
        self.collapsed = set()
        self._relayout()
        if row is not None:
            self.cursor = self.position_of(row.index) or 0

    def reveal(self, index: int) -> None:
        """Expand whatever hides span ``index`` and put the cursor on it."""
        for ancestor in self.waterfall.ancestors(index):
            self.collapsed.discard(ancestor)
        self._relayout()
        position = self.position_of(index)
        if position is not None:
            self.cursor = position

    def next_matching(self, wanted: Callable[[int], bool]) -> int | None:
        """The next span after the cursor, in tree order and wrapping once, for which ``wanted``
        holds (hidden ones too: they are revealed). None when there is none."""
        order = [r.index for r in self.waterfall.rows]
        row = self.current
        start = 0
        if row is not None:
            start = next((p + 1 for p, index in enumerate(order) if index == row.index), 0)
        for index in order[start:] + order[:start]:
            if wanted(index):
                self.reveal(index)
                return index
        return None
