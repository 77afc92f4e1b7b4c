"""A Prometheus stand-in for the query batch's tests: answers instant queries from a function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsconsole.backends.prometheus_models import QueryResult


class FakePrometheus:
    """Answers instant queries from ``answer(promql)``; records every query text."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def query(self, promql: str, at: float) -> QueryResult:
        self.asked.append(promql)
        got = self.answer(promql)
        if isinstance(got, BaseException):
            raise got
        return got


def vector_at_one(*samples: tuple[Mapping[str, str], float]) -> QueryResult:
    """An instant answer, every sample at timestamp 1.0: one per (labels, value)."""
    return QueryResult.model_validate(
        {
            "result_type": "vector",
            "vector": [{"metric": dict(m), "timestamp": 1.0, "value": v} for m, v in samples],
        }
    )
