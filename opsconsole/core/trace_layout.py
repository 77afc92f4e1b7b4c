"""A trace as a waterfall: span tree order, depth, collapse, and the critical path.

Works on anything span-shaped (the Jaeger client's ``Span`` model in practice), so this module
stays free of I/O layers. Every walk is iterative: a 5,000-span chain must not hit Python's
recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class SpanLike(Protocol):
    """What the layout needs of a span."""

    @property
    def span_id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def start_us(self) -> int: ...
    @property
    def duration_us(self) -> int: ...


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
    parent_of: tuple[int | None, ...]  # input index -> parent's input index

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


def _end(span: SpanLike) -> int:
    return span.start_us + span.duration_us


def build_waterfall(spans: Sequence[SpanLike]) -> Waterfall:
    """Tree order, depths and the critical path of ``spans``.

    Spans whose parent is not in the trace are roots. The critical path follows Jaeger's rule: from
    a span's end, repeatedly take the child that finishes last before the cursor, walk it, and move
    the cursor to that child's start; the time in between is the parent's own.
    """
    by_id = {s.span_id: i for i, s in enumerate(spans)}
    parent_of: list[int | None] = []
    for index, span in enumerate(spans):
        parent = by_id.get(span.parent_id) if span.parent_id else None
        parent_of.append(parent if parent != index else None)
    children: list[list[int]] = [[] for _ in spans]
    roots: list[int] = []
    for index, parent in enumerate(parent_of):
        (children[parent] if parent is not None else roots).append(index)
    for kids in children:
        kids.sort(key=lambda i: (spans[i].start_us, i))
    roots.sort(key=lambda i: (spans[i].start_us, i))

    critical = _critical_path(spans, children, roots)
    rows: list[WaterfallRow] = []
    seen: set[int] = set()
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        index, depth = stack.pop()
        if index in seen:
            continue
        seen.add(index)
        rows.append(WaterfallRow(index, depth, bool(children[index]), index in critical))
        stack.extend((child, depth + 1) for child in reversed(children[index]))
    # Spans caught in a parent cycle (bad data) have no root above them: show them at the top level.
    for index in range(len(spans)):
        if index not in seen:
            seen.add(index)
            rows.append(WaterfallRow(index, 0, bool(children[index]), index in critical))
    start = min((s.start_us for s in spans), default=0)
    end = max((_end(s) for s in spans), default=0)
    return Waterfall(tuple(rows), start, end - start, tuple(parent_of))


def _critical_path(spans: Sequence[SpanLike], children: list[list[int]], roots: list[int]) -> set[int]:
    on_path: set[int] = set()
    if not roots:
        return on_path
    first = max(roots, key=lambda i: (_end(spans[i]), -i))
    work = [(first, _end(spans[first]))]
    while work:
        index, cursor = work.pop()
        if index in on_path:
            continue
        on_path.add(index)
        span_start = spans[index].start_us
        # Latest-ending first: the first child starting before the cursor finishes last of those
        # left, and as the cursor only moves back, a child skipped once never qualifies later.
        for child in sorted(children[index], key=lambda c: (-_end(spans[c]), c)):
            if spans[child].start_us >= cursor:
                continue
            work.append((child, min(_end(spans[child]), cursor)))
            cursor = spans[child].start_us
            if cursor <= span_start:
                break
    return on_path
