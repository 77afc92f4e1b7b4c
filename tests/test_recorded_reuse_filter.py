"""A query is parsed to find the recording rule that computes it only when it names a metric
those rules read: a snapshot parsed each of its queries for that (0.2 ms of CPU each), where no
rule records a pack's queries. The reuse itself is unchanged (tests/test_slo_discovery.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import promql_parser
import pytest

from opsconsole.backends.prometheus_models import QueryResult, Rule, RuleGroup
from opsconsole.core import promql_text
from opsconsole.refresh.query_batch import QueryBatch, recorded_expressions

RULES = [
    RuleGroup(
        name="slo",
        rules=[
            Rule(
                type="recording",
                name="job:errors:rate5m",
                query='sum by (job) (rate(errors_total{code="500"}[5m]))',
            ),
            Rule(type="recording", name="labelled", query="sum(rate(other_total[5m]))", labels={"team": "a"}),
            Rule(type="alerting", name="Down", query="up == 0"),
        ],
    )
]


class AnsweringPrometheus:
    """Every query answers an empty vector; keeps what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def query(self, promql: str, at: float) -> QueryResult:
        self.asked.append(promql)
        return QueryResult(result_type="vector", vector=[])


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text promql-parser parses from now on (the parse caches emptied first)."""
    seen: list[str] = []
    real = promql_parser.parse

    def counting(text: str) -> Any:
        seen.append(text)
        return real(text)

    promql_text.canonical.cache_clear()
    promql_text.parse_tree.cache_clear()
    monkeypatch.setattr(promql_text.promql_parser, "parse", counting)
    return seen


def test_the_recorded_expressions_know_the_metrics_they_read(parses: list[str]) -> None:
    recorded = recorded_expressions(RULES)
    assert list(recorded.values()) == ["job:errors:rate5m"]  # neither the labelled nor the alert
    assert recorded.metric_names == frozenset({"errors_total"})
    assert len(parses) == 1  # the rule's one parse gives its canonical text and its metric names


def test_a_query_naming_no_recorded_metric_is_not_parsed(parses: list[str]) -> None:
    recorded = recorded_expressions(RULES)
    prometheus = AnsweringPrometheus()
    pack_query = 'sum(rate(requests_total{job="api"}[5m]))'
    same_as_rule = 'sum(rate(errors_total{code="500"}[5m])) by (job)'  # another spelling

    async def ask() -> None:
        batch = QueryBatch(prometheus, recorded)  # type: ignore[arg-type]
        await asyncio.gather(batch.instant(pack_query, 1.0), batch.instant(same_as_rule, 1.0))
        assert batch.reused == {same_as_rule}

    parses.clear()
    asyncio.run(ask())
    assert parses == [same_as_rule]  # the pack query was never parsed
    assert any("job:errors:rate5m" in asked for asked in prometheus.asked)  # the rule was asked instead


def test_a_rule_naming_its_metric_otherwise_leaves_every_query_to_the_parse(parses: list[str]) -> None:
    groups = [RuleGroup(name="g", rules=[Rule(type="recording", name="r", query='{__name__=~"x.*"}')])]
    recorded = recorded_expressions(groups)
    assert recorded.metric_names is None

    async def ask() -> None:
        batch = QueryBatch(AnsweringPrometheus(), recorded)  # type: ignore[arg-type]
        await batch.instant("sum(rate(requests_total[5m]))", 1.0)

    parses.clear()
    asyncio.run(ask())
    assert parses == ["sum(rate(requests_total[5m]))"]
