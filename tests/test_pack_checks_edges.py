"""Small pack checks pinned exactly: LogQL line-filter regexes and non-ASCII selector values, the
renamed-label notice's words, and the scrape interval assumed when the server does not say."""

from __future__ import annotations

import pytest

from opsconsole.packs.exported_labels import notice, renamed_in_series
from opsconsole.packs.logql_check import LogqlError, check_logql
from opsconsole.packs.rate_window import PROMETHEUS_DEFAULT_INTERVAL, assumed


@pytest.mark.parametrize(
    "query",
    [
        '{app="a"} |~ "err(or)?"',
        '{app="a"} !~ `\\d+ ms`',
        '{app="a"} |~ "5\\\\d\\\\d"',
        '{app="a"} |~ ""',
        '{app="café"} |= "naïve"',
        '{app=~"(é)+"}',
        '{app=~"caf."}',
    ],
)
def test_good_line_filters_and_non_ascii_values_are_accepted(query: str) -> None:
    check_logql(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{app="a"} |~ "(?=x)"', "Loki's regexes (RE2) have no lookaround or backreferences"),
        ('{app="a"} |~ "(?!x)"', "Loki's regexes (RE2) have no lookaround or backreferences"),
        ('{app="a"} |~ "(?<=x)y"', "Loki's regexes (RE2) have no lookaround or backreferences"),
        ('{app="a"} !~ `(a)\\1`', "Loki's regexes (RE2) have no lookaround or backreferences"),
        ('{app="a"} |~ "(a)\\\\9"', "Loki's regexes (RE2) have no lookaround or backreferences"),
        ('{app="a"} |~ "a("', "bad regex 'a(': missing ), unterminated subpattern at position 1"),
        ('{app="a"} |~ `[z-a]`', "bad regex '[z-a]': bad character range z-a at position 1"),
        ('{app="a"} |~ "a\\q"', 'cannot read the string "a\\q"'),
        ('{app="a"} |~ `abc', "unterminated string starting at column 14"),
        ('{app="a"} |~ x', "line filter |~ needs a quoted string"),
        ('{app="a"} |~', "line filter |~ needs a quoted string"),
    ],
)
def test_bad_line_filter_regexes_say_why(query: str, message: str) -> None:
    with pytest.raises(LogqlError) as caught:
        check_logql(query)
    assert str(caught.value) == message


def test_a_long_bad_regex_is_quoted_in_part() -> None:
    pattern = "(" + "x" * 60
    with pytest.raises(LogqlError) as caught:
        check_logql(f'{{app="a"}} |~ "{pattern}"')
    assert str(caught.value).startswith(f"bad regex {pattern[:40]!r}: missing )")


def test_a_non_ascii_regex_that_matches_nothing_is_refused_as_the_only_matcher() -> None:
    # Read as "cafÃ©?" (the old unicode_escape decoding) it would never match the empty string.
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql('{app=~"é?"}')
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql('{app=~"(日本)*"}')


def test_escapes_in_selector_values_are_read_as_loki_reads_them() -> None:
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql('{app=~"\\u0041?"}')  # \u0041 is "A": "A?" matches the empty string
    check_logql('{app="\\u00e9"}')


def test_the_notice_names_up_to_three_metrics_the_source_and_the_fix() -> None:
    assert notice("pod", ["kube_pod_info"]) == (
        "kube_pod_info carry exported_pod, not pod: Prometheus renamed the exporter's pod label because"
        " the scrape job sets its own (kube-state-metrics (or another exporter describing other pods));"
        " set honor_labels: true on that job (honorLabels: true in a ServiceMonitor), or the pack's pod"
        " filters find nothing"
    )
    assert notice("job", ["d", "b", "a", "c"]).startswith(
        "a, b, c and 1 more carry exported_job, not job: Prometheus renamed the exporter's job label"
        " because the scrape job sets its own (an OpenTelemetry Collector's exporter or a federated"
        " Prometheus); "
    )
    assert notice("node", ["c", "a", "b"]).startswith("a, b, c carry exported_node, not node:")
    assert "(its exporter)" in notice("node", ["a"])


def test_renamed_series_are_those_with_a_non_empty_exported_label() -> None:
    series = [
        {"__name__": "kube_pod_info", "exported_pod": "web-1"},
        {"__name__": "up", "pod": "x"},
        {"__name__": "empty", "exported_pod": ""},
        {"exported_pod": "nameless"},
        {"__name__": "other", "exported_namespace": "ns"},
    ]
    assert renamed_in_series(series, "pod") == {"kube_pod_info", ""}
    assert renamed_in_series(series, "namespace") == {"other"}


def test_an_assumed_interval_is_prometheus_default_and_says_why() -> None:
    intervals = assumed("404: not found")
    assert (intervals.default, dict(intervals.jobs)) == (PROMETHEUS_DEFAULT_INTERVAL, {})
    assert PROMETHEUS_DEFAULT_INTERVAL == 60.0
    assert intervals.where == (
        "Prometheus' default, assumed: 404: not found; set --var scrape_interval=… if yours differs"
    )
    assert assumed("x", 15).default == 15
