"""PromQL the console writes from names and values it did not choose: a label value with a quote, a
backslash, a newline or an escape byte, and Prometheus 3's UTF-8 names (OpenTelemetry's
``k8s.pod.name``) that must be quoted. Each text is read back by the parser and by a real Prometheus
holding such series: the query must select exactly what it names, nothing else and no error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import promql_parser
import pytest

from opsconsole.core.go_regex import compile_go_regex
from opsconsole.core.incident_timeline import Links
from opsconsole.core.promql_strings import (
    any_of,
    bare_metric_name,
    label_name,
    matcher,
    promql_string,
    selector,
)
from opsconsole.core.promql_text import SelectorMatcher, SelectorParts, selector_parts, vector_selectors
from opsconsole.packs.exported_labels import probe_queries
from tests.support.http_client import http_client
from tests.support.real_servers import RunningServer, start_prometheus, wait_until

HOSTILE = ['a"b', "back\\slash", "two\nlines", "esc\x1b[31mred", "tab\there", "ünï ✓", "", '}, x="y']


def _parsed_matchers(text: str) -> list[tuple[str, str]]:
    tree = promql_parser.parse(text)
    return [(m.name, m.value) for m in tree.matchers.matchers]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_comes_back_from_the_parser_as_it_went_in(value: str) -> None:
    text = f"up{{job={promql_string(value)}}}"
    assert _parsed_matchers(text) == [("job", value)]
    assert "\x1b" not in text and "\n" not in text  # nothing invisible in the query itself


def test_names_are_bare_when_the_classic_syntax_allows_and_quoted_otherwise() -> None:
    assert label_name("pod") == "pod"
    assert label_name("_x9") == "_x9"
    assert label_name("k8s.pod.name") == '"k8s.pod.name"'
    assert label_name("9lives") == '"9lives"'
    assert label_name("a:b") == '"a:b"'  # a colon is for metric names only
    assert bare_metric_name("job:requests:rate1m") and not bare_metric_name("http.server.duration")
    assert matcher("k8s.pod.name", "=~", "a.*") == '"k8s.pod.name"=~"a.*"'


def test_a_selector_with_utf8_names_parses_back_to_the_same_parts() -> None:
    parts = SelectorParts(
        "http.server.duration",
        (SelectorMatcher("k8s.pod.name", "=", 'a"b'), SelectorMatcher("job", "!~", "x\\.y")),
    )
    text = parts.text()
    assert text == '{"http.server.duration", "k8s.pod.name"="a\\"b", job!~"x\\\\.y"}'
    (again,) = selector_parts(text)
    # The parser moves a quoted name into a __name__ matcher: the same series either way.
    assert again.metric_names == ("http.server.duration",)
    assert again.label_matchers == parts.matchers
    assert SelectorParts("up", ()).text() == "up"
    assert selector("up", ['job="a"']) == 'up{job="a"}'


def test_selectors_found_in_a_query_are_written_back_quoted() -> None:
    text = 'sum(rate({"http.server.requests", "k8s.pod.name"="a\\"b"}[5m])) / sum(rate(up{job="x"}[5m]))'
    found = vector_selectors(text)
    assert found == ['{__name__="http.server.requests", "k8s.pod.name"="a\\"b"}', 'up{job="x"}']
    assert _parsed_matchers(found[0]) == [("__name__", "http.server.requests"), ("k8s.pod.name", 'a"b')]


def test_a_list_of_names_as_a_regex_matches_exactly_those_names() -> None:
    names = ["k8s.pod.ready", "a+b", "x(y)", "plain_total"]
    text = f"{{__name__=~{any_of(names)}}}"
    ((_, pattern),) = _parsed_matchers(text)
    compiled = compile_go_regex(f"^(?:{pattern})$", server="Prometheus")
    assert all(compiled.match(name) for name in names)
    for other in ("k8sxpod.ready", "aab", "xy", "plain_totals", "k8s.pod.ready|a+b"):
        assert not compiled.match(other), other


def test_the_exported_label_probe_quotes_what_it_must() -> None:
    (probe,) = probe_queries({"k8s.pod": {"k8s.pod.ready"}}).values()
    assert promql_parser.parse(probe) is not None
    assert '"exported_k8s.pod"!=""' in probe and '"k8s\\\\.pod\\\\.ready"' in probe


def test_a_timeline_link_names_the_alert_it_was_given() -> None:
    links = Links("http://am:9093", "http://prom:9090")
    link = links.alertname('Bad"Name')
    assert link is not None
    assert unquote(link[1].split("filter=", 1)[1]) == '{alertname="Bad\\"Name"}'


# --- a real Prometheus holding series with such names and values ---------------------------------

RULES = """
groups:
  - name: utf8
    interval: 1s
    rules:
      - record: "k8s.pod.ready"
        expr: vector(1)
        labels: {"k8s.pod.name": "a\\"b\\\\c", job: "one"}
      - record: "k8s.pod.ready"
        expr: vector(2)
        labels: {"k8s.pod.name": "axb", job: "two"}
      - record: "k8sXpod.ready"
        expr: vector(3)
        labels: {"k8s.pod.name": "a.b", job: "three"}
"""


@pytest.fixture(scope="module")
def utf8_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The current Prometheus evaluating rules that record UTF-8 metric and label names."""
    tmp = tmp_path_factory.mktemp("prom-utf8")
    config = "global:\n  evaluation_interval: 1s\nrule_files:\n  - {rules}\n"
    server = start_prometheus(Path(tmp), config, rules=RULES)
    try:
        wait_until(lambda: len(_series(server, '{__name__=~"k8s.*ready"}')) == 3, timeout=30, what="rules")
        yield server
    finally:
        server.stop()


def _series(server: RunningServer, query: str) -> list[dict[str, str]]:
    body = http_client().get(f"{server.url}/api/v1/query", params={"query": query}).json()
    assert body["status"] == "success", body
    return [r["metric"] for r in body["data"]["result"]]


def test_prometheus_reads_our_selector_as_the_one_series_it_names(utf8_prometheus: RunningServer) -> None:
    wanted = SelectorParts("k8s.pod.ready", (SelectorMatcher("k8s.pod.name", "=", 'a"b\\c'),))
    (series,) = _series(utf8_prometheus, wanted.text())
    assert series["job"] == "one"
    # Written back from the parser's tree, the same selector still names only that series.
    (found,) = vector_selectors(f"sum({wanted.text()})")
    assert [s["job"] for s in _series(utf8_prometheus, found)] == ["one"]


def test_prometheus_reads_our_name_list_as_those_names_only(utf8_prometheus: RunningServer) -> None:
    found = _series(utf8_prometheus, f"{{__name__=~{any_of(['k8s.pod.ready'])}}}")
    assert sorted(s["job"] for s in found) == ["one", "two"]  # not k8sXpod.ready
    dotted = _series(utf8_prometheus, f"{{{matcher('k8s.pod.name', '=~', 'a.b')}}}")
    assert sorted(s["job"] for s in dotted) == ["three", "two"]  # a value regex is the user's: `.` is any
    literal = _series(utf8_prometheus, "{" + label_name("k8s.pod.name") + "=~" + any_of(["a.b"]) + "}")
    assert [s["job"] for s in literal] == ["three"]
