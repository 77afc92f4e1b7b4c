"""The kubernetes, otel-http and meta packs, unedited, against real Prometheus scraping what a real
deployment exposes, at a 15s and at a 1m scrape interval.

Two real Prometheus servers (one per interval) scrape: kube-state-metrics, cAdvisor, the
OpenTelemetry Collector's exporter and Loki as exporters of the tests' own that emit the standard
names (tests/support/standard_exporters.py); two services instrumented by the real OpenTelemetry SDK, one
on the stable and one on the older HTTP conventions; Debian's node-exporter; a real Alertmanager;
and themselves. History is written with promtool before each starts, so rate() over four one-minute
scrapes has its samples at once; the test still waits for one live scrape of every target.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from tests.support.http_client import http_client
from tests.support.real_servers import (
    RunningAlertmanager,
    RunningServer,
    free_port,
    require_binary,
    start_prometheus,
    wait_until,
)
from tests.support.refresh_fixtures import builtin_pack
from tests.support.standard_exporters import (
    NAMESPACE,
    OOM_POD,
    RULES,
    ScrapeJob,
    backfill,
    cadvisor,
    cluster_pods,
    kube_state_metrics,
    loki_self_metrics,
    otel_collector,
    prometheus_config,
    serving,
    snapshot,
    with_query_traffic,
)

pytestmark = pytest.mark.real_backend

INTERVALS = {"15s": 15.0, "1m": 60.0}
PACKS = {"kubernetes": {"namespace": NAMESPACE}, "otel-http": {}, "meta": {}}
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Deployment:
    """One real Prometheus (and the shared Alertmanager) over the standard exporters."""

    prometheus: RunningServer
    alertmanager: RunningAlertmanager
    interval: float


def _wait_metrics(address: str, process: subprocess.Popen[bytes] | None = None) -> None:
    # One client per wait: httpx.get makes one, SSL context and all, at each poll (25-70 ms of CPU).
    with httpx.Client(timeout=2) as client:

        def answers() -> bool:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"exporter on {address} exited with {process.returncode}")
            return client.get(f"http://{address}/metrics").status_code == 200

        wait_until(answers, timeout=30, what=f"/metrics on {address}")


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _sdk_service(name: str, stable: bool) -> tuple[list[str], dict[str, str], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "OTEL_SEMCONV_STABILITY_OPT_IN"}
    env["PYTHONPATH"] = str(ROOT)
    if stable:
        env["OTEL_SEMCONV_STABILITY_OPT_IN"] = "http"
    command = [sys.executable, "-m", "tests.support.otel_http_service", name, str(port)]
    return command, env, f"127.0.0.1:{port}"


def _self_snapshot_job(tmp: Path, port: int, config: str) -> ScrapeJob:
    """Prometheus scraping itself: its exposition comes from a first run of the same server on the
    same port (before its history can be written, it has to have said what it exposes)."""
    probe = start_prometheus(tmp / "probe", config, rules=RULES, port=port)
    try:
        for path, params in (
            ("/api/v1/query", {"query": "up"}),
            ("/api/v1/query_range", {"query": "up", "start": "0", "end": "60", "step": "15"}),
        ):
            http_client().get(f"{probe.url}{path}", params=params, timeout=10)

        # The notifier's counters (the meta pack reads them) appear once it has found its
        # Alertmanager, a moment after the server answers; a client made per request hid that race.
        def notifier_counted() -> bool:
            metrics = http_client().get(f"{probe.url}/metrics", timeout=10).text
            return "prometheus_notifications_dropped_total" in metrics

        wait_until(notifier_counted, what="the probe's notifier counters")
        exposed = snapshot(f"127.0.0.1:{port}")
    finally:
        probe.stop()
    return ScrapeJob("prometheus", [f"127.0.0.1:{port}"], exposition=with_query_traffic(exposed, time.time()))


@pytest.fixture(scope="module")
def deployments(
    tmp_path_factory: pytest.TempPathFactory, real_alertmanager: RunningAlertmanager
) -> Iterator[dict[str, Deployment]]:
    started = time.time()
    pods = cluster_pods(started)
    node_port = free_port()
    stable_cmd, stable_env, stable_addr = _sdk_service("orders", stable=True)
    legacy_cmd, legacy_env, legacy_addr = _sdk_service("billing", stable=False)
    node_cmd = [require_binary("prometheus-node-exporter"), f"--web.listen-address=127.0.0.1:{node_port}"]
    with contextlib.ExitStack() as stack:
        ksm = stack.enter_context(serving(kube_state_metrics(pods), time.time))
        kubelet = stack.enter_context(serving(cadvisor(pods, started), time.time))
        collector = stack.enter_context(serving(otel_collector(started), time.time))
        loki = stack.enter_context(serving(loki_self_metrics(started), time.time))
        for cmd, env, address in (
            (stable_cmd, stable_env, stable_addr),
            (legacy_cmd, legacy_env, legacy_addr),
        ):
            _wait_metrics(address, stack.enter_context(_process(cmd, env)))
        _wait_metrics(f"127.0.0.1:{node_port}", stack.enter_context(_process(node_cmd)))
        alertmanager = real_alertmanager.url.removeprefix("http://")
        jobs = [
            ScrapeJob("kube-state-metrics", [ksm], honor_labels=True, exposition=kube_state_metrics(pods)),
            ScrapeJob("kubernetes-cadvisor", [kubelet], exposition=cadvisor(pods, started)),
            ScrapeJob("node-exporter", [f"127.0.0.1:{node_port}"]),
            ScrapeJob("otel-collector", [collector], honor_labels=True, exposition=otel_collector(started)),
            ScrapeJob("python-services", [stable_addr, legacy_addr]),
            ScrapeJob("alertmanager", [alertmanager]),
            ScrapeJob("loki", [loki], exposition=loki_self_metrics(started)),
        ]
        servers: dict[str, Deployment] = {}
        for name, seconds in INTERVALS.items():
            tmp = tmp_path_factory.mktemp(f"prometheus-{name}")
            port = free_port()
            probe_config = prometheus_config(
                [ScrapeJob("prometheus", [f"127.0.0.1:{port}"]), *jobs], name, alertmanager
            )
            own = _self_snapshot_job(tmp, port, probe_config)
            every = [own, *jobs]
            config = prometheus_config(every, name, alertmanager)
            data = tmp / "data"
            backfill(every, data, time.time(), seconds)
            server = start_prometheus(tmp, config, rules=RULES, storage=data, port=port)
            stack.callback(server.stop)
            servers[name] = Deployment(server, real_alertmanager, seconds)

        wanted = {job.name for job in jobs} | {"prometheus"}
        # One client for the waits: httpx.get made one, SSL context and all, at each poll, and the
        # wait for a 1m scrape polls for up to a minute (25-70 ms of CPU a call, two calls a poll).
        client = stack.enter_context(httpx.Client(timeout=5))

        def all_scraped() -> bool:
            for deployment in servers.values():
                url = f"{deployment.prometheus.url}/api/v1/query"
                answer = client.get(url, params={"query": "up"}).json()
                if {s["metric"]["job"] for s in answer["data"]["result"]} != wanted:
                    return False
            return True

        # A 1m job's first scrape comes up to one interval after start (Prometheus spreads them).
        wait_until(all_scraped, timeout=max(INTERVALS.values()) + 30, what="one scrape of every target")

        def alerted() -> bool:
            alerts = client.get(f"{real_alertmanager.url}/api/v2/alerts").json()
            names = {a["labels"].get("alertname") for a in alerts}
            return {"Watchdog", "KubePodNotReady"} <= names

        wait_until(alerted, timeout=30, what="the standard deployment's alerts in Alertmanager")
        yield servers


def _service(deployment: Deployment, pack: str, **overrides: str) -> RefreshService:
    loaded = builtin_pack(pack)
    backends = BackendSet(
        prometheus=PrometheusClient(EndpointSettings(url=deployment.prometheus.url)),
        alertmanagers=[AlertmanagerClient(EndpointSettings(url=deployment.alertmanager.url))],
    )
    return RefreshService("real", loaded, backends, overrides={**PACKS[pack], **overrides})


async def _empty_queries(service: RefreshService) -> list[str]:
    await service.refresh()
    prom = service.backends.prometheus
    assert prom is not None
    empty = []
    for qid, text in service.query_texts().items():
        if not qid.startswith(("logs.", "traces.")) and (await prom.query(text)).is_empty:
            empty.append(f"{qid}: {text}")
    return empty


@pytest.mark.parametrize("interval", INTERVALS)
@pytest.mark.parametrize("pack", PACKS)
async def test_every_query_of_the_pack_returns_data(
    deployments: dict[str, Deployment], pack: str, interval: str
) -> None:
    service = _service(deployments[interval], pack)
    try:
        assert await _empty_queries(service) == []
        # The window comes from the server: four scrapes of the interval at least.
        windows = {service.rate_window(q).seconds for q in service.query_texts() if not q.startswith("slos.")}
        assert min(windows) >= 4 * INTERVALS[interval]
    finally:
        await service.backends.aclose()


@pytest.mark.parametrize("interval", INTERVALS)
@pytest.mark.parametrize("pack", PACKS)
async def test_every_pane_of_the_pack_is_filled(
    deployments: dict[str, Deployment], pack: str, interval: str
) -> None:
    service = _service(deployments[interval], pack)
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    assert {pane: s.error for pane, s in board.status.items() if s.error} == {}
    assert board.notices == []  # nothing renamed exported_*, no variable missing
    spec = service.pack
    assert spec.health is not None
    assert board.health
    for name in spec.health.signals:
        assert any(row.signals[name].value is not None for row in board.health), name
    if spec.red:
        for group in spec.red.groups:
            rows = [r for r in board.red if r.group == group]
            for part in ("rate", "errors", "p50", "p95", "p99"):
                assert any(getattr(r, part).value is not None for r in rows), (group, part)
    assert all(slo.status != "no data" for slo in board.slos)
    assert board.alerts


async def test_the_kubernetes_pack_sees_what_kube_state_metrics_says(
    deployments: dict[str, Deployment],
) -> None:
    service = _service(deployments["1m"], "kubernetes")
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    rows = {row.entity: row for row in board.health}
    assert set(rows) == {p.name for p in cluster_pods(0) if p.namespace == NAMESPACE}
    assert rows["cache-0"].state == "down"
    assert rows[OOM_POD].signals["oom"].value == pytest.approx(1, abs=0.3)
    assert {r.signals["oom"].value for name, r in rows.items() if name != OOM_POD} == {0.0}
    # cAdvisor's pod cgroup is not counted twice with its container.
    api = rows["api-5d9f7c6b8-x2k4p"]
    assert api.signals["cpu"].value == pytest.approx(0.1, rel=0.05)


async def test_otel_services_are_keyed_on_job_with_the_service_name_joined(
    deployments: dict[str, Deployment],
) -> None:
    service = _service(deployments["15s"], "otel-http")
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    services = {(r.labels["job"], r.labels["service_name"]) for r in board.red if r.group == "services"}
    # The Collector path: service.namespace/service.name in job. The SDKs scraped directly: the
    # scrape job, with service.name from target_info, one row each, whichever convention.
    assert services == {("shop/checkout", ""), ("python-services", "orders"), ("python-services", "billing")}
    legacy = next(r for r in board.red if r.labels.get("service_name") == "billing")
    assert legacy.p50.value is not None and legacy.p50.value < 1, "milliseconds are read as seconds"


async def test_a_fixed_one_minute_window_finds_nothing_at_a_one_minute_scrape(
    deployments: dict[str, Deployment],
) -> None:
    """Why the window must come from the server: the old fixed 1m sees one sample per series."""
    service = _service(deployments["1m"], "kubernetes", rate_window="1m")
    try:
        empty = await _empty_queries(service)
    finally:
        await service.backends.aclose()
    assert "health.signals.cpu" in " ".join(empty)
