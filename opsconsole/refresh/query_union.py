"""Several instant queries asked in one request, with each answer exactly as if asked alone.

The panes ask a few dozen instant queries a refresh, all at one instant: the SLO pane about fifty
single numbers (each SLO's ratio parts over its window and burn windows), the RED and health panes
one vector per column, one series per row. ``label_replace(q0, L, "0", "", "") or
label_replace(q1, L, "1", "", "") or …`` returns every part's series marked with its index: the
engine evaluates each part as it would alone (``or`` keeps every series of both sides, and the
marks keep their label sets apart), so one request answers them all, and each part's series are
read back with the mark removed. The order of the series within a part may differ from a lone
answer's: what reads them does not depend on it (see :func:`opsconsole.refresh.pane_output.in_label_order`).

Where that would not be exact the part is asked alone instead: a single value whose answer has
more than one series (which of them is "last" could differ), and any union the server refuses (a
scalar or range-vector part is a type error in ``label_replace``; a sample limit counts the whole
union). A union's warnings and infos are the whole query's, not a part's: the parts carry none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from opsconsole.backends.prometheus_models import InstantSample, QueryResult

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


def unites_exactly(result: QueryResult, *, single: bool) -> bool:
    """Whether a part with this lone answer can be asked within a union: a vector, and of at most
    one series when a ``single`` value is read from it."""
    return result.result_type == "vector" and (not single or len(result.vector) <= 1)


def split_union(result: QueryResult, count: int) -> list[QueryResult] | None:
    """Each part's answer: its series, in the union's order, without the part's mark. None when
    the answer is not a union's (not a vector, or a series without a part's mark)."""
    if result.result_type != "vector":
        return None
    parts: list[list[InstantSample]] = [[] for _ in range(count)]
    for sample in result.vector:
        index = sample.metric.get(PART_LABEL, "")
        if not index.isdigit() or int(index) >= count:
            return None
        metric = {k: v for k, v in sample.metric.items() if k != PART_LABEL}
        parts[int(index)].append(sample.model_copy(update={"metric": metric}))
    return [QueryResult(result_type="vector", vector=series) for series in parts]
