"""PromQL conformance: the demo engine against a real Prometheus that scrapes the same world.

A real Prometheus scrapes the world model's exporter every second (samples carry explicit
timestamps on the whole-second grid); the simulated Prometheus evaluates the same world with a
1-second scrape grid. Every query below must give the same series with values within tolerance.
The simulator follows Prometheus 3 (left-open ranges, ``le`` stored in float form), so the real
side is the current release, whatever the suite's default.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.demo.exporter import exporter_app
from opsconsole.demo.prometheus_sim import SimulatedPrometheus, prometheus_app
from opsconsole.demo.world import World
from tests.support.demo_fixtures import serving
from tests.support.real_servers import CURRENT, start_prometheus, wait_until

NS = 'kubernetes_namespace="progressive-framework-prod"'
AGENTS = f'{{{NS}, job="progressive-agents"}}'
MCA_POD = 'kubernetes_pod_name=~"mca-deployment-.*"'

# (query, relative tolerance). Windows are short because the real Prometheus only has the data
# scraped since the fixture started.
QUERIES: list[tuple[str, float]] = [
    (f"up{AGENTS}", 0.0),
    (f"count by (agent_type) (up{AGENTS})", 0.0),
    (f"sum(up{AGENTS} == bool 1)", 0.0),
    ('{__name__=~"(mca|npa|wpa|bma)_health_status", agent_id=~"npa-.*"}', 1e-9),
    ('progressive_agent_memory_usage_bytes{agent_id!~"npa-.*", agent_type!="bma"}', 1e-9),
    ("npa_active_connections > 5", 1e-9),
    ("npa_active_connections > bool 5", 0.0),
    ("topk(3, progressive_agent_memory_usage_bytes)", 1e-9),
    ("bottomk(2, progressive_agent_memory_usage_bytes)", 1e-9),
    ("max by (agent_type) (progressive_agent_memory_usage_bytes)", 1e-9),
    ("min without (instance, agent_id) (progressive_agent_memory_usage_bytes)", 1e-9),
    ("avg by (agent_type) (progressive_agent_memory_usage_bytes)", 1e-9),
    ("sum by (agent_type) (rate(progressive_agent_requests_total[30s]))", 0.02),
    ("sum by (route) (increase(progressive_http_requests_total[30s]))", 0.02),
    (f"irate(progressive_agent_requests_total{{{MCA_POD}}}[10s])", 0.02),
    (
        'sum(rate(progressive_agent_requests_total{status=~"5.."}[30s]))'
        " / sum(rate(progressive_agent_requests_total[30s]))",
        0.03,
    ),
    (
        "histogram_quantile(0.95, sum by (le, agent_type) "
        "(rate(progressive_agent_response_time_seconds_bucket[30s])))",
        0.05,
    ),
    ("avg_over_time(progressive_agent_memory_usage_bytes[20s])", 0.02),
    ("max_over_time(progressive_agent_memory_usage_bytes[20s])", 0.02),
    # Samples sit on the whole-second grid: a closed range (Prometheus 2) would count 11, not 10.
    ("count_over_time(progressive_agent_memory_usage_bytes[10s])", 0.0),
    ("count_over_time(progressive_agent_memory_usage_bytes[10s:1s])", 0.0),
    # Prometheus 3 stores a histogram's le="1" as le="1.0": the label sets must agree.
    (f"count by (le) (progressive_agent_response_time_seconds_bucket{{{MCA_POD}}})", 0.0),
    (
        "sum by (kubernetes_pod_name) (rate(progressive_agent_requests_total[30s]))"
        " * on (kubernetes_pod_name) group_left (agent_id) npa_health_status",
        0.02,
    ),
    (
        f'label_replace(up{{{MCA_POD}}}, "short", "$1", "kubernetes_pod_name", "(mca)-deployment-.*")',
        0.0,
    ),
    ('absent(up{kubernetes_pod_name="nope"})', 0.0),
    ("sum(pg_stat_activity_count) / max(pg_settings_max_connections)", 1e-9),
    # The pack's own shapes: or-fallbacks, or on (instance), label names from the namespace.
    (
        '{__name__=~"(mca|npa|wpa|bma)_health_status", kubernetes_namespace=~"progressive-framework-prod|"}',
        1e-9,
    ),
    (
        "progressive_agent_memory_usage_bytes or on (instance)"
        ' {__name__=~"(mca|npa|wpa|bma)_active_connections"}',
        1e-9,
    ),
    (
        "label_replace(sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[30s])),"
        ' "kubernetes_pod_name", "$1", "pod", "(.+)")',
        0.02,
    ),
    ('1 - avg(avg_over_time(up{job=~"progressive-agents"}[20s]))', 1e-9),
]


def _prometheus_config(target: str) -> str:
    host = target.removeprefix("http://")
    return (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: world\n    honor_labels: true\n    honor_timestamps: true\n"
        f"    static_configs:\n      - targets: ['{host}']\n"
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(real Prometheus URL, simulated Prometheus URL), with ~40 s of scraped data."""
    world = World(7, "npa-degradation", 1.0, time.time() - 45, time.time)
    simulated = SimulatedPrometheus(world, time.time, scrape_interval=1.0)
    with serving(exporter_app(world, time.time), prometheus_app(simulated)) as (exporter, sim_url):
        real = start_prometheus(
            Path(tmp_path_factory.mktemp("conformance")), _prometheus_config(exporter), release=CURRENT
        )
        try:
            started = time.time()

            def enough_data() -> bool:
                body = httpx.get(
                    f"{real.url}/api/v1/query",
                    params={"query": "max(count_over_time(progressive_agent_memory_usage_bytes[40s]))"},
                ).json()
                result = body["data"]["result"]
                return bool(result) and float(result[0]["value"][1]) >= 36

            wait_until(enough_data, timeout=90, interval=1, what="40 s of scraped world samples")
            assert time.time() - started < 90
            yield real.url, sim_url
        finally:
            real.stop()


def _by_labels(samples: list[tuple[dict[str, str], float]]) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(labels.items())): value for labels, value in samples}


async def _vector(url: str, query: str, at: float) -> list[tuple[dict[str, str], float]]:
    client = PrometheusClient(EndpointSettings(url=url))
    try:
        result = await client.query(query, at)
    finally:
        await client.aclose()
    return [(s.metric, s.value if s.value is not None else math.nan) for s in result.vector]


@pytest.mark.parametrize(("query", "tolerance"), QUERIES, ids=[q for q, _ in QUERIES])
def test_simulator_matches_real_prometheus(both: tuple[str, str], query: str, tolerance: float) -> None:
    real_url, sim_url = both
    at = math.floor(time.time()) - 3.0  # both sides have every sample up to here

    async def run() -> tuple[list[tuple[dict[str, str], float]], list[tuple[dict[str, str], float]]]:
        return await asyncio.gather(_vector(real_url, query, at), _vector(sim_url, query, at))

    real, simulated = asyncio.run(run())
    assert real, f"real Prometheus returned nothing for {query}; the query does not test anything"
    real_map, sim_map = _by_labels(real), _by_labels(simulated)
    assert set(sim_map) == set(real_map)
    for labels, expected in real_map.items():
        got = sim_map[labels]
        assert got == pytest.approx(expected, rel=tolerance, abs=1e-9), (labels, got, expected)
