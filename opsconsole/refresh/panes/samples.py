"""Range answers read as plain numbers (an instant answer's one number: query_union.lone_value)."""

from __future__ import annotations

from collections.abc import Sequence

from opsconsole.backends.prometheus_models import QueryResult


def points(result: QueryResult, times: Sequence[float]) -> list[float | None]:
    """The first series of a range result at ``times`` (None where it has no point)."""
    series = result.matrix[0].values if result.matrix else []
    by_time = {round(t, 3): v for t, v in series if v is not None and v == v}
    return [by_time.get(round(t, 3)) for t in times]
