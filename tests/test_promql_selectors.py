"""PromQL taken apart: the selectors of an expression, their matchers and ranges, and matching a
label value the way Prometheus does (pure; the SLO discovery suites reach it through servers)."""

from __future__ import annotations

import pytest

from opsconsole.core.promql_text import (
    SelectorMatcher,
    SelectorParts,
    canonical,
    selector_parts,
    vector_selectors,
)


def test_a_text_that_does_not_parse_has_no_canonical_form_and_no_selectors() -> None:
    assert canonical("rate(x[5m]") is None
    assert vector_selectors("rate(x[5m]") == []
    assert selector_parts("sum(") == []
    assert canonical("sum (up)\n") == canonical("sum(up)") is not None


def test_every_selector_once_in_order_without_ranges_or_offsets() -> None:
    text = (
        'sum(rate(errors{job="api"}[5m] offset 1h)) / sum(rate(requests{job="api"}[5m])) + errors{job="api"}'
    )
    assert vector_selectors(text) == ['errors{job="api"}', 'requests{job="api"}']
    assert vector_selectors('{__name__="up", job="x"}') == ['{__name__="up", job="x"}']


def test_selector_parts_keep_the_range_and_each_matcher() -> None:
    text = 'rate(http_requests_total{code=~"5..", job!="test"}[30m]) / on() group_left up'
    first, second = selector_parts(text)
    assert first == SelectorParts(
        "http_requests_total",
        (SelectorMatcher("code", "=~", "5.."), SelectorMatcher("job", "!=", "test")),
        1800.0,
    )
    assert second == SelectorParts("up", (), None)


def test_a_selector_without_matchers_is_written_without_braces() -> None:
    # The doctor said "opsconsole_test_requests_total{} has fewer than two samples".
    [bare] = selector_parts("rate(http_requests_total[5m])")
    assert bare.text() == "http_requests_total"
    [named] = selector_parts('rate(http_requests_total{job="api"}[5m])')
    assert named.text(()) == "http_requests_total"
    assert named.text() == 'http_requests_total{job="api"}'
    [nameless] = selector_parts('{__name__=~"a|b"}')
    assert nameless.text(()) == "{}" and nameless.text() == '{__name__=~"a|b"}'


def test_a_ranged_selector_and_the_same_one_bare_are_one_entry() -> None:
    (only,) = selector_parts('rate(x{a="1"}[5m]) > 0 and x{a="1"}')
    assert only.range_seconds == 300.0
    assert [p.range_seconds for p in selector_parts('x{a="1"} + x{a="2"}')] == [None, None]


def test_regex_not_matchers_and_nameless_selectors() -> None:
    (parts,) = selector_parts('{__name__="up", job!~"tmp.*"}')
    assert parts.name is None
    assert parts.metric_names == ("up",)
    assert parts.label_matchers == (SelectorMatcher("job", "!~", "tmp.*"),)
    assert parts.text() == '{__name__="up", job!~"tmp.*"}'
    assert parts.text(()) == "{}"
    (open_ended,) = selector_parts('{job="x"}')
    assert open_ended.metric_names is None
    assert SelectorParts("up", ()).metric_names == ("up",)


@pytest.mark.parametrize(
    ("matcher", "value", "matches"),
    [
        (SelectorMatcher("a", "=", "x.y"), "x.y", True),
        (SelectorMatcher("a", "=", "x.y"), "xzy", False),
        (SelectorMatcher("a", "!=", "x.y"), "xzy", True),  # text, not a pattern
        (SelectorMatcher("a", "!=", "x"), "x", False),
        (SelectorMatcher("a", "=~", "x|y"), "y", True),
        (SelectorMatcher("a", "=~", "x"), "xx", False),  # anchored
        (SelectorMatcher("a", "!~", "x.*"), "yx", True),
        (SelectorMatcher("a", "!~", "x.*"), "xy", False),
        (SelectorMatcher("a", "=~", ".*"), "", True),  # an absent label is the empty string
        # Go's regexp, as Prometheus compiles it: Python's re raised on \pL and accepts lookahead.
        (SelectorMatcher("a", "=~", r"\pL+"), "npa", True),
        (SelectorMatcher("a", "=~", r"\pL+"), "npa-2", False),
        (SelectorMatcher("a", "=~", "a(?=b)"), "a", False),  # refused by Prometheus: nothing matches
        (SelectorMatcher("a", "!~", "a(?=b)"), "a", False),
        (SelectorMatcher("a", "=~", "x.y"), "x\ny", True),  # Prometheus 3: "." matches a newline
        (SelectorMatcher("a", "=~", "x|y"), "xy", False),  # the alternation is anchored as a whole
    ],
)
def test_matching_a_label_value(matcher: SelectorMatcher, value: str, matches: bool) -> None:
    assert matcher.matches(value) is matches


def test_a_matcher_prints_with_its_quotes_escaped() -> None:
    assert str(SelectorMatcher("path", "=", 'C:\\x "y"')) == 'path="C:\\\\x \\"y\\""'
