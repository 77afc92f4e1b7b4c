"""``packs doctor`` on the mistakes a pack author makes, against the real Prometheus scraping the test
target (``opsconsole_test_requests_total{status="ok"|"error"}``, ``opsconsole_test_latency_seconds``
with buckets 0.1, 0.5, 1, 2.5): what it says is the cause, and what it proposes does not make things
worse."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, Counter, make_wsgi_app

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.commands.packs import doctor_text
from opsconsole.config import EndpointSettings
from opsconsole.packs.loader import load_packs
from opsconsole.packs.render import pack_queries
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.doctor_report import DoctorReport, QueryCheck
from opsconsole.refresh.pack_doctor import diagnose
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from tests.conftest import ScrapeTarget
from tests.support.http_client import http_client
from tests.support.real_servers import (
    RunningServer,
    ServerRelease,
    prometheus_config,
    start_prometheus,
    wait_for_answer_3s_ago,
    wait_until,
)

BUILTIN_PACKS = [(builtin_queries_dir(), "builtin")]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: mistakes}
variables:
  failed: "5.."
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="test-target"}
red:
  groups:
    api:
      by: [job]
      rate: sum by (job) (rate(opsconsole_test_requests_total[$rate_window]))
      errors: sum by (job) (rate(opsconsole_test_requests_total{status=~"$failed"}[$rate_window]))
      duration: {histogram: opsconsole_test_latency_seconds}
slos:
  fast:
    objective: 0.99
    latency: {histogram: opsconsole_test_latency_seconds, threshold: 0.25}
"""


def _pack(tmp_path: Path) -> QueryPack:
    path = tmp_path / "mistakes.yaml"
    path.write_text(PACK)
    result = load_packs([], [path])
    assert not result.errors, result.errors
    return result.packs["mistakes"].pack


async def _doctor(prometheus: RunningServer, pack: QueryPack) -> DoctorReport:
    client = PrometheusClient(EndpointSettings(url=prometheus.url))
    try:
        return await diagnose(pack, client, now=time.time())
    finally:
        await client.aclose()


def pack_source(pack: QueryPack, query_id: str) -> str:
    [query] = [q for q in pack_queries(pack) if q.id == query_id]
    return query.source


def _check(report: DoctorReport, query_id: str) -> QueryCheck:
    [check] = [c for c in report.checks if c.query_id == query_id]
    return check


async def test_an_error_query_is_never_told_to_match_the_values_there_are(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # status holds "ok" and "error", the pack counts "5..": pointing the variable at every value
    # there is (--var failed=error|ok) would count every success as a failure.
    report = await _doctor(real_prometheus, _pack(tmp_path))
    errors = _check(report, "red.api.errors")
    assert errors.zero_is_healthy and not errors.has_data
    [finding] = errors.findings
    assert finding.problem == '`status` values are error, ok, none matches =~"5.."'
    assert finding.fix == "if one of these values marks a failure, set `failed` to it (--var failed=VALUE)"
    assert not any(fix.startswith("--var failed") for fix in report.fixes()), report.fixes()


async def test_a_latency_threshold_off_the_buckets_is_said_as_such(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # The series have `le`; what is missing is a boundary at 0.25 (it said "no series has label le").
    report = await _doctor(real_prometheus, _pack(tmp_path))
    good = _check(report, "slos.fast.good")
    assert not good.has_data
    [finding] = good.findings
    assert finding.problem == (
        'no bucket boundary matches =~"0\\.25": `le` values are 0.1, 0.5, 1.0, 2.5, +Inf'
    )
    assert finding.fix == "use one of these boundaries (a latency SLO's `threshold` must be one)"


async def test_the_doctor_runs_the_queries_the_console_runs(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # The doctor expanded $rate_window as 1m whatever the server (four of an assumed 15s scrape),
    # the console from the server's scrape intervals (here 1s: 6s). On a job scraped every minute,
    # Prometheus' default, the doctor's [1m] held one sample: "RED would be empty, set --var
    # rate_window", exit 1, while the console's [4m] showed every row.
    pack = _pack(tmp_path)
    console = RefreshService(
        "t", pack, BackendSet(prometheus=PrometheusClient(EndpointSettings(url=real_prometheus.url)))
    )
    try:
        await console.refresh()
        shown = console.query_texts()
    finally:
        await console.backends.aclose()
    report = await _doctor(real_prometheus, pack)
    ranged = [c for c in report.checks if "rate_window" in pack_source(pack, c.query_id)]
    assert {c.query_id for c in ranged} == {
        "red.api.rate",
        "red.api.errors",
        "red.api.p50",
        "red.api.p95",
        "red.api.p99",
    }
    for check in ranged:
        assert check.text == shown[check.query_id], check.query_id
    assert "[6s]" in shown["red.api.rate"]


SHORT = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: short}
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="test-target"}
  signals:
    written: rate(opsconsole_test_requests_total[200ms])
    templated: rate(opsconsole_test_requests_total[$rate_window])
    absent: absent(opsconsole_test_in_flight)
"""


async def test_a_range_shorter_than_two_scrapes_is_said_with_the_fix_where_it_was_written(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # Scraped every second: [200ms] never holds two samples, nor did the 800ms the doctor then
    # looked for two in, so it blamed "binary operators" in a query that has none.
    wait_for_answer_3s_ago(real_prometheus.url, "opsconsole_test_requests_total")
    path = tmp_path / "short.yaml"
    path.write_text(SHORT)
    pack = load_packs([], [path]).packs["short"].pack
    report = await _doctor(real_prometheus, pack)
    [finding] = _check(report, "health.signals.written").findings
    assert finding.problem.startswith("opsconsole_test_requests_total has fewer than two samples in [200ms]")
    # The range is written in the pack: --var rate_window would change nothing.
    assert finding.fix == (
        "write [$rate_window] in the pack where the range is [200ms]: it follows the scrape interval"
    )
    assert _check(report, "health.signals.templated").has_data
    # Selectors with series, no operator, nothing back: no word of binary operators.
    [finding] = _check(report, "health.signals.absent").findings
    assert finding.problem == "every selector has series, but the expression returns nothing from them"


UNNAMED = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: unnamed}
health:
  entity: {type_label: job, instance_label: pod}
  up: up{job="test-target"}
red:
  groups:
    api:
      by: [route]
      rate: sum by (route) (rate(opsconsole_test_requests_total[$rate_window]))
      errors: sum by (route) (rate(opsconsole_test_requests_total{status="error"}[$rate_window]))
      duration: {histogram: opsconsole_test_latency_seconds}
"""


async def test_rows_named_by_a_label_no_series_carries_are_said(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # The targets carry no `pod`: the console's health pane has no row ("1 up series carries none
    # of the labels pod: not shown"), and every request of the RED group is summed into one row; the
    # doctor said "every pane has data" and exited 0.
    wait_for_answer_3s_ago(real_prometheus.url, "opsconsole_test_requests_total")
    path = tmp_path / "unnamed.yaml"
    path.write_text(UNNAMED)
    pack = load_packs([], [path]).packs["unnamed"].pack
    report = await _doctor(real_prometheus, pack)
    up = _check(report, "health.up")
    assert up.has_data
    assert [(f.problem, f.fix) for f in up.findings] == [
        (
            "no `up` series carries `pod`: the health pane shows no row",
            "set health.entity.instance_label to a label they carry (instance, job)",
        )
    ]
    assert report.empty_panes() == ["health"]
    [merged] = report.merged_rows()
    assert (
        merged.problem == "no series carries `route`, the group's `by`: every series is summed into one row"
    )
    assert "(instance, job, status)" in merged.fix
    assert report.failed


async def test_an_equality_matcher_is_never_told_to_take_several_values(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # {status="$outcome"} with outcome=failed: "--var outcome=error|ok" was proposed, and with `=`
    # that is one value no series has, so the doctor's own "try:" line found nothing either.
    path = tmp_path / "eq.yaml"
    path.write_text(
        SHORT.replace("name: short", "name: eq").replace("health:", "variables: {outcome: failed}\nhealth:")
        + '    outcome: sum(opsconsole_test_requests_total{status="$outcome"})\n'
    )
    pack = load_packs([], [path]).packs["eq"].pack
    report = await _doctor(real_prometheus, pack)
    [finding] = _check(report, "health.signals.outcome").findings
    assert finding.problem == '`status` values are error, ok, none matches ="failed"'
    assert finding.fix == "--var outcome=VALUE"


async def test_a_histogram_named_with_its_bucket_suffix_is_named_back(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # `histogram: x_bucket` made the console ask for x_bucket_bucket; the doctor said only that
    # it does not exist, among five "similar names".
    path = tmp_path / "suffixed.yaml"
    path.write_text(
        PACK.replace("name: mistakes", "name: suffixed").replace(
            "{histogram: opsconsole_test_latency_seconds}",
            "{histogram: opsconsole_test_latency_seconds_bucket}",
        )
    )
    pack = load_packs([], [path]).packs["suffixed"].pack
    report = await _doctor(real_prometheus, pack)
    [finding] = _check(report, "red.api.p99").findings
    assert finding.problem == (
        "metric `opsconsole_test_latency_seconds_bucket_bucket` does not exist in this Prometheus: the "
        "pack names the histogram `opsconsole_test_latency_seconds_bucket`, and the console adds _bucket "
        "to that name"
    )
    assert finding.fix == "name the histogram `opsconsole_test_latency_seconds` (without _bucket)"


async def test_a_variable_whose_metrics_are_not_scraped_is_not_pointed_at_other_jobs(
    real_prometheus: RunningServer,
) -> None:
    # Loki is not scraped here. The meta pack's loki-discarded reads loki_discarded_samples_total
    # and up{job=~"$loki_job"}: `up` has the test target's job, so the doctor proposed
    # --var loki_job=test-target ("try: opsconsole --pack meta --var loki_job=test-target"), which
    # brings no Loki metric and would show the test target's up as Loki's "0 discarded".
    pack = load_packs(BUILTIN_PACKS, only="meta").packs["meta"].pack
    report = await _doctor(real_prometheus, pack)
    absent, job = _check(report, "saturation.loki-discarded").findings
    assert absent.problem == (
        "metric `loki_discarded_samples_total` does not exist in this Prometheus (no series in the last "
        "hour): what exports it is not scraped here, or names it otherwise; no similar name either"
    )
    assert job.problem == (
        '`job` values are test-target, none matches =~"loki|.+/loki|loki-.+|.+/loki-.+", and none of the '
        "metrics the pack reads with $loki_job exists in this Prometheus (loki_discarded_samples_total, "
        "loki_request_duration_seconds_bucket, loki_request_duration_seconds_count): what exports them "
        "is not scraped here"
    )
    assert job.fix == (
        "scrape what exports them; no value of --var loki_job brings metrics that are not there "
        "(once scraped, set it to that job's name if the default does not match it)"
    )
    assert not [fix for fix in report.fixes() if fix.startswith("--var")], report.fixes()
    assert "try:" not in doctor_text(report, real_prometheus.url, "default")


LABEL_VARIABLE = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: label-variable}
variables:
  ns_label: kubernetes_namespace
  ns: test-target
health:
  entity: {type_label: job, instance_label: instance}
  up: up{$ns_label=~"$ns"}
saturation:
  loki: sum(rate(loki_request_duration_seconds_count{$ns_label=~"$ns"}[$rate_window]))
"""


async def test_a_label_variable_whose_metrics_are_not_scraped_is_not_pointed_at_another_label(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    # `up` has no kubernetes_namespace, and its `job` holds "test-target": the doctor proposed
    # --var ns_label=job, though no series of the metric the pack reads with it exists.
    path = tmp_path / "label.yaml"
    path.write_text(LABEL_VARIABLE)
    pack = load_packs([], [path]).packs["label-variable"].pack
    report = await _doctor(real_prometheus, pack)
    [finding] = _check(report, "health.up").findings
    assert finding.problem == (
        "no series of `up` has label `kubernetes_namespace`; it has `job` (values: test-target), and "
        "none of the metrics the pack reads with $ns_label exists in this Prometheus "
        "(loki_request_duration_seconds_count): what exports them is not scraped here"
    )
    assert not [fix for fix in report.fixes() if fix.startswith("--var")], report.fixes()


async def test_a_job_variable_is_pointed_at_the_jobs_that_export_what_the_pack_reads(
    tmp_path: Path, scrape_target: ScrapeTarget, server_release: ServerRelease
) -> None:
    # Two jobs: `up{job=~"$app_job"}` has both, only test-target exports opsconsole_test_*.
    # The doctor proposed --var app_job=other|test-target, which mixes the other job in.
    registry = CollectorRegistry()
    Counter("other_requests", "Another program's requests", registry=registry).inc()
    other = make_server("127.0.0.1", 0, make_wsgi_app(registry), handler_class=_Quiet)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    config = (
        prometheus_config([scrape_target.address], None, None)
        + f"  - job_name: other\n    static_configs:\n      - targets: ['127.0.0.1:{other.server_port}']\n"
    )
    server = start_prometheus(tmp_path, config, release=server_release)
    try:

        def both_scraped() -> bool:
            answer = http_client().get(f"{server.url}/api/v1/query", params={"query": "up == 1"}).json()
            return len(answer["data"]["result"]) == 2

        wait_until(both_scraped, what="both jobs scraped")
        path = tmp_path / "jobs.yaml"
        path.write_text(
            SHORT.replace("name: short", "name: jobs")
            .replace('up{job="test-target"}', 'up{job=~"$app_job"}')
            .replace("health:", "variables: {app_job: api}\nhealth:")
            .replace("[$rate_window]", '{job=~"$app_job"}[$rate_window]')
        )
        pack = load_packs([], [path]).packs["jobs"].pack
        report = await _doctor(server, pack)
    finally:
        server.stop()
        other.shutdown()
        other.server_close()
    [finding] = _check(report, "health.up").findings
    assert finding.problem == (
        '`job` values of the series of opsconsole_test_requests_total are test-target, none matches =~"api"'
    )
    assert finding.fix == "--var app_job=test-target"
