"""A scrape job without honor_labels renames the exporter's labels exported_*: the console says so."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.config import EndpointSettings
from opsconsole.packs.exported_labels import matched_labels, notice, probe_queries, renamed_in_series
from opsconsole.packs.loader import load_packs
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.queries import DISCOVERY_TTL, PackQueries
from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from tests.support.http_client import http_client
from tests.support.real_servers import start_prometheus, wait_until
from tests.support.standard_exporters import (
    NAMESPACE,
    ScrapeJob,
    cluster_pods,
    kube_state_metrics,
    otel_collector,
    prometheus_config,
    serving,
)


def test_the_labels_a_pack_filters_on_are_probed_per_metric() -> None:
    matched = matched_labels(
        [
            'max by (namespace, pod) (kube_pod_status_ready{namespace=~"shop", condition="true"})',
            'sum(rate(http_server_request_duration_seconds_count{job=~".+"}[1m]))',
            "not promql (",
        ]
    )
    assert matched == {
        "namespace": {"kube_pod_status_ready"},
        "job": {"http_server_request_duration_seconds_count"},
    }
    probes = probe_queries(matched)
    assert (
        probes["namespace"]
        == 'count by (__name__) ({__name__=~"kube_pod_status_ready", exported_namespace!=""})'
    )


def test_a_query_that_does_not_parse_does_not_hide_the_ones_after_it() -> None:
    # A pack's broken query is reported by its own check; the probes still cover every other query.
    matched = matched_labels(["not promql (", 'up{namespace="shop"}', "sum(", 'kube_pod_info{pod="a"}'])
    assert matched == {"namespace": {"up"}, "pod": {"kube_pod_info"}}


def test_the_notice_says_what_to_change() -> None:
    text = notice("namespace", {"kube_pod_status_ready", "kube_pod_info"})
    assert "exported_namespace" in text and "honor_labels: true" in text and "kube-state-metrics" in text
    assert renamed_in_series(
        [{"__name__": "a", "exported_pod": "x"}, {"__name__": "b", "pod": "y"}], "pod"
    ) == {"a"}


@pytest.mark.real_backend
async def test_kube_state_metrics_and_a_collector_without_honor_labels_are_named(tmp_path: Path) -> None:
    started = time.time()
    pods = cluster_pods(started)
    with (
        serving(kube_state_metrics(pods), time.time) as ksm,
        serving(otel_collector(started), time.time) as collector,
    ):
        jobs = [
            # As a ServiceMonitor without honorLabels would: the target's own namespace label.
            ScrapeJob("kube-state-metrics", [ksm], target_labels={"namespace": "monitoring"}),
            ScrapeJob("otel-collector", [collector]),
        ]
        config = prometheus_config(jobs, "1s", None)
        server = start_prometheus(tmp_path, config, rules="groups: []\n")
        try:

            def scraped() -> bool:
                # Both targets' samples, not only the first one's: the check reads them both.
                query = (
                    'count(up{job=~"kube-state-metrics|otel-collector"} == 1) == 2'
                    " and on() kube_pod_status_ready"
                )
                answer = http_client().get(f"{server.url}/api/v1/query", params={"query": query}).json()
                return bool(answer["data"]["result"])

            wait_until(scraped, timeout=30, what="a scrape of kube-state-metrics and the collector")
            packs = load_packs([(builtin_queries_dir(), "builtin")]).packs
            notices = {}
            for pack, variables in (("kubernetes", {"namespace": NAMESPACE}), ("otel-http", {})):
                prom = PrometheusClient(EndpointSettings(url=server.url))
                service = RefreshService(
                    "real", packs[pack].pack, BackendSet(prometheus=prom), overrides=variables
                )
                try:
                    notices[pack] = (await service.refresh()).notices
                finally:
                    await prom.aclose()
        finally:
            server.stop()
    assert any("exported_namespace" in n and "honor_labels: true" in n for n in notices["kubernetes"])
    assert any("exported_job" in n for n in notices["otel-http"])


class _RenamingPrometheus:
    """Answers the probes: ``kube_pod_info`` carries ``exported_namespace``; records each query."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float]] = []

    async def query(self, promql: str, at: float) -> QueryResult:
        self.asked.append((promql, at))
        names = ["kube_pod_info"] if "exported_namespace" in promql else []
        vector = [{"metric": {"__name__": n}, "value": [at, "1"]} for n in names]
        return QueryResult.model_validate({"result_type": "vector", "vector": vector})


async def test_the_renamed_labels_are_probed_every_few_minutes_and_told_per_label() -> None:
    pack = QueryPack.model_validate(
        {
            "apiVersion": "opsconsole.dev/v1",
            "kind": "QueryPack",
            "metadata": {"name": "t"},
            "saturation": {
                "pods": {"query": 'count(kube_pod_info{namespace="shop"})'},
                "jobs": {"query": 'count(up{job="api"})'},
            },
        }
    )
    queries = PackQueries(pack, {}, refresh_interval=5.0, scrape_intervals=ScrapeIntervalCache())
    await queries.check_renamed_labels(BackendSet(), 1000.0)  # no Prometheus: nothing to ask
    assert queries.renamed == []
    prom = _RenamingPrometheus()
    backends = BackendSet(prometheus=prom)  # type: ignore[arg-type]
    await queries.check_renamed_labels(backends, 1000.0)
    probes = probe_queries({"namespace": {"kube_pod_info"}, "job": {"up"}})
    assert sorted(prom.asked) == sorted((q, 1000.0) for q in probes.values())
    assert queries.renamed == [notice("namespace", {"kube_pod_info"})]
    await queries.check_renamed_labels(backends, 1000.0 + DISCOVERY_TTL - 1)
    assert len(prom.asked) == 2
    await queries.check_renamed_labels(backends, 1000.0 + DISCOVERY_TTL)
    assert len(prom.asked) == 4
