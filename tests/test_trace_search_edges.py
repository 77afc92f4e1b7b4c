"""The trace search line and the trace warnings' ids, at their edges: every spelling of each key,
the lookback written back, and how many span ids a warning quotes (written when mutation testing
found these unpinned)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opsconsole.core.search_text import TraceQuery, parse_trace_query
from opsconsole.core.span_forest import plan_forest, short_id


@pytest.mark.parametrize(
    "text",
    [
        "service=api op=GET min=200ms error since=2d",
        "svc=api operation=GET minDuration=200ms err lookback=2d",
        "service=api op=GET min=200ms errors since=48h",
    ],
)
def test_every_spelling_of_each_key_means_the_same(text: str) -> None:
    assert parse_trace_query(text) == TraceQuery("api", "GET", "200ms", True, 2 * 86400.0)


def test_a_value_may_hold_an_equals_sign() -> None:
    assert parse_trace_query("service=api op=a=b").operation == "a=b"


@pytest.mark.parametrize(
    ("seconds", "since"),
    [(86400, "1d"), (2 * 86400, "2d"), (3600, "1h"), (90 * 60, "90m"), (36 * 3600, "36h"), (61, "1m")],
)
def test_the_lookback_is_written_back_in_its_largest_whole_unit(seconds: float, since: str) -> None:
    assert TraceQuery("api", lookback_seconds=seconds).text() == f"service=api since={since}"


def test_a_query_reads_back_as_itself() -> None:
    query = TraceQuery("api gw", "GET /x", "1.5s", True, 7200.0)
    assert query.text() == "service='api gw' op='GET /x' min=1.5s errors since=2h"
    assert parse_trace_query(query.text()) == query


@pytest.mark.parametrize(
    ("span_id", "shown"),
    [
        ("", "(no id)"),
        ("a1b2c3d4e5f60718", "a1b2c3d4e5f60718"),  # 16 hex: whole
        ("a1b2c3d4e5f607189", "a1b2c3d4e5f607189"),  # 17: cutting would not make it shorter
        ("a1b2c3d4e5f6071899", "a1b2c3d4e5f60718…"),
    ],
)
def test_span_ids_in_warnings(span_id: str, shown: str) -> None:
    assert short_id(span_id) == shown


@dataclass(frozen=True)
class _Span:
    span_id: str
    parent_id: str | None
    start_us: int = 1
    duration_us: int = 1


@pytest.mark.parametrize(
    ("orphans", "quoted"),
    [
        (["a", "b", "c"], "a, b, c, shown as roots"),
        (["a", "b", "c", "d", "e"], "a, b, c and 2 more, shown as roots"),
    ],
)
def test_a_warning_quotes_three_ids_and_counts_the_rest(orphans: list[str], quoted: str) -> None:
    forest = plan_forest([_Span(span, "missing") for span in orphans])
    (warning,) = forest.warnings
    assert warning.endswith(f"spans dropped or not yet stored): {quoted}")
