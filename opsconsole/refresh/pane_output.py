"""What a pane's refresh produced besides its rows: which queries came back empty, and why rows
are not what the pack asked for. The panes, ``snapshot`` and ``packs doctor`` all read it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opsconsole.backends.prometheus_models import InstantSample, QueryResult
from opsconsole.core.dashboard import Cell, Level
from opsconsole.core.row_keys import worse
from opsconsole.core.value_format import format_judged, format_value
from opsconsole.packs.schema import Thresholds

Key = tuple[tuple[str, str], ...]


@dataclass
class PaneOutput:
    """Rows plus the honesty: queries asked, those that returned nothing, and notes."""

    rows: Any
    queries: int = 0
    empty: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: Any = None


def cell(value: float | None, unit: str, thresholds: Thresholds | None, query_id: str) -> Cell:
    """A value with its text and threshold level, the text read as the level says (2.96 under a crit
    of 3 is ``2.96 !``, not ``3 !``, which reads as crit: see :func:`format_judged`). Every surface
    shows this text: console, wallboard, snapshot text and ``--json``."""
    if thresholds is None:
        return Cell(value, format_value(value, unit), "none", query_id)
    text = format_judged(value, unit, thresholds.level)
    return Cell(value, text, level_of(value, thresholds), query_id)


def level_of(value: float | None, thresholds: Thresholds | None) -> Level:
    """The threshold level of a value (``none`` without thresholds)."""
    return thresholds.level(value) if thresholds else "none"


def high_is_bad(thresholds: Thresholds | None) -> bool:
    """Which of two values is the worse one for these thresholds (high, unless ``below``)."""
    return thresholds is None or thresholds.direction == "above"


def has_data(result: QueryResult) -> bool:
    """Whether an instant answer holds any real value (NaN is no data)."""
    if result.scalar is not None:
        return not math.isnan(result.scalar[1])
    return any(s.value is not None and not math.isnan(s.value) for s in result.vector)


def label_order(metric: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A series' place in :func:`in_label_order`: its labels, sorted."""
    return tuple(sorted(metric.items()))


def in_label_order(samples: Iterable[InstantSample]) -> list[InstantSample]:
    """Samples ordered by their labels, not by the answer's order: a server may list a vector's
    series in any order (a union read back part by part does), and the rows, the notes and which
    of two namesakes counts first must not change with it."""
    return sorted(samples, key=lambda s: label_order(s.metric))


def samples_by(
    result: QueryResult,
    key_of: Callable[[Mapping[str, str]], Any],
    *,
    high_bad: bool,
    query_id: str,
    notes: list[str],
    row_word: str = "row",
) -> dict[Any, float]:
    """``{key: value}``; two samples on one key keep the worse value and say so in ``notes``.

    Samples whose key is None (they name no row) are counted in ``notes`` too.
    """
    out: dict[Any, float] = {}
    shared: dict[Any, int] = {}
    unplaced = 0
    for sample in in_label_order(result.vector):
        value = sample.value
        if value is None or math.isnan(value):
            continue
        key = key_of(sample.metric)
        if key is None:
            unplaced += 1
            continue
        if key in out:
            shared[key] = shared.get(key, 1) + 1
            out[key] = worse(out[key], value, high_bad)
        else:
            out[key] = value
    if result.scalar is not None and not result.vector:
        key = key_of({})
        if key is not None and not math.isnan(result.scalar[1]):
            out[key] = result.scalar[1]
    for key, count in shared.items():
        name = getattr(key, "display", None) or " ".join(v for _, v in key) or "(no labels)"
        notes.append(f"{query_id}: {count} series share the {row_word} {name!r}; the worse value is shown")
    if unplaced:
        notes.append(f"{query_id}: {unplaced} series name no {row_word} (missing the pack's entity labels)")
    return out


def key_values(metric: Mapping[str, str], labels: Sequence[str]) -> Key:
    """The values of ``labels`` (missing ones as empty strings)."""
    return tuple((k, metric.get(k, "")) for k in labels)
