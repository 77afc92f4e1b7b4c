"""A trace's spans as a forest, whatever the data says: one parent per span, no cycles, usable times.

Real traces are often broken: a span whose parent never arrived (an orphan), a span that names
itself as parent, two spans that name each other (a cycle), one span id used twice, a span
without a start time (or with 0, the epoch, which no real span has). Jaeger UI keeps every such
span and repairs what it can; so does this module, and it says what it did:

- every input span appears exactly once in the forest;
- a span whose parent is not in the trace is a root, marked ``orphan``;
- a self-parent is a root, marked ``self_parent``; a cycle loses one edge (into the span that
  starts first), which becomes a root marked ``cycle``;
- a repeated span id is kept; children attach to the first span with that id; the others are
  marked ``duplicate_id``;
- a span without a usable start is placed at its parent's (already repaired) start; a root
  without one at the earliest usable start below it, else the trace's; marked ``no_start``.

The trace is named after its *true* root: a span that claims no parent at all, else the earliest
span made a root by breaking a cycle or a self-reference, else the earliest orphan.

Every walk is iterative and visits each span once, so 10,000-span traces and 10,000-long
chains cost the same as a sort.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

MarkKind = Literal["orphan", "self_parent", "cycle", "duplicate_id", "no_start"]
EXAMPLES = 3  # ids quoted in a trace-level warning before "…"
WARNING_ORDER: tuple[MarkKind, ...] = ("cycle", "self_parent", "orphan", "no_start", "duplicate_id")


class SpanLike(Protocol):
    """What the forest needs of a span (the Jaeger client's ``Span`` in practice)."""

    @property
    def span_id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def start_us(self) -> int: ...
    @property
    def duration_us(self) -> int: ...


@dataclass(frozen=True)
class SpanMark:
    """Something wrong with one span, and what was done about it (plain words for the screen)."""

    kind: MarkKind
    text: str


@dataclass(frozen=True)
class SpanForest:
    """The repaired structure of a trace, by input index."""

    parent_of: tuple[int | None, ...]
    children: tuple[tuple[int, ...], ...]  # by repaired start, then input order
    roots: tuple[int, ...]  # by repaired start, then input order
    root: int | None  # the span the trace is named after
    starts: tuple[int, ...]  # repaired start times (µs)
    ends: tuple[int, ...]  # repaired start + max(0, duration)
    marks: Mapping[int, tuple[SpanMark, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def start_us(self) -> int:
        """The earliest (repaired) start."""
        return min(self.starts, default=0)

    @property
    def duration_us(self) -> int:
        """From the earliest start to the latest end."""
        return max(self.ends, default=0) - self.start_us


def short_id(span_id: str) -> str:
    """An id for a warning: span ids whole (16 hex), anything longer cut, none said so."""
    return (span_id[:16] + "…" if len(span_id) > 17 else span_id) or "(no id)"


def _quoted(ids: Sequence[str]) -> str:
    shown = ", ".join(short_id(i) for i in ids[:EXAMPLES])
    return shown + (f" and {len(ids) - EXAMPLES} more" if len(ids) > EXAMPLES else "")


def _usable(start: int) -> bool:
    return start > 0


def plan_forest(spans: Sequence[SpanLike]) -> SpanForest:
    """The forest of ``spans``: parents resolved, cycles broken, times repaired, all of it noted."""
    count = len(spans)
    marks: dict[int, list[SpanMark]] = {}
    # Said in order of how much they change the picture: cycles, self-parents, orphans, missing
    # start times, repeated ids.
    said: dict[MarkKind, list[str]] = {kind: [] for kind in WARNING_ORDER}

    def mark(index: int, kind: MarkKind, text: str) -> None:
        marks.setdefault(index, []).append(SpanMark(kind, text))

    # Ids: the first span with an id owns it.
    first_with: dict[str, int] = {}
    repeated: dict[str, None] = {}  # the ids used more than once, in the order met
    for index, span in enumerate(spans):
        owner = first_with.setdefault(span.span_id, index)
        if owner != index:
            repeated[span.span_id] = None
            mark(index, "duplicate_id", f"span id {span.span_id} is also used by another span in this trace")
    if repeated:
        ids = list(repeated)
        said["duplicate_id"].append(
            f"{len(ids)} span id(s) used by more than one span ({_quoted(ids)}): all are shown; "
            "children attach to the first"
        )

    # Parents as claimed, by index.
    parent: list[int | None] = [None] * count
    orphans: list[str] = []
    self_parents: list[str] = []
    for index, span in enumerate(spans):
        if not span.parent_id:
            continue
        resolved = first_with.get(span.parent_id)
        if resolved is None:
            orphans.append(span.span_id)
            mark(index, "orphan", f"its parent {span.parent_id} is not in this trace: shown as a root")
        elif resolved == index:
            self_parents.append(span.span_id)
            mark(index, "self_parent", "names itself as its parent: shown as a root")
        else:
            parent[index] = resolved
    if orphans:
        said["orphan"].append(
            f"{len(orphans)} span(s) whose parent is not in this trace (an incomplete trace: "
            f"spans dropped or not yet stored): {_quoted(orphans)}, shown as roots"
        )
    if self_parents:
        said["self_parent"].append(
            f"{len(self_parents)} span(s) name themselves as parent: {_quoted(self_parents)}"
        )

    # Cycles: each span has at most one parent, so walking up from any span either ends at a root
    # or comes back to a span of the current walk. Each span is walked once.
    state = [0] * count  # 0 not seen, 1 on the current walk, 2 done
    cycle_roots: list[int] = []
    for begin in range(count):
        if state[begin]:
            continue
        walk: list[int] = []
        position: dict[int, int] = {}
        at: int | None = begin
        while at is not None and state[at] == 0:
            state[at] = 1
            position[at] = len(walk)
            walk.append(at)
            at = parent[at]
        if at is not None and state[at] == 1:
            cycle = walk[position[at] :]
            # Break the edge into the span that starts first: parents start before their children.
            breaker = min(cycle, key=lambda i: (not _usable(spans[i].start_us), spans[i].start_us, i))
            # Name the cycle in parent order starting at the breaker: breaker → its parent → … → breaker.
            order = [breaker]
            step = parent[breaker]
            while step is not None and step != breaker and len(order) <= len(cycle):
                order.append(step)
                step = parent[step]
            names = " → ".join(short_id(spans[i].span_id) for i in [*order, breaker][: EXAMPLES + 2])
            suffix = " → …" if len(order) > EXAMPLES + 1 else ""
            parent[breaker] = None
            cycle_roots.append(breaker)
            mark(
                breaker,
                "cycle",
                f"its parent {spans[order[1]].span_id} is also its descendant (a parent cycle): "
                "that edge is ignored and it is shown as a root",
            )
            said["cycle"].append(
                f"parent cycle of {len(cycle)} spans ({names}{suffix}) broken at "
                f"{short_id(spans[breaker].span_id)}, which is shown as a root"
            )
        for index in walk:
            state[index] = 2

    children: list[list[int]] = [[] for _ in range(count)]
    roots: list[int] = []
    for index, up in enumerate(parent):
        (children[up] if up is not None else roots).append(index)

    starts, no_start = _repair_starts(spans, parent, children, roots)
    for index in no_start:
        mark(
            index,
            "no_start",
            "no usable start time (missing or 0): placed at its parent's start"
            if parent[index] is not None
            else "no usable start time (missing or 0): placed at the earliest start below it",
        )
    if no_start:
        said["no_start"].append(
            f"{len(no_start)} span(s) without a usable start time (missing or 0) placed at their "
            "parent's start; their offsets are estimates"
        )

    for kids in children:
        kids.sort(key=lambda i: (starts[i], i))
    roots.sort(key=lambda i: (starts[i], i))
    ends = tuple(starts[i] + max(0, spans[i].duration_us) for i in range(count))
    return SpanForest(
        parent_of=tuple(parent),
        children=tuple(tuple(k) for k in children),
        roots=tuple(roots),
        root=_true_root(spans, roots, starts, set(cycle_roots)),
        starts=tuple(starts),
        ends=ends,
        marks={i: tuple(m) for i, m in marks.items()},
        warnings=tuple(text for kind in WARNING_ORDER for text in said[kind]),
    )


def _repair_starts(
    spans: Sequence[SpanLike], parent: list[int | None], children: list[list[int]], roots: list[int]
) -> tuple[list[int], list[int]]:
    """Start times with unusable ones filled top-down; and which spans were filled."""
    starts = [s.start_us for s in spans]
    broken = [i for i, s in enumerate(spans) if not _usable(s.start_us)]
    if not broken:
        return starts, []
    usable = [s for s in starts if _usable(s)]
    fallback = min(usable, default=0)
    # Each root's earliest usable start below it, found bottom-up over a top-down order.
    order: list[int] = []
    stack = list(roots)
    while stack:
        index = stack.pop()
        order.append(index)
        stack.extend(children[index])
    earliest: list[int | None] = [s if _usable(s) else None for s in starts]
    for index in reversed(order):
        up = parent[index]
        mine = earliest[index]
        if up is not None and mine is not None:
            theirs = earliest[up]
            earliest[up] = mine if theirs is None else min(theirs, mine)
    for index in order:  # parents before children
        if _usable(spans[index].start_us):
            continue
        up = parent[index]
        if up is not None:
            starts[index] = starts[up]
        else:
            below = earliest[index]
            starts[index] = below if below is not None else fallback
    return starts, broken


def _true_root(
    spans: Sequence[SpanLike], roots: Sequence[int], starts: Sequence[int], cycle_roots: set[int]
) -> int | None:
    """The root the trace is named after: a span that claims no parent, else one that was made a
    root by breaking a cycle or a self-reference, else an orphan; the earliest of the best kind."""

    def rank(index: int) -> tuple[int, int, int]:
        span = spans[index]
        if not span.parent_id:
            kind = 0
        elif span.parent_id == span.span_id or index in cycle_roots:
            kind = 1
        else:
            kind = 2
        return kind, starts[index], index

    return min(roots, key=rank, default=None)
