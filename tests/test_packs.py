"""Query packs: built-ins validate and run on real Prometheus; broken packs say file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsconsole.cli import main
from opsconsole.core.durations import parse_duration, prometheus_duration
from opsconsole.packs.loader import load_packs
from opsconsole.packs.logql_check import LogqlError, check_logql
from opsconsole.packs.render import render_pack
from opsconsole.packs.variables import UnknownVariable, expand, rate_window
from opsconsole.resources import builtin_queries_dir
from tests.support.real_servers import RunningServer

BUILTIN = [(builtin_queries_dir(), "builtin")]
BUILTIN_NAMES = {"progressive-framework", "freeagentics", "kubernetes", "otel-http", "meta"}

GOOD = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata:
  name: {name}
variables:
  job: api
health:
  entity: {{type_label: job, instance_label: instance}}
  up: up{{job="$job"}}
red:
  groups:
    api:
      rate: sum(rate(http_requests_total{{job="$job"}}[$rate_window]))
      errors: sum(rate(http_requests_total{{job="$job", code=~"5.."}}[$rate_window]))
      duration: {{histogram: http_request_duration_seconds, selector: 'job="$job"'}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def load_one(tmp_path: Path, text: str, name: str = "pack") -> list[str]:
    path = write(tmp_path, name, text)
    return [str(e) for e in load_packs([], [path]).errors]


def test_every_builtin_pack_validates() -> None:
    result = load_packs(BUILTIN)
    assert [str(e) for e in result.errors] == []
    assert set(result.packs) == BUILTIN_NAMES


@pytest.mark.real_backend
@pytest.mark.every_release  # a pack must not need Prometheus 3 (UTF-8 names) nor 2 (holt_winters)
def test_every_builtin_promql_query_runs_on_real_prometheus(real_prometheus: RunningServer) -> None:
    failures = []
    ran = 0
    with httpx.Client(base_url=real_prometheus.url, timeout=10) as client:
        for name, loaded in load_packs(BUILTIN).packs.items():
            for query in render_pack(loaded.pack):
                if query.language != "promql":
                    continue
                ran += 1
                answer = client.get("/api/v1/query", params={"query": query.text})
                if answer.status_code != 200 or answer.json().get("status") != "success":
                    failures.append(f"{name} {query.id}: {answer.status_code} {answer.text[:200]}")
    assert failures == []
    assert ran > 60


def test_extends_overrides_a_few_queries(tmp_path: Path) -> None:
    base = write(tmp_path, "base", GOOD.format(name="base"))
    child = write(
        tmp_path,
        "child",
        """\
        apiVersion: opsconsole.dev/v1
        kind: QueryPack
        metadata: {name: child}
        extends: base
        variables:
          job: checkout
        health:
          up: up{job="$job", env="prod"}
        """,
    )
    result = load_packs([], [base, child])
    assert result.errors == []
    queries = {q.id: q.text for q in render_pack(result.packs["child"].pack)}
    assert queries["health.up"] == 'up{job="checkout", env="prod"}'
    assert queries["red.api.rate"] == 'sum(rate(http_requests_total{job="checkout"}[1m]))'
    assert result.packs["child"].pack.extends == "base"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.format(name="p") + "  oops: [\n", "pack.yaml:16: (yaml): invalid YAML"),
        (GOOD.format(name="p").replace("  up:", "  upp:"), "pack.yaml:9: health.upp: unknown field"),
        (
            GOOD.format(name="p").replace("[$rate_window]))\n      errors", "[$rate_window])\n      errors"),
            "pack.yaml:13: red.groups.api.rate.query: PromQL does not parse",
        ),
        (
            GOOD.format(name="p").replace('up{job="$job"}', 'up{job="$jobb"}'),
            "pack.yaml:9: health.up.query: unknown variable $jobb",
        ),
        (
            GOOD.format(name="p") + "slos:\n  s:\n    objective: 0.999\n    ratio: {total: x}\n",
            "pack.yaml:19: slos.s.ratio: Value error, give exactly one of 'bad' or 'good'",
        ),
        (
            GOOD.format(name="p")
            + "slos:\n  s:\n    objective: 0.999\n    error_ratio: x\n    ratio: {total: x, bad: y}\n",
            "pack.yaml:17: slos.s: Value error, an SLO needs exactly one SLI: 'ratio', 'latency' or",
        ),
        (
            GOOD.format(name="p") + "slos:\n  s:\n    objective: 0.999\n    error_ratio: 'x[$window'\n",
            "pack.yaml:19: slos.s.error_ratio: PromQL does not parse",
        ),
        (
            GOOD.format(name="p") + "saturation:\n  q:\n    query: x\n    thresholds: {warn: 5, crit: 1}\n",
            "pack.yaml:19: saturation.q.thresholds: Value error, with direction 'above', warn (5.0) must not",
        ),
        (
            GOOD.format(name="p") + "logs:\n  selector: '{app=~\".*\"}'\n",
            "pack.yaml:17: logs.selector: LogQL: every matcher can match the empty string",
        ),
        (
            GOOD.format(name="p") + "alerts:\n  matchers: ['severity']\n",
            "pack.yaml:17: alerts.matchers.0: bad matcher",
        ),
        (
            GOOD.format(name="p").replace("name: p", "name: Bad_Name"),
            "pack.yaml:4: metadata.name: String should match pattern",
        ),
        (
            GOOD.format(name="p").replace("kind: QueryPack\n", ""),
            "pack.yaml:1: kind: required field is missing",
        ),
    ],
)
def test_broken_packs_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    errors = load_one(tmp_path, text)
    assert errors, "the pack should have been refused"
    assert any(e.startswith(str(tmp_path / expected)) for e in errors), errors


def test_circular_extends_is_reported(tmp_path: Path) -> None:
    a = write(tmp_path, "a", GOOD.format(name="a") + "extends: b\n")
    b = write(tmp_path, "b", GOOD.format(name="b") + "extends: a\n")
    errors = [str(e) for e in load_packs([], [a, b]).errors]
    assert any("circular extends: a -> b -> a" in e and e.startswith(f"{a}:16: extends") for e in errors), (
        errors
    )


def test_one_bad_pack_does_not_stop_the_others(tmp_path: Path) -> None:
    good = write(tmp_path, "good", GOOD.format(name="good"))
    bad = write(tmp_path, "bad", "apiVersion: [\n")
    result = load_packs([], [good, bad])
    assert list(result.packs) == ["good"]
    assert len(result.errors) == 1


def test_name_clash_later_wins_and_is_reported(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "mine.yaml").write_text(GOOD.format(name="meta"))
    result = load_packs([*BUILTIN, (user, "user")])
    assert result.packs["meta"].source.origin == "user"
    assert any("pack 'meta'" in n and "replaces" in n for n in result.notices)


def test_context_variables_override_defaults(tmp_path: Path) -> None:
    result = load_packs(BUILTIN, overrides={"namespace": "staging"})
    texts = [
        q.text for q in render_pack(result.packs["progressive-framework"].pack, {"namespace": "staging"})
    ]
    assert all("progressive-framework-prod" not in t for t in texts)
    assert any('kubernetes_namespace=~"staging|"' in t for t in texts)


def test_variable_expansion_rules() -> None:
    assert expand("a$x ${x}b $$ ok$", {"x": "1"}) == "a1 1b $ ok$"
    assert expand('=~".*-prod$"', {}) == '=~".*-prod$"'
    with pytest.raises(UnknownVariable, match=r"unknown variable \$y"):
        expand("$y", {"x": "1"})
    assert rate_window(15, 5) == "1m"
    assert rate_window(15, 80) == "1m35s"
    assert prometheus_duration(86400 * 30) == "30d"
    assert parse_duration("1h30m") == 5400
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("30 days")


@pytest.mark.parametrize(
    "good",
    [
        '{app="npa"}',
        '{app=~".+", level!="debug"} |= "error" | json | level="error"',
        '{namespace="p"} | json | line_format "{{.message}}" | duration_ms > 100',
        "{app=`x`} != `y` | logfmt",
    ],
)
def test_logql_accepts_valid_queries(good: str) -> None:
    check_logql(good)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('app="x"', "must start with a stream selector"),
        ('{app="x"', "missing its closing"),
        ('{app=~".*"}', "empty string"),
        ('{app=="x"}', "bad matcher"),
        ('{app="x"} | jsonn', "unknown pipeline stage"),
        ('{app="x"} |= error', "needs a quoted string"),
        ('{app="x}', "unterminated string"),
    ],
)
def test_logql_rejects_broken_queries(bad: str, message: str) -> None:
    with pytest.raises(LogqlError, match=message):
        check_logql(bad)


def test_cli_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good", GOOD.format(name="good"))
    bad = write(tmp_path, "bad", GOOD.format(name="bad").replace("  up:", "  upp:"))
    assert main(["packs", "validate", str(good)]) == 0
    assert "ok:" in capsys.readouterr().out
    assert main(["packs", "validate", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:9: health.upp: unknown field" in err


def test_cli_validate_checks_a_file_that_a_later_one_of_the_same_name_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two files of one pack name (a copy not yet renamed): the first was replaced before it was
    # validated, so its errors were never printed and the exit code was 0 in a team's CI.
    broken = write(tmp_path, "copy", GOOD.format(name="twin").replace("  up:", "  upp:"))
    fine = write(tmp_path, "twin", GOOD.format(name="twin"))
    assert main(["packs", "validate", str(broken), str(fine)]) == 1
    out, err = capsys.readouterr()
    assert f"{broken}:9: health.upp: unknown field" in err
    assert f"pack 'twin' from {fine} (cli) replaces the one from {broken} (cli): " in err
    assert f"ok: {fine}: pack 'twin'" in out


def test_cli_validate_notes_a_pack_that_replaces_a_builtin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = write(tmp_path, "meta", GOOD.format(name="meta"))
    assert main(["packs", "validate", str(mine)]) == 0
    out, err = capsys.readouterr()
    assert f"ok: {mine}: pack 'meta'" in out
    assert f"note: pack 'meta' from {mine} (cli) replaces the built-in pack of that name (" in err
    assert "queries/meta.yaml): 'meta' (--pack, a context's pack:) now means this file." in err


def test_cli_validate_of_a_file_in_the_packs_folder_replaces_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    folder = isolated_home / ".config" / "opsconsole" / "packs"
    folder.mkdir(parents=True)
    mine = write(folder, "mine", GOOD.format(name="mine"))
    assert main(["packs", "validate", str(mine)]) == 0
    assert "replaces" not in capsys.readouterr().err


def test_cli_render_applies_var_and_list_shows_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packs", "render", "progressive-framework", "--var", "namespace=prod-eu"]) == 0
    out = capsys.readouterr().out
    assert "# red.agents.p99 (promql)" in out
    assert 'kubernetes_namespace=~"prod-eu|"' in out and "progressive-framework-prod" not in out
    assert main(["packs", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in BUILTIN_NAMES)


pack_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(
    max_examples=150,
    # About results: a loaded machine (a mutation run beside test runs) is slow to draw, whatever the code.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["health", "red", "slos", "logs", "alerts", "variables", "links", "traces", "saturation", "x"]
        ),
        pack_like,
        max_size=5,
    )
)
def test_random_packs_never_crash_the_loader(
    tmp_path_factory: pytest.TempPathFactory, body: dict[str, object]
) -> None:
    from ruamel.yaml import YAML

    tmp = tmp_path_factory.mktemp("fuzz")
    doc = {"apiVersion": "opsconsole.dev/v1", "kind": "QueryPack", "metadata": {"name": "fuzz"}, **body}
    path = tmp / "fuzz.yaml"
    with path.open("w") as out:
        YAML(typ="safe", pure=True).dump(doc, out)
    result = load_packs([], [path])
    assert bool(result.packs) != bool(result.errors)


def test_the_documented_examples_are_valid_packs(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parent.parent / "docs" / "query-packs.md").read_text()
    examples = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    assert len(examples) >= 2
    paths = [write(tmp_path, f"example{i}", text) for i, text in enumerate(examples)]
    result = load_packs(BUILTIN, paths)
    assert [str(e) for e in result.errors] == []
    assert {"checkout", "progressive-framework-eu"} <= set(result.packs)


def test_render_applies_context_variables_then_var(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "contexts:\n  eu:\n    variables: {namespace: pf-eu, core_job: eu-core, namespace_label: ns}\n"
    )
    args = ["packs", "render", "progressive-framework", "--config", str(config), "--context", "eu"]
    assert main([*args, "--var", "core_job=override", "--var", "agent_jobs=agents"]) == 0
    out = capsys.readouterr().out
    assert 'up{job=~"agents|override|' in out and 'ns=~"pf-eu|"' in out


LABEL_VARIABLE = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: labels}
variables:
  ns: prod
  ns_label: kubernetes_namespace
health:
  entity: {type_label: [agent_type, job], instance_label: [kubernetes_pod_name, instance]}
  up: up{$ns_label=~"$ns|"}
alerts:
  matchers: ['$ns_label=~"$ns|"']
logs:
  unavailable: logs go to Elasticsearch
"""


def test_a_variable_can_name_a_label_and_must_render_to_a_valid_one(tmp_path: Path) -> None:
    path = write(tmp_path, "labels", LABEL_VARIABLE)
    good = load_packs([], [path])
    assert not good.errors, good.errors
    pack = good.packs["labels"].pack
    assert next(q.text for q in render_pack(pack, {"ns_label": "namespace"})) == 'up{namespace=~"prod|"}'
    bad = [str(e) for e in load_packs([], [path], overrides={"ns_label": "kubernetes-namespace"}).errors]
    assert any("health.up.query: PromQL does not parse" in e for e in bad), bad
    assert any("alerts.matchers.0" in e and "after expansion: kubernetes-namespace=~" in e for e in bad), bad
    unknown = load_one(tmp_path, LABEL_VARIABLE.replace("['$ns_label", "['$nope_label"), "unknown")
    assert any("alerts.matchers.0: unknown variable $nope_label" in e for e in unknown), unknown


@pytest.mark.parametrize(
    ("logs", "fine"),
    [
        ("  unavailable: in Elasticsearch\n", True),
        ("  selector: '{app=\"x\"}'\n", True),
        ("  selector: '{app=\"x\"}'\n  unavailable: in Elasticsearch\n", False),
        ("  pipeline: '| json'\n", False),
    ],
)
def test_logs_have_a_selector_or_say_where_they_are(tmp_path: Path, logs: str, fine: bool) -> None:
    text = LABEL_VARIABLE.split("logs:\n")[0] + "logs:\n" + logs
    errors = load_one(tmp_path, text, "logs")
    assert (not errors) == fine, errors
    if not fine:
        assert any("give exactly one of 'selector' (LogQL) or 'unavailable'" in e for e in errors)


def test_several_histogram_names_are_quantiles_of_each_never_summed() -> None:
    from opsconsole.packs.derived import histogram_quantile_query
    from opsconsole.packs.schema import HistogramDuration

    duration = HistogramDuration.model_validate(
        {"histogram": ["a_seconds", "b_seconds"], "selector": 'job="x"'}
    )
    query = histogram_quantile_query(duration, 0.99, ["route"])
    assert query == (
        'histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{job="x"}[$rate_window])))'
        ' or histogram_quantile(0.99, sum by (le, route) (rate(b_seconds_bucket{job="x"}[$rate_window])))'
    )
