"""The parses a refresh repeats are remembered, and what a caller gets back is its own to change."""

from __future__ import annotations

from typing import Any

import promql_parser
import pytest

from opsconsole.core.promql_text import canonical, vector_selectors
from opsconsole.packs.exported_labels import matched_labels
from opsconsole.packs.loader import _check_query
from opsconsole.packs.rate_window import ranged_selectors
from opsconsole.packs.render import PackQuery

QUERY = 'sum by (job) (rate(http_requests_total{job="api"}[5m])) / on () group_left up{job="api"}'


def test_a_caller_changing_the_answer_does_not_change_the_next_one() -> None:
    first = ranged_selectors(QUERY)
    assert first == [("http_requests_total", [("Equal", "api")])]
    assert first is not None
    first[0][1].append(("Re", "x"))
    first.append(("other", []))
    assert ranged_selectors(QUERY) == [("http_requests_total", [("Equal", "api")])]
    selectors = vector_selectors(QUERY)
    assert selectors == ['http_requests_total{job="api"}', 'up{job="api"}']
    selectors.clear()
    assert vector_selectors(QUERY) == ['http_requests_total{job="api"}', 'up{job="api"}']


def test_a_text_that_does_not_parse_is_answered_the_same_every_time() -> None:
    for _ in range(2):
        assert ranged_selectors("sum(") is None
        assert vector_selectors("sum(") == []
        assert canonical("sum(") is None
    assert canonical("sum(x) by (a)") == canonical("sum by (a) (x)")


def test_every_question_about_one_text_shares_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack check, the canonical text, the selectors, the ranges and the target labels of a
    query: one parse between them (a snapshot parsed its 65 texts 113 times)."""
    text = 'sum(rate(one_parse_total{namespace="a", job="b"}[5m])) by (job)'
    parsed: list[str] = []
    real = promql_parser.parse

    def counting(promql: str) -> Any:
        parsed.append(promql)
        return real(promql)

    monkeypatch.setattr(promql_parser, "parse", counting)
    query = PackQuery("q", ("queries", "q"), "promql", text)
    assert _check_query(query, {}) is None
    assert canonical(text) is not None
    assert vector_selectors(text) == ['one_parse_total{namespace="a", job="b"}']
    assert ranged_selectors(text) == [("one_parse_total", [("Equal", "b")])]
    assert matched_labels([text]) == {"namespace": {"one_parse_total"}, "job": {"one_parse_total"}}
    assert parsed == [text]
    assert "does not parse" in (_check_query(PackQuery("bad", ("b",), "promql", "sum("), {}) or "")
