"""Every query of every built-in pack returns data on the demo, and every pane it has is filled.

The demo serves the standard exporters' own names (demo/standard_exporters.py), so a pack that
drifts from kube-state-metrics, cAdvisor, node-exporter, OpenTelemetry or the stack's
self-metrics comes back empty here. Queries are rendered exactly as the console renders them
(variables, the server-derived ``$rate_window``), at the demo's frozen instant mid-incident.
"""

from __future__ import annotations

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.demo.kube_cluster import OOM_POD
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.demo.world import NAMESPACE
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from tests.support.demo_fixtures import FROZEN_NOW, INCIDENT_LEAD_IN, frozen_clock, running_demo
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT

Demo = tuple[DemoStack, DemoUrls]

PACKS = ["progressive-framework", "freeagentics", "kubernetes", "otel-http", "meta"]
# What the demo's context sets (opsconsole demo passes the world's namespace).
DEMO_VARIABLES = {"namespace": NAMESPACE}


def _service(urls: DemoUrls, pack: str, variables: dict[str, str] | None = None) -> RefreshService:
    loaded = load_packs([(builtin_queries_dir(), "builtin")]).packs[pack].pack
    backends = BackendSet(
        prometheus=PrometheusClient(EndpointSettings(url=urls.prometheus, timeout=HEALTHY_STACK_TIMEOUT)),
        alertmanagers=[
            AlertmanagerClient(EndpointSettings(url=urls.alertmanager, timeout=HEALTHY_STACK_TIMEOUT))
        ],
        loki=LokiClient(EndpointSettings(url=urls.loki, timeout=HEALTHY_STACK_TIMEOUT)),
    )
    overrides = {**DEMO_VARIABLES, **(variables or {})}
    return RefreshService("demo", loaded, backends, overrides=overrides, clock=frozen_clock)


@pytest.fixture
def service(frozen_demo: Demo, request: pytest.FixtureRequest) -> RefreshService:
    return _service(frozen_demo[1], request.param)


@pytest.mark.parametrize("service", PACKS, indirect=True)
async def test_every_promql_query_returns_data_on_the_demo(service: RefreshService) -> None:
    await service.refresh()  # reads the server's scrape intervals, as the console does
    prom = service.backends.prometheus
    assert prom is not None
    empty, answered, ran = [], set(), 0
    try:
        for qid, text in service.query_texts().items():
            if qid.startswith("logs.") or qid.startswith("traces."):
                continue
            ran += 1
            result = await prom.query(text, FROZEN_NOW)
            if result.is_empty:
                empty.append(qid)
            else:
                answered.add(qid)
    finally:
        await service.backends.aclose()
    # An error counter appears with its first error (the seeds' prom-client counters are labelled by
    # status code), so on a service with no 5xx yet only the numerator is empty: the pane shows 0%,
    # which the next test checks. Its denominator must have data.
    no_errors_yet = {
        qid
        for qid in empty
        if (qid.endswith(".errors") and qid.replace(".errors", ".rate") in answered)
        or (qid.endswith(".bad") and qid.replace(".bad", ".total") in answered)
    }
    assert [q for q in empty if q not in no_errors_yet] == []
    assert ran >= 8


@pytest.mark.parametrize("service", PACKS, indirect=True)
async def test_every_pane_the_pack_has_is_filled_on_the_demo(service: RefreshService) -> None:
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    pack = service.pack
    assert {pane: s.error for pane, s in board.status.items() if s.error} == {}
    assert board.notices == []  # nothing renamed exported_*, no variable missing
    if pack.health:
        assert board.health and all(row.up is not None for row in board.health)
        for name in pack.health.signals:
            assert any(row.signals[name].value is not None for row in board.health), name
    if pack.red:
        for group in pack.red.groups:
            rows = [r for r in board.red if r.group == group]
            assert rows, group
            for part in ("rate", "errors", "p50", "p95", "p99"):
                assert any(getattr(r, part).value is not None for r in rows), (group, part)
    for slo in board.slos:
        assert slo.status != "no data", slo.name
    if pack.alerts.matchers:
        assert board.alerts, "the pack's alert matchers select the demo's alerts"
    if pack.logs and pack.logs.selector is not None:
        assert board.logs


async def test_the_kubernetes_pack_asks_for_a_namespace_and_sends_nothing(frozen_demo: Demo) -> None:
    loaded = load_packs([(builtin_queries_dir(), "builtin")]).packs["kubernetes"].pack
    prom = PrometheusClient(EndpointSettings(url=frozen_demo[1].prometheus))
    service = RefreshService("demo", loaded, BackendSet(prometheus=prom), clock=frozen_clock)
    try:
        board = await service.refresh()
    finally:
        await prom.aclose()
    assert prom.requests_sent == 0
    assert board.health == [] and board.notices
    notice = board.notices[0]
    assert "$namespace" in notice and "--var namespace=" in notice
    assert all(status.error == notice for status in board.status.values())
    assert service.tail_request() is None


async def test_every_namespace_shows_one_row_per_pod_with_its_namespace(frozen_demo: Demo) -> None:
    service = _service(frozen_demo[1], "kubernetes", {"namespace": ".+"})
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    namespaces = {row.entity_type for row in board.health}
    assert {NAMESPACE, "kube-system", "monitoring"} <= namespaces
    keys = [(row.entity_type, row.entity) for row in board.health]
    assert len(keys) == len(set(keys))


async def test_the_oom_signal_shows_a_recent_kill_only(frozen_demo: Demo) -> None:
    service = _service(frozen_demo[1], "kubernetes")
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    oom = {row.entity: row.signals["oom"].value for row in board.health}
    # redis-0 was OOM-killed 25 minutes ago; the others never were (0, not "no data").
    assert oom.pop(OOM_POD) == pytest.approx(1, abs=0.2)
    assert set(oom.values()) == {0.0}


async def test_an_oom_kill_older_than_an_hour_no_longer_shows() -> None:
    # The same world an hour and a half later: redis-0's last termination is still OOMKilled
    # (kube-state-metrics keeps the reason until the next one), but the kill is not recent.
    with running_demo(lead_in=INCIDENT_LEAD_IN + 5400) as (_, urls):
        service = _service(urls, "kubernetes")
        try:
            board = await service.refresh()
        finally:
            await service.backends.aclose()
    redis = next(row for row in board.health if row.entity == OOM_POD)
    assert redis.signals["oom"].value == 0


@pytest.mark.parametrize(
    ("variable", "figures"),
    [
        ("prometheus_job", ["rule-failures", "notifications-dropped", "tsdb-head-series"]),
        ("alertmanager_job", ["notifications-failed", "am-peers"]),
        ("loki_job", ["loki-discarded"]),
    ],
)
async def test_a_component_not_scraped_is_no_data_never_zero(
    frozen_demo: Demo, variable: str, figures: list[str]
) -> None:
    service = _service(frozen_demo[1], "meta", {variable: "not-scraped-here"})
    prom = service.backends.prometheus
    assert prom is not None
    try:
        await service.refresh()
        for name in figures:
            result = await prom.query(service.text(f"saturation.{name}"), FROZEN_NOW)
            assert result.is_empty, f"{name} answers {result.vector} for a component nobody scrapes"
    finally:
        await service.backends.aclose()


def test_no_builtin_pack_turns_absent_into_zero() -> None:
    for path in builtin_queries_dir().glob("*.yaml"):
        assert "vector(0)" not in path.read_text().replace(" ", ""), path.name


def test_render_leaves_a_required_variable_visible_until_it_is_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from opsconsole.cli import main

    assert main(["packs", "render", "kubernetes"]) == 0
    assert 'namespace=~"$namespace"' in capsys.readouterr().out
    assert main(["packs", "render", "kubernetes", "--var", "namespace=payments"]) == 0
    out = capsys.readouterr().out
    assert 'namespace=~"payments"' in out and "$namespace" not in out
