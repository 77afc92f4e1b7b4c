"""The parses a refresh repeats are remembered, and what a caller gets back is its own to change."""

from __future__ import annotations

from opsconsole.core.promql_text import canonical, vector_selectors
from opsconsole.packs.rate_window import ranged_selectors

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
