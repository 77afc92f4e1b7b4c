"""``$rate_window`` follows the server's scrape intervals (Grafana's ``$__rate_interval`` rule)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.config import EndpointSettings
from opsconsole.core.promql_strings import any_of
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.packs.loader import load_packs
from opsconsole.packs.rate_window import (
    PROMETHEUS_DEFAULT_INTERVAL,
    ConfigUnreadable,
    ScrapeIntervals,
    assumed,
    choose_window,
    parse_scrape_config,
)
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.queries import DISCOVERY_TTL, PackQueries
from opsconsole.refresh.scrape_intervals import RETRY_AFTER, ScrapeIntervalCache
from opsconsole.refresh.service import RefreshService
from tests.support.demo_fixtures import frozen_clock, serving

Demo = tuple[DemoStack, DemoUrls]

CONFIG = """\
global:
  scrape_interval: 15s
  evaluation_interval: 30s
scrape_configs:
- job_name: kube-state-metrics
  scrape_interval: 1m
- job_name: node-exporter
- job_name: blackbox
  scrape_interval: 2m
"""


def test_the_config_gives_the_global_and_each_jobs_interval() -> None:
    intervals = parse_scrape_config(CONFIG)
    assert intervals.default == 15
    assert dict(intervals.jobs) == {"kube-state-metrics": 60, "node-exporter": 15, "blackbox": 120}
    assert intervals.largest() == 120
    assert intervals.of("never-configured") == 15


def test_a_config_without_a_global_interval_has_prometheus_default_of_one_minute() -> None:
    intervals = parse_scrape_config("scrape_configs:\n- job_name: a\n")
    assert intervals.default == PROMETHEUS_DEFAULT_INTERVAL == 60
    assert intervals.of("a") == 60


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("global: [", "not YAML"),
        ("- a\n- b\n", "not a mapping"),
        ("global:\n  scrape_interval: soon\n", "global.scrape_interval"),
        ("scrape_configs:\n- scrape_interval: 1m\n", "no job_name"),
    ],
)
def test_an_unreadable_config_says_why(text: str, message: str) -> None:
    with pytest.raises(ConfigUnreadable, match=message):
        parse_scrape_config(text)


@pytest.mark.parametrize(
    ("query", "step", "window", "because"),
    [
        ('rate(x{job="kube-state-metrics"}[1m])', 5, "4m", "job kube-state-metrics"),
        ('rate(x{job="node-exporter"}[1m])', 5, "1m", "job node-exporter"),
        # A job the config does not list (pushed, federated): the global interval.
        ('rate(x{job="pushed"}[1m])', 5, "1m", "job pushed"),
        # A regex: the slowest of the jobs it selects.
        ('rate(x{job=~"node-.*|kube-.*"}[1m])', 5, "4m", "job kube-state-metrics"),
        # Several selectors: the slowest of all of them.
        ('rate(x{job="node-exporter"}[1m]) / rate(y{job="kube-state-metrics"}[1m])', 5, "4m", "kube-state"),
        # No job named: the largest interval on the server is never too short.
        ("sum(rate(x[1m]))", 5, "8m", "largest scrape interval on the server"),
        ('rate(x{job!="blackbox"}[1m])', 5, "4m", "job kube-state-metrics"),
        # A range query: one step plus one scrape when that is longer than four scrapes.
        ('rate(x{job="node-exporter"}[1m])', 300, "5m15s", "5m step + 15s"),
        ('max_over_time(rate(x{job="node-exporter"}[1m])[10m:])', 5, "1m", "node-exporter"),
    ],
)
def test_the_window_follows_the_jobs_the_query_reads(
    query: str, step: float, window: str, because: str
) -> None:
    chosen = choose_window(query, parse_scrape_config(CONFIG), step)
    assert chosen.text == window
    assert because in chosen.reason


def test_the_window_is_grafanas_rate_interval() -> None:
    intervals = ScrapeIntervals(30.0)
    for step in (1, 15, 60, 119, 120, 121, 3600):
        chosen = choose_window("rate(x[1m])", intervals, step)
        assert chosen.seconds == max(4 * 30, step + 30)


def test_an_assumed_interval_says_so_and_how_to_correct_it() -> None:
    chosen = choose_window("rate(x[1m])", assumed("/api/v1/status/config: 404: not found"), 5)
    assert chosen.text == "4m"
    text = chosen.describe()
    assert "assumed" in text and "404" in text and "--var scrape_interval" in text


class FakePrometheus:
    """A client whose status_config answers from a script."""

    def __init__(self, *answers: str | BackendError) -> None:
        self.answers = list(answers)
        self.asked = 0
        self.endpoint = type("E", (), {"url": "http://prom"})()

    async def status_config(self) -> str:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BackendError):
            raise answer
        return answer


async def test_the_config_is_asked_once_per_ttl() -> None:
    cache = ScrapeIntervalCache(ttl=600)
    prom = FakePrometheus(CONFIG, "global: {scrape_interval: 1m}\n")
    assert (await cache.get(prom, 1000.0)).default == 15
    assert (await cache.get(prom, 1599.0)).default == 15
    assert prom.asked == 1
    assert (await cache.get(prom, 1600.0)).default == 60
    assert prom.asked == 2


async def test_a_refused_config_is_assumed_and_not_asked_again_soon() -> None:
    refused = BackendError("prometheus", FailureKind.NOT_FOUND, "404: is this a Prometheus URL?")
    cache = ScrapeIntervalCache(ttl=600)
    prom = FakePrometheus(refused, CONFIG)
    first = await cache.get(prom, 0.0)
    assert first.default == PROMETHEUS_DEFAULT_INTERVAL and "404" in first.problem
    await cache.get(prom, RETRY_AFTER + 1)
    assert prom.asked == 1  # a 404 will not heal in a minute


async def test_a_transient_failure_is_retried_after_a_minute() -> None:
    down = BackendError("prometheus", FailureKind.TIMEOUT, "timed out")
    cache = ScrapeIntervalCache(ttl=600)
    prom = FakePrometheus(down, CONFIG)
    assert (await cache.get(prom, 0.0)).problem
    assert (await cache.get(prom, RETRY_AFTER - 1)).problem
    healed = await cache.get(prom, RETRY_AFTER + 1)
    assert healed.default == 15 and not healed.problem


async def test_an_unreadable_config_is_assumed_with_why_and_not_asked_again_before_the_ttl() -> None:
    cache = ScrapeIntervalCache(ttl=600)
    prom = FakePrometheus("global: [not, a, mapping]\n", CONFIG)
    first = await cache.get(prom, 0.0)
    assert first.default == PROMETHEUS_DEFAULT_INTERVAL
    assert first.problem.startswith("/api/v1/status/config unreadable: ")
    assert (await cache.get(prom, 599.0)) == first  # a config does not mend itself in a minute
    assert prom.asked == 1
    assert (await cache.get(prom, 600.0)).default == 15
    assert prom.asked == 2


class _Endpoint:
    def __init__(self, url: str, tenant: str | None = None) -> None:
        self.url = url
        self.auth = type("A", (), {"tenant_id": tenant})()


async def test_each_server_and_each_tenant_of_one_keeps_its_own_intervals() -> None:
    cache = ScrapeIntervalCache(ttl=600)
    servers = {
        ("http://a", None): "global: {scrape_interval: 10s}\n",
        ("http://b", None): "global: {scrape_interval: 20s}\n",
        ("http://mimir", "team-a"): "global: {scrape_interval: 30s}\n",
        ("http://mimir", "team-b"): "global: {scrape_interval: 40s}\n",
    }
    proms = []
    for (url, tenant), config in servers.items():
        prom = FakePrometheus(config)
        prom.endpoint = _Endpoint(url, tenant)
        proms.append(prom)
    for _ in range(2):  # the second time from the cache, each its own
        assert [(await cache.get(p, 0.0)).default for p in proms] == [10, 20, 30, 40]
    assert [p.asked for p in proms] == [1, 1, 1, 1]


WINDOW_PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: windows}
health:
  entity: {type_label: job, instance_label: instance}
  up: up
red:
  groups:
    ksm:
      by: [namespace]
      rate: >-
        sum by (namespace) (count_over_time(kube_pod_status_ready{job="kube-state-metrics"}[$rate_window]))
      errors: >-
        sum by (namespace) (count_over_time(kube_pod_status_ready{job="kube-state-metrics"}[$rate_window]))
      duration: {histogram: prometheus_http_request_duration_seconds, selector: 'job="prometheus"'}
"""


def _window_service(urls: DemoUrls, tmp_path: Path, **overrides: str) -> RefreshService:
    path = tmp_path / "windows.yaml"
    path.write_text(WINDOW_PACK)
    packs = load_packs([], [path])
    assert not packs.errors, packs.errors
    backends = BackendSet(prometheus=PrometheusClient(EndpointSettings(url=urls.prometheus)))
    return RefreshService(
        "demo", packs.packs["windows"].pack, backends, overrides=overrides, clock=frozen_clock
    )


async def test_each_query_gets_the_window_of_the_job_it_reads(frozen_demo: Demo, tmp_path: Path) -> None:
    service = _window_service(frozen_demo[1], tmp_path)
    try:
        board = await service.refresh()
        # kube-state-metrics is scraped every 30s in the demo (seed 000), Prometheus every 15s.
        assert service.rate_window("red.ksm.rate").text == "2m"
        assert "[2m]" in service.text("red.ksm.rate")
        assert service.rate_window("red.ksm.p99").text == "1m"
        assert "kube-state-metrics" in service.rate_window("red.ksm.rate").reason
        assert board.red, "the queries answered"
        detail = await service.detail(group="ksm", labels={"namespace": "monitoring"})
        rate_query = next(text for name, text in detail.queries.items() if name.startswith("rate"))
        # The drill-down shows the window and why, as a PromQL comment above the query.
        assert rate_query.startswith("# $rate_window = ")
        assert "scrape interval of job kube-state-metrics" in rate_query
    finally:
        await service.backends.aclose()


async def test_the_variable_overrides_the_server(frozen_demo: Demo, tmp_path: Path) -> None:
    fixed = _window_service(frozen_demo[1], tmp_path, rate_window="7m")
    slow = _window_service(frozen_demo[1], tmp_path, scrape_interval="1m")
    try:
        await fixed.refresh()
        await slow.refresh()
        assert "[7m]" in fixed.text("red.ksm.rate") and "[7m]" in fixed.text("red.ksm.p99")
        assert "rate_window variable" in fixed.rate_window("red.ksm.rate").reason
        assert slow.rate_window("red.ksm.p99").text == "4m"
    finally:
        await fixed.backends.aclose()
        await slow.backends.aclose()


async def test_a_server_without_its_config_gets_the_default_and_says_so(tmp_path: Path) -> None:
    async def not_found(_: web.Request) -> web.Response:
        return web.Response(status=404, text="404 page not found")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    with serving(app) as (url,):
        urls = DemoUrls(url, url, url, url)
        service = _window_service(urls, tmp_path)
        try:
            await service.refresh()
            window = service.rate_window("red.ksm.rate")
            assert window.text == "4m"
            assert "assumed" in window.reason and "404" in window.reason
        finally:
            await service.backends.aclose()


# PackQueries in process: which jobs serve each metric, asked of the server, and the overrides.
PACED = QueryPack.model_validate(
    {
        "apiVersion": "opsconsole.dev/v1",
        "kind": "QueryPack",
        "metadata": {"name": "paced"},
        "health": {
            "entity": {"type_label": "job", "instance_label": "instance"},
            "up": "up",
            "signals": {
                "fast": {"query": "sum(rate(fast_total[$rate_window]))"},
                "slow": {"query": "sum(rate(slow_total[$rate_window]))"},
                "gauge": {"query": "max(avg_over_time(temp_celsius[$scrape_interval]))"},
            },
        },
        "slos": {
            "avail": {
                "objective": 0.99,
                "window": "30d",
                "ratio": {"bad": "sum(rate(err_total[$window]))", "total": "sum(rate(req_total[$window]))"},
            }
        },
        "logs": {"selector": '{app="shop"}', "entity_selector": '{app="shop", pod="$entity"}'},
    }
)
PACED_CONFIG = """\
global: {scrape_interval: 15s}
scrape_configs:
- job_name: fast
- job_name: mid
  scrape_interval: 30s
- job_name: slow
  scrape_interval: 1m
"""
SERVED_BY = {"fast_total": "fast", "slow_total": "slow", "temp_celsius": "mid"}


class JobsPrometheus(FakePrometheus):
    """Serves ``config`` and answers which job serves each metric; records each instant query."""

    def __init__(self, config: str = PACED_CONFIG) -> None:
        super().__init__(*[config] * 10)
        self.queries: list[tuple[str, float]] = []

    async def query(self, promql: str, at: float) -> QueryResult:
        self.queries.append((promql, at))
        series = [{"metric": {"__name__": m, "job": j}, "value": [at, "1"]} for m, j in SERVED_BY.items()]
        return QueryResult.model_validate({"result_type": "vector", "vector": series})


def _paced(**overrides: str) -> PackQueries:
    return PackQueries(PACED, overrides, refresh_interval=5.0, scrape_intervals=ScrapeIntervalCache())


async def test_a_query_naming_no_job_gets_the_interval_of_the_jobs_serving_its_metrics() -> None:
    queries, prom = _paced(), JobsPrometheus()
    assert queries.intervals().problem == "not asked yet"  # what `packs render` says before asking
    await queries.update_intervals_of(prom, 1000.0)  # type: ignore[arg-type]
    metrics = any_of({"fast_total", "slow_total", "temp_celsius"})
    assert prom.queries == [(f"count by (__name__, job) ({{__name__=~{metrics}}})", 1000.0)]
    texts = queries.texts()
    assert texts["health.signals.fast"] == "sum(rate(fast_total[1m]))"  # 4 scrapes of 15s
    assert texts["health.signals.slow"] == "sum(rate(slow_total[4m]))"  # 4 scrapes of 1m
    assert texts["health.signals.gauge"] == "max(avg_over_time(temp_celsius[30s]))"  # its job's interval
    assert texts["slos.avail.total"] == "sum(rate(req_total[30d]))"  # $window as the views show it
    assert "logs.entity" not in texts  # needs an entity
    assert (
        queries.settle_seconds("health.signals.fast", 30.0),
        queries.settle_seconds("health.signals.slow", 30.0),
    ) == (
        15.0,
        60.0,
    )
    # Asked again only after DISCOVERY_TTL.
    await queries.update_intervals_of(prom, 1000.0 + DISCOVERY_TTL - 1)  # type: ignore[arg-type]
    assert len(prom.queries) == 1
    await queries.update_intervals_of(prom, 1000.0 + DISCOVERY_TTL)  # type: ignore[arg-type]
    assert len(prom.queries) == 2


async def test_jobs_at_one_pace_need_no_asking_which_serves_what() -> None:
    queries, prom = (
        _paced(),
        JobsPrometheus("global: {scrape_interval: 30s}\nscrape_configs:\n- job_name: a\n"),
    )
    await queries.update_intervals_of(prom, 1000.0)  # type: ignore[arg-type]
    assert prom.queries == []
    assert queries.text("health.signals.fast") == "sum(rate(fast_total[2m]))"


async def test_a_set_window_or_interval_is_used_and_the_server_is_not_asked() -> None:
    for overrides, fast in (({"rate_window": "3m"}, "3m"), ({"scrape_interval": "30s"}, "2m")):
        queries, prom = _paced(**overrides), JobsPrometheus()
        await queries.update_intervals_of(prom, 1000.0)  # type: ignore[arg-type]
        await queries.update_intervals_of(None, 1000.0)
        assert (prom.asked, prom.queries) == (0, [])
        assert queries.text("health.signals.fast") == f"sum(rate(fast_total[{fast}]))"
    # A set window says nothing of the scrape interval: a range is final after the longest one.
    assert _paced(rate_window="3m").settle_seconds("health.signals.fast", 30.0) == PROMETHEUS_DEFAULT_INTERVAL
    assert _paced(scrape_interval="30s").settle_seconds("health.signals.fast", 30.0) == 30.0


async def test_intervals_assumed_without_a_server_say_why_and_replace_the_servers() -> None:
    queries = _paced()
    await queries.update_intervals_of(JobsPrometheus(), 1000.0)  # type: ignore[arg-type]
    assert queries.text("health.signals.fast") == "sum(rate(fast_total[1m]))"
    queries.assume_intervals("no Prometheus to ask")
    assert queries.intervals().problem == "no Prometheus to ask"
    assert queries.text("health.signals.fast") == "sum(rate(fast_total[4m]))"  # 4 of Prometheus' 1m
    assert queries.uses_rate_window("health.signals.fast")
    assert not queries.uses_rate_window("health.up")


def test_a_variable_set_for_the_context_is_in_the_texts_and_a_required_one_unset_is_named() -> None:
    pack = QueryPack.model_validate(
        {
            "apiVersion": "opsconsole.dev/v1",
            "kind": "QueryPack",
            "metadata": {"name": "vars"},
            "variables": {"namespace": {"default": "default"}, "cluster": {"example": "prod"}},
            "saturation": {
                "pods": {"query": 'count(kube_pod_info{namespace="$namespace", cluster="$cluster"})'}
            },
        }
    )
    unset = PackQueries(
        pack, {"namespace": "shop"}, refresh_interval=5.0, scrape_intervals=ScrapeIntervalCache()
    )
    assert unset.missing is not None and unset.missing.names == ["cluster"]
    assert "needs $cluster" in str(unset.missing)
    both = PackQueries(
        pack,
        {"namespace": "shop", "cluster": "eu"},
        refresh_interval=5.0,
        scrape_intervals=ScrapeIntervalCache(),
    )
    assert both.missing is None
    assert both.texts()["saturation.pods"] == 'count(kube_pod_info{namespace="shop", cluster="eu"})'
