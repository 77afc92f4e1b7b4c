"""Small pack checks pinned exactly: the renamed-label notice's words, the scrape intervals read from
the server's config (or assumed when it does not say) and the rate window they give, and a missing
variable's message."""

from __future__ import annotations

import pytest

from opsconsole.packs.exported_labels import matched_labels, notice, probe_queries, renamed_in_series
from opsconsole.packs.rate_window import (
    PROMETHEUS_DEFAULT_INTERVAL,
    ConfigUnreadable,
    ScrapeIntervals,
    assumed,
    choose_window,
    fixed_window,
    overridden,
    parse_scrape_config,
    ranged_metrics,
)


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


CONFIG = """\
global:
  scrape_interval: 15s
scrape_configs:
- job_name: kube-state-metrics
  scrape_interval: 1m
- job_name: node-exporter
- job_name: blackbox
  scrape_interval: 2m
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("global: [", "not YAML: while parsing a flow node"),
        ("- a\n", "not a mapping"),
        ("global: [1]\n", "global: not a mapping"),
        ("global:\n  scrape_interval: soon\n", "global.scrape_interval: not a duration: 'soon'"),
        ("scrape_configs: {a: 1}\n", "scrape_configs: not a list"),
        ("scrape_configs:\n- scrape_interval: 1m\n", "scrape_configs[0]: no job_name"),
        ("scrape_configs:\n- job_name: a\n- 5\n", "scrape_configs[1]: no job_name"),
        ("scrape_configs:\n- job_name: web\n  scrape_interval: x\n", "web: not a duration: 'x'"),
    ],
)
def test_an_unreadable_scrape_config_says_exactly_why(text: str, message: str) -> None:
    with pytest.raises(ConfigUnreadable) as caught:
        parse_scrape_config(text)
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)  # one line, for the drill-down


@pytest.mark.parametrize("text", ["", "global:\n", "global: null\nscrape_configs: null\n", "{}"])
def test_an_empty_config_means_prometheus_default_and_no_jobs(text: str) -> None:
    intervals = parse_scrape_config(text)
    assert (intervals.default, dict(intervals.jobs)) == (60.0, {})
    assert intervals.where == "from /api/v1/status/config"


def test_jobs_without_their_own_interval_take_the_global_one() -> None:
    intervals = parse_scrape_config(CONFIG)
    assert intervals.default == 15
    assert dict(intervals.jobs) == {"kube-state-metrics": 60, "node-exporter": 15, "blackbox": 120}


@pytest.mark.parametrize(
    ("query", "window", "because"),
    [
        ('rate(x{job!="blackbox"}[1m])', "4m", "of job kube-state-metrics"),
        ('rate(x{job!="kube-state-metrics", job!="blackbox"}[1m])', "1m", "of job node-exporter"),
        ('rate(x{job!~"kube.*|black.*"}[1m])', "1m", "of job node-exporter"),
        ('rate(x{job=~"node.*"}[1m])', "1m", "of job node-exporter"),
        ('rate(x{job=~"nothing"}[1m])', "8m", "the largest scrape interval on the server"),
    ],
)
def test_job_matchers_of_every_kind_pick_the_jobs_they_select(query: str, window: str, because: str) -> None:
    chosen = choose_window(query, parse_scrape_config(CONFIG), 5)
    assert (chosen.text, because in chosen.reason) == (window, True), chosen.reason


def test_a_job_regex_python_cannot_read_does_not_narrow_the_jobs() -> None:
    # RE2 accepts \z; Python's re does not: every job is kept rather than none.
    chosen = choose_window('rate(x{job=~"node-exporter\\\\z|blackbox"}[1m])', parse_scrape_config(CONFIG), 5)
    assert chosen.text == "8m"
    assert "of job blackbox" in chosen.reason


def test_ranged_metrics_are_named_selectors_read_over_a_range() -> None:
    assert ranged_metrics('rate(a[5m]) + b + max_over_time(c{job="x"}[1m:]) + rate({__name__="d"}[1m])') == {
        "a",
        "c",
    }
    assert ranged_metrics("rate(a[5m]") == set()


def test_a_window_set_by_hand_keeps_its_text_and_reason() -> None:
    window = fixed_window("2m")
    assert (window.text, window.seconds, window.scrape_interval) == ("2m", 120, 30)
    assert window.describe() == "$rate_window = 2m: set by the rate_window variable"
    chosen = choose_window("rate(x[1m])", overridden(20), 5)
    assert chosen.text == "1m20s"
    assert chosen.reason == "4 × 20s, the scrape interval (set by the scrape_interval variable)"


def test_one_missing_variable_is_named_alone() -> None:
    from opsconsole.packs.render import missing_variables
    from opsconsole.packs.schema import QueryPack

    pack = QueryPack.model_validate(
        {
            "apiVersion": "opsconsole.dev/v1",
            "kind": "QueryPack",
            "metadata": {"name": "p"},
            "variables": {"ns": {"description": "", "example": ""}},
            "health": {"entity": {"type_label": "job", "instance_label": "instance"}, "up": "up"},
        }
    )
    missing = missing_variables(pack, {})
    assert missing is not None
    assert (missing.name, missing.known, missing.names) == ("ns", set(), ["ns"])
    assert str(missing) == (
        "pack p needs $ns: run with --var ns=VALUE, "
        "or set it under the context's variables in the config file"
    )


def test_every_selector_of_every_query_is_read_for_target_labels() -> None:
    found = matched_labels(
        ['sum(rate(a_total{job="x"}[5m])) / sum(b{namespace="n"})', 'up{pod="p"} + 1', "oops("]
    )
    assert found == {"job": {"a_total"}, "namespace": {"b"}, "pod": {"up"}}


def test_one_probe_per_label_over_its_metrics_escaped() -> None:
    assert probe_queries({"job": {"b", "a.c"}, "pod": {"up"}}) == {
        # The regex a\.c, written in a PromQL string: its backslash doubled (`\.` alone is no
        # escape Prometheus' lexer knows: it refused the query).
        "job": 'count by (__name__) ({__name__=~"a\\\\.c|b", exported_job!=""})',
        "pod": 'count by (__name__) ({__name__=~"up", exported_pod!=""})',
    }


def test_a_job_matcher_is_compared_literally_or_as_a_regex_by_its_operator() -> None:
    # "black.ox" names no job literally (so every job counts, blackbox the slowest), but as a
    # regex it would match blackbox.
    chosen = choose_window('rate(x{job!="black.ox"}[1m])', parse_scrape_config(CONFIG), 5)
    assert (chosen.text, "of job blackbox" in chosen.reason) == ("8m", True)


def test_the_jobs_serving_a_metric_narrow_a_selector_without_a_job() -> None:
    intervals = parse_scrape_config(CONFIG)
    chosen = choose_window("rate(x[1m])", intervals, 5, {"x": {"node-exporter"}})
    assert chosen.text == "1m"
    assert chosen.reason.startswith("4 × 15s, the scrape interval of job node-exporter (")
    other = choose_window("rate(x[1m])", intervals, 5, {"y": {"node-exporter"}})
    assert other.text == "8m"
    named = choose_window('rate(x{job="blackbox"}[1m])', intervals, 5, {"x": {"node-exporter"}})
    assert named.text == "8m"  # a job named in the query wins over what serves the metric


def test_the_reason_names_up_to_three_slowest_jobs() -> None:
    four = ScrapeIntervals(15.0, {"a": 60.0, "b": 60.0, "c": 60.0, "d": 60.0, "e": 15.0})
    assert "of job a, b, c … (" in choose_window('rate(x{job=~".+"}[1m])', four, 5).reason
    three = ScrapeIntervals(15.0, {"a": 60.0, "b": 60.0, "c": 60.0})
    assert "of job a, b, c (" in choose_window('rate(x{job=~".+"}[1m])', three, 5).reason
    assert choose_window("rate(x[1m])", ScrapeIntervals(15.0), 5).reason.startswith(
        "4 × 15s, the scrape interval ("
    )
    assert choose_window("rate(x[1m])", ScrapeIntervals(15.0, {"a": 30.0}), 5).reason.startswith(
        "4 × 30s, the largest scrape interval on the server ("
    )
