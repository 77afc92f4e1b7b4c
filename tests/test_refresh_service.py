"""The refresh service: pane models from the demo and from real backends, de-duplication, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.loki_models import LogEntry
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.cells import log_cells
from opsconsole.ui.themes import load_themes
from tests.support.demo_fixtures import FROZEN_NOW
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, RunningServer, wait_until
from tests.support.refresh_fixtures import NO_RETRY, TEST_PACK, builtin_pack, demo_service
from tests.support.ui_harness import DEAD_URL

Demo = tuple[DemoStack, DemoUrls]


async def test_every_pane_is_populated_and_the_incident_shows_everywhere(frozen_demo: Demo) -> None:
    stack, urls = frozen_demo
    service = demo_service(urls)
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    world = stack.world
    assert all(
        board.pane_status(p).error is None for p in ("health", "saturation", "red", "alerts", "slo", "logs")
    )
    assert all(not board.pane_status(p).empty for p in ("health", "saturation", "red", "slo")), board.status
    down = next(r for r in board.health if r.entity == world.instance("npa-3").pod)
    assert down.state == "down"
    assert down.entity_label == "kubernetes_pod_name"
    assert down.since == pytest.approx(FROZEN_NOW - 150, abs=30)  # down since scenario minute 2.5
    assert down.since_exact
    # Targets without a pod name (the core API's endpoints, the exporters) are named by instance.
    core = next(r for r in board.health if r.entity == world.instance("core-1").instance)
    assert core.entity_label == "instance" and core.entity_type == "progressive-framework-v5"
    staging = {i.pod for i in world.instances if i.namespace == "progressive-framework-staging"}
    assert staging and not staging & {r.entity for r in board.health}  # the pack's namespace only
    npa = next(r for r in board.red if r.group == "agents" and r.key == "npa")
    assert npa.errors.value is not None
    assert npa.errors.value > 0.01
    assert npa.p95.level == "crit"  # 000's AgentHighLatency pages at p95 > 10 s
    assert len(npa.history["errors"]) >= 10
    wpa = next(r for r in board.red if r.group == "agents" and r.key == "wpa")
    assert wpa.errors.value == 0.0 and wpa.errors.text == "0%"  # traffic and no 5xx series
    firing = {a.alertname for g in board.alerts for a in g.alerts if a.state == "firing"}
    assert {"AgentUnresponsive", "AgentHighLatency", "AgentCoordinationFailure", "AgentMemoryHigh"} <= firing
    outside = {a.alertname for g in board.alerts_outside for a in g.alerts}
    assert {"APIHighErrorRate", "AgentCoordinationFailures"} <= outside  # FreeAgentics' own alerts
    assert board.firing_outside > 0 and "outside this pack" in board.alerts_title()
    assert {s.name for s in board.slos} == {
        "core-availability",
        "core-latency",
        "core-errors",
        "agents-availability",
        "agents-errors",
        "agents-latency",
        "database-availability",
    }
    assert all(s.figures.status != "no data" for s in board.slos)
    assert {r.name for r in board.saturation} == {"pg-connections", "redis-memory", "database-connections"}
    npa2 = world.instance("npa-2").pod
    assert any(row.level == "error" and row.entity == npa2 and row.trace_id for row in board.logs)
    assert board.queries["health.up"].startswith("up{")
    assert board.notices == []


async def test_identical_queries_are_sent_once_per_refresh(frozen_demo: Demo) -> None:
    service = demo_service(frozen_demo[1])
    try:
        await service.refresh()
    finally:
        await service.backends.aclose()
    # health.up is asked for the instant value and for the "since" history; SLO windows overlap.
    assert service.stats.asked > service.stats.sent
    assert service.stats.sent > 20


async def test_a_dead_prometheus_greys_its_panes_and_keeps_the_last_good_rows(frozen_demo: Demo) -> None:
    service = demo_service(frozen_demo[1])
    try:
        first = await service.refresh()
        good_health = first.health
        await service.backends.prometheus.aclose()  # type: ignore[union-attr]
        service.backends.prometheus = PrometheusClient(EndpointSettings(url=DEAD_URL), retry=NO_RETRY)
        second = await service.refresh()
    finally:
        await service.backends.aclose()
    for pane in ("health", "red", "slo"):
        status = second.pane_status(pane)
        assert status.error is not None
        assert "connection refused" in status.error
        assert status.updated_at == first.pane_status(pane).updated_at  # the data's age is kept
    assert [r.entity for r in second.health] == [r.entity for r in good_health]
    assert second.pane_status("alerts").error is None
    assert second.pane_status("logs").error is None
    prometheus = next(b for b in second.backends if b.kind == "prometheus")
    assert prometheus.error is not None


async def test_recovery_on_the_first_good_answer(frozen_demo: Demo) -> None:
    urls = frozen_demo[1]
    service = demo_service(urls, prometheus_url=DEAD_URL)
    try:
        broken = await service.refresh()
        assert broken.health == []
        assert broken.pane_status("health").error is not None
        await service.backends.prometheus.aclose()  # type: ignore[union-attr]
        service.backends.prometheus = PrometheusClient(EndpointSettings(url=urls.prometheus))
        healed = await service.refresh()
    finally:
        await service.backends.aclose()
    assert healed.pane_status("health").error is None
    assert healed.health


def test_hostile_log_lines_cannot_reach_the_terminal_or_rich_markup(frozen_demo: Demo) -> None:
    service = demo_service(frozen_demo[1])
    hostile = (
        '{"level": "error", "agent_id": "x\\u001b[2J", '
        '"message": "[bold red]pwned[/] \\u001b]52;c;ZXZpbA==\\u0007 \\u001b]8;;http://evil\\u001b\\\\link"}'
    )
    row = service.log_row(LogEntry(ts_ns=1, line=hostile, labels={"app": "x"}))
    assert "\x1b" not in row.message
    assert "\x07" not in row.message
    assert "\x1b" not in row.entity
    theme = load_themes()[0]["dark"]
    message_cell = log_cells(row, theme)[3]
    assert message_cell.plain == row.message  # markup stays literal text
    assert "[bold red]pwned[/]" in message_cell.plain
    assert not message_cell.spans or all(str(s.style) != "bold red" for s in message_cell.spans)


async def test_real_prometheus_and_alertmanager_fill_the_panes(
    tmp_path: Path, real_prometheus: RunningServer, real_alertmanager: RunningAlertmanager
) -> None:
    (tmp_path / "fixture.yaml").write_text(TEST_PACK)
    packs = load_packs([(tmp_path, "user")])
    assert not packs.errors, packs.errors
    backends = BackendSet(
        prometheus=PrometheusClient(EndpointSettings(url=real_prometheus.url)),
        alertmanagers=[AlertmanagerClient(EndpointSettings(url=real_alertmanager.url))],
    )
    service = RefreshService("real", packs.packs["fixture"].pack, backends)

    def two_scrapes() -> bool:
        # rate() needs two samples; a fresh fixture may have scraped only once.
        body = (
            http_client()
            .get(
                f"{real_prometheus.url}/api/v1/query",
                params={"query": "sum(rate(opsconsole_test_requests_total[1m]))"},
                timeout=10,
            )
            .json()
        )
        return bool(body["data"]["result"])

    wait_until(two_scrapes, timeout=30, what="two scrapes of the test target")
    try:
        board = await service.refresh()
    finally:
        await backends.aclose()
    assert [(r.entity_type, r.state) for r in board.health] == [("test-target", "ok")]
    [row] = board.red
    assert row.key == "test-target"
    # The fixture's counters only move when a test drives them: zero traffic is a rate of 0, and
    # a latency quantile of no requests is "no data" (NaN from Prometheus), never 0 ms.
    assert row.rate.value == 0.0
    assert row.p50.value is None
    assert row.p50.text == "—"
    [group] = board.alerts
    assert group.alerts[0].alertname == "OpsconsoleTestAlwaysFiring"
    assert board.pane_status("alerts").error is None
    assert board.pane_status("logs").error is None  # no Loki configured: an empty pane, not an error
    assert [s.name for s in board.slos] == ["availability"]


async def test_ha_peers_are_deduplicated_and_separate_clusters_are_named(
    tmp_path: Path,
    real_alertmanager: RunningAlertmanager,
    real_prometheus: RunningServer,
    live_demo: DemoUrls,
) -> None:
    def am(url: str, cluster: str, name: str) -> AlertmanagerClient:
        return AlertmanagerClient(EndpointSettings(url=url, cluster=cluster, name=name), retry=NO_RETRY)

    (tmp_path / "fixture.yaml").write_text(TEST_PACK)
    pack = load_packs([(tmp_path, "user")]).packs["fixture"].pack
    ha = BackendSet(
        alertmanagers=[
            am(DEAD_URL, "main", "am-0"),  # one peer down: the pair still answers
            am(real_alertmanager.url, "main", "am-1"),
            am(real_alertmanager.url, "main", "am-2"),  # the same alerts again, as an HA peer reports them
        ]
    )
    service = RefreshService("ha", pack, ha)  # type: ignore[arg-type]
    try:
        board = await service.refresh()
    finally:
        await ha.aclose()
    names = [a.alertname for g in board.alerts for a in g.alerts]
    assert names == ["OpsconsoleTestAlwaysFiring"]  # three peers, one alert
    assert board.alerts[0].alerts[0].cluster == ""  # one cluster: no need to name it
    assert board.pane_status("alerts").error is None
    down = next(b for b in board.backends if b.name == "alertmanager am-0")
    assert down.error is not None

    two = BackendSet(
        alertmanagers=[
            am(real_alertmanager.url, "lab", "lab-0"),
            am(live_demo.alertmanager, "demo", "demo-0"),
        ]
    )
    service = RefreshService("two", builtin_pack(), two)
    service.queries.values["namespace"] = "progressive-framework-prod"
    try:
        board = await service.refresh()
    finally:
        await two.aclose()
    clusters = {a.cluster for g in board.alerts for a in g.alerts}
    assert clusters == {"demo"}  # the pack's matchers scope to its namespace: only the demo's alerts
    assert all(a.source == "demo-0" for g in board.alerts for a in g.alerts)


async def test_latency_slo_threshold_must_be_a_bucket_boundary(frozen_demo: Demo) -> None:
    service = demo_service(frozen_demo[1])
    latency = service.pack.slos["core-latency"].latency
    assert latency is not None
    try:
        ok = await service.refresh()
        object.__setattr__(latency, "threshold", 0.3)  # between the demo's 0.25 and 0.5 buckets
        bad = await service.refresh()
    finally:
        object.__setattr__(latency, "threshold", 0.5)
        await service.backends.aclose()
    assert next(r for r in ok.slos if r.name == "core-latency").problem == ""
    row = next(r for r in bad.slos if r.name == "core-latency")
    assert row.problem.startswith("threshold 0.3s is not a bucket boundary")
    assert "0.25, 0.5" in row.problem
    assert row.figures.status == "no data"


async def test_day_long_slo_windows_are_requeried_at_most_once_a_minute(frozen_demo: Demo) -> None:
    now = [FROZEN_NOW]
    service = demo_service(frozen_demo[1])
    service.clock = lambda: now[0]
    try:
        first = await service.refresh()
        sent_first = service.stats.asked
        now[0] += 30
        second = await service.refresh()
        sent_cached = service.stats.asked
        now[0] += 31
        await service.refresh()
        sent_expired = service.stats.asked
    finally:
        await service.backends.aclose()
    # Every SLO query over a day or more (the SLO window, 1d, 3d) is skipped while fresh; so are
    # the Sloth/Pyrra discovery (4 queries, every 5 minutes) and one data-coverage probe per SLO
    # (the demo's history covers every window, so one probe each; every 10 minutes).
    plans = service.slo_pane.pack_plans
    slow = sum(len(p.templates) * 3 for p in plans)
    discovery, coverage = 4, len(plans)
    assert slow == 5 * 3 * 2 + 2 * 3 * 1  # five bad/good+total SLOs, two error_ratio ones
    assert sent_first - sent_cached == slow + discovery + coverage
    assert sent_expired == sent_first - discovery - coverage
    assert [s.figures.consumed for s in second.slos] == [s.figures.consumed for s in first.slos]


async def test_an_unreachable_prometheus_is_tried_a_few_times_per_refresh_not_once_per_query(
    frozen_demo: Demo,
) -> None:
    """A refresh asks ~150 queries; once the server refuses connections the rest fail at once
    instead of each trying (and backing off) on its own."""
    service = demo_service(frozen_demo[1], prometheus_url=DEAD_URL)
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    assert service.stats.asked > 50
    assert service.backends.prometheus is not None
    assert service.backends.prometheus.requests_sent <= 8
    assert "connection refused" in (board.pane_status("health").error or "")
    assert "connection refused" in (board.pane_status("slo").error or "")
