"""A trace as a waterfall: span tree order, depth, collapse, and the critical path.

Works on anything span-shaped (the Jaeger client's ``Span`` model in practice), so this module
stays free of I/O layers. The tree comes from :func:`~opsconsole.core.span_forest.plan_forest`,
which keeps every span of a broken trace (orphans, cycles, duplicate ids, missing start times)
and says what it repaired. Every walk is iterative and visits each span once: a 10,000-span
chain must neither hit Python's recursion limit nor loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from opsconsole.core.span_forest import SpanForest, SpanLike, SpanMark, plan_forest

__all__ = ["SpanLike", "Waterfall", "WaterfallRow", "build_waterfall"]


@dataclass(frozen=True)
class WaterfallRow:
    """One span in tree order: its depth, whether it has children, and if it is on the critical path."""

    index: int  # position in the input sequence
    depth: int
    has_children: bool
    critical: bool


@dataclass(frozen=True)
class Waterfall:
    """Rows in depth-first order (children by start time) and the trace's time span."""

    rows: tuple[WaterfallRow, ...]
    start_us: int
    duration_us: int
    parent_of: tuple[int | None, ...]  # input index -> parent's input index (no cycles)
    starts: tuple[int, ...] = ()  # input index -> start time as laid out (repaired)
    root: int | None = None  # the span the trace is named after
    marks: Mapping[int, tuple[SpanMark, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def visible(self, collapsed: Iterable[int] = ()) -> list[WaterfallRow]:
        """Rows not hidden under a collapsed span (the collapsed span itself stays)."""
        hidden_under = set(collapsed)
        out: list[WaterfallRow] = []
        skip_depth: int | None = None
        for row in self.rows:
            if skip_depth is not None:
                if row.depth > skip_depth:
                    continue
                skip_depth = None
            out.append(row)
            if row.index in hidden_under and row.has_children:
                skip_depth = row.depth
        return out

    def ancestors(self, index: int) -> list[int]:
        """Parents of ``index`` up to its root, nearest first (at most one per span)."""
        out: list[int] = []
        parent = self.parent_of[index]
        while parent is not None and len(out) < len(self.parent_of):
            out.append(parent)
            parent = self.parent_of[parent]
        return out


def build_waterfall(spans: Sequence[SpanLike], forest: SpanForest | None = None) -> Waterfall:
    """Tree order, depths and the critical path of ``spans`` (``forest``: already planned).

    Spans whose parent is not in the trace are roots. The critical path follows Jaeger's rule from
    the trace's root: from a span's end, repeatedly take the child that finishes last before the
    cursor, walk it, and move the cursor to that child's start; the time in between is the
    parent's own.
    """
    forest = forest if forest is not None else plan_forest(spans)
    children = forest.children
    critical = _critical_path(forest)
    rows: list[WaterfallRow] = []
    stack = [(root, 0) for root in reversed(forest.roots)]
    while stack:
        index, depth = stack.pop()
        rows.append(WaterfallRow(index, depth, bool(children[index]), index in critical))
        stack.extend((child, depth + 1) for child in reversed(children[index]))
    return Waterfall(
        rows=tuple(rows),
        start_us=forest.start_us,
        duration_us=forest.duration_us,
        parent_of=forest.parent_of,
        starts=forest.starts,
        root=forest.root,
        marks=forest.marks,
        warnings=forest.warnings,
    )


def _critical_path(forest: SpanForest) -> set[int]:
    on_path: set[int] = set()
    if forest.root is None:
        return on_path
    starts, ends = forest.starts, forest.ends
    work = [(forest.root, ends[forest.root])]
    while work:
        index, cursor = work.pop()
        if index in on_path:
            continue
        on_path.add(index)
        span_start = starts[index]
        # Latest-ending first: the first child starting before the cursor finishes last of those
        # left, and as the cursor only moves back, a child skipped once never qualifies later.
        for child in sorted(forest.children[index], key=lambda c: (-ends[c], c)):
            if starts[child] >= cursor:
                continue
            work.append((child, min(ends[child], cursor)))
            cursor = starts[child]
            if cursor <= span_start:
                break
    return on_path
