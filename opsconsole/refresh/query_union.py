"""Several single-value instant queries asked in one request, with each answer exactly as if asked alone.

The SLO pane reads about fifty instant queries a refresh (each SLO's ratio parts over its window and
burn windows), each one number. Asked at the same instant, ``label_replace(q0, L, "0", "", "") or
label_replace(q1, L, "1", "", "") or …`` returns every part's series marked with its index: the
engine evaluates each part as it would alone (``or`` keeps every series of both sides, and the
marks keep their label sets apart), so one request answers them all.

Where that would not be exact the part is asked alone instead: a part whose answer has more than
one series (which of them is "last" could differ), and any union the server refuses (a scalar or
range-vector part is a type error in ``label_replace``; a sample limit counts the whole union).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from opsconsole.backends.prometheus_models import QueryResult

PART_LABEL = "opsconsole_union_part"


def union_text(parts: Sequence[str]) -> str:
    """One query answering every part, each series marked with its part's index. Each part sits
    on lines of its own, so a ``#`` comment in a part cannot swallow the closing parenthesis."""
    marked = [f'label_replace(\n{text}\n, "{PART_LABEL}", "{i}", "", "")' for i, text in enumerate(parts)]
    return "\nor\n".join(marked)


def lone_value(result: QueryResult) -> float | None:
    """The value of an instant answer: its scalar, else its last sample with a value (NaN is no
    data); None when it has neither."""
    value: float | None = None
    for sample in result.vector:
        if sample.value is not None and not math.isnan(sample.value):
            value = sample.value
    if result.scalar is not None:
        value = result.scalar[1]
    return value


def unites_exactly(result: QueryResult) -> bool:
    """Whether a part with this lone answer can be asked within a union: a vector of at most one series."""
    return result.result_type == "vector" and len(result.vector) <= 1


def split_union(result: QueryResult, count: int) -> tuple[list[float | None], set[int]] | None:
    """Each part's value read the way a lone answer is read (see
    :func:`opsconsole.refresh.panes.samples.scalar`: None for no series or no value), and the
    parts with more than one series, which the union cannot answer exactly. None when the answer
    is not a union's (not a vector, or a series without a part's mark)."""
    if result.result_type != "vector":
        return None
    values: list[float | None] = [None] * count
    seen = [0] * count
    for sample in result.vector:
        index = sample.metric.get(PART_LABEL, "")
        if not index.isdigit() or int(index) >= count:
            return None
        i = int(index)
        seen[i] += 1
        values[i] = sample.value if sample.value is not None and not math.isnan(sample.value) else None
    return values, {i for i, n in enumerate(seen) if n > 1}
