"""Instant and range answers read as plain numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from opsconsole.backends.prometheus_models import QueryResult


def scalar(result: QueryResult) -> float | None:
    """The value of an instant answer: its scalar, else its last sample with a value (NaN is no
    data); None when it has neither."""
    value: float | None = None
    for sample in result.vector:
        if sample.value is not None and not math.isnan(sample.value):
            value = sample.value
    if result.scalar is not None:
        value = result.scalar[1]
    return value


def points(result: QueryResult, times: Sequence[float]) -> list[float | None]:
    """The first series of a range result at ``times`` (None where it has no point)."""
    series = result.matrix[0].values if result.matrix else []
    by_time = {round(t, 3): v for t, v in series if v is not None and v == v}
    return [by_time.get(round(t, 3)) for t in times]
