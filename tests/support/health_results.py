"""Prometheus answers built by hand on one fixed grid, and the health pane's rows computed from them.

Shared by the tests of what the health pane shows (``test_no_silent_panes``) and of when its states
began (``test_health_since_levels``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.packs.schema import HealthSection
from opsconsole.refresh.health_rows import health_rows

NOW = 1_795_320_000.0
STEP = 15.0
GRID = [NOW - 900 + i * STEP for i in range(61)]


def vector(*samples: tuple[Mapping[str, str], float]) -> QueryResult:
    """An instant answer at ``NOW``: one sample per (labels, value)."""
    return QueryResult.model_validate(
        {"result_type": "vector", "vector": [{"metric": dict(m), "value": [NOW, str(v)]} for m, v in samples]}
    )


def matrix(*series: tuple[Mapping[str, str], Sequence[tuple[float, float]]]) -> QueryResult:
    """A range answer: one series per (labels, points)."""
    return QueryResult.model_validate(
        {
            "result_type": "matrix",
            "matrix": [
                {"metric": dict(m), "values": [[t, str(v)] for t, v in points]} for m, points in series
            ],
        }
    )


HEALTH = HealthSection.model_validate(
    {
        "entity": {
            "type_label": ["agent_type", "job"],
            "instance_label": ["kubernetes_pod_name", "instance"],
        },
        "up": "up",
        "health": {"query": "health", "thresholds": {"warn": 0.99, "crit": 0.5, "direction": "below"}},
        "signals": {"memory": {"query": "mem", "thresholds": {"warn": 800, "crit": 1000}}},
    }
)


def health_pane_rows(instant: dict[str, QueryResult], ranged: dict[str, QueryResult] | None = None) -> Any:
    """The health pane's rows from instant answers and (by default empty) ranges over ``GRID``."""
    ranged = ranged or {qid: matrix() for qid in instant}
    return health_rows(HEALTH, instant, ranged, GRID)
