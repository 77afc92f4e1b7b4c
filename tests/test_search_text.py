"""What users type: the log pane's LogQL line filter and the trace search line."""

from __future__ import annotations

import pytest

from opsconsole.core.search_text import TraceQuery, line_filter_stage, parse_trace_query
from opsconsole.packs.logql_check import LogqlError, check_logql


@pytest.mark.parametrize(
    ("typed", "stage"),
    [
        ("", ""),
        ("  timed out ", '|= "timed out"'),
        ('say "hi"', '|= "say \\"hi\\""'),
        ('|= "x"', '|= "x"'),
        ('!~ "debug|trace"', '!~ "debug|trace"'),
        ('| json | level="error"', '| json | level="error"'),
    ],
)
def test_line_filter_words_become_a_contains_filter_and_stages_pass_through(typed: str, stage: str) -> None:
    assert line_filter_stage(typed) == stage


def test_trace_search_line_round_trips() -> None:
    query = parse_trace_query("service=npa op='create plan' min=250ms errors since=6h")
    assert query == TraceQuery("npa", "create plan", "250ms", True, 6 * 3600.0)
    assert parse_trace_query(query.text()) == query


def test_defaults_and_default_service() -> None:
    assert parse_trace_query("", default_service="wpa") == TraceQuery("wpa")
    assert TraceQuery("wpa").text() == "service=wpa since=1h"
    assert parse_trace_query("svc=bma since=90m").lookback_seconds == 5400
    assert parse_trace_query("service=x min=500µs").min_duration == "500us"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("op=x", "which service"),
        ("service=a min=fast", "min=fast: expected a duration"),
        ("service=a since=yesterday", "since=yesterday: expected"),
        ("service=a colour=red", "colour=: expected"),
        ("service=a slow", "'slow': expected"),
        ("service='unclosed", "cannot read the search"),
    ],
)
def test_bad_search_lines_say_what_is_wrong(typed: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_trace_query(typed)


@pytest.mark.parametrize(
    ("stage", "error"),
    [
        ('|~ "(unclosed"', "bad regex"),
        ('!~ "a(?=b)"', "no lookaround"),
        ('|~ "(a)\\\\1"', "backreferences"),
        ("|~ `open", "unterminated string"),
    ],
)
def test_regex_line_filters_are_checked_before_loki_sees_them(stage: str, error: str) -> None:
    with pytest.raises(LogqlError, match=error):
        check_logql(f'{{app="npa"}} {stage}')


def test_good_regex_filters_pass() -> None:
    check_logql('{app="npa"} |~ "time(d)? ?out" !~ `health[sz]`')
