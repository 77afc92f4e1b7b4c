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

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from tests.support.http_client import http_client
from tests.support.real_servers import CURRENT, start_prometheus, wait_until
from tests.support.world_process import world_in_another_process

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


# The longest range the queries read (30 s, left-open) and the second before it: every sample a
# query reads, and the one that rate()'s extrapolation looks for at the window's start.
WINDOW = 31


def _prometheus_config(target: str) -> str:
    host = target.removeprefix("http://")
    return (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: world\n    honor_labels: true\n    honor_timestamps: true\n"
        f"    static_configs:\n      - targets: ['{host}']\n"
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(real Prometheus URL, simulated Prometheus URL), with a gapless window of scraped data."""
    with world_in_another_process(time.time() - 45) as (exporter, sim_url):
        real = start_prometheus(
            Path(tmp_path_factory.mktemp("conformance")), _prometheus_config(exporter), release=CURRENT
        )
        try:
            wait_until(
                lambda: _newest_with_every_sample(real.url) is not None,
                timeout=90,  # a window's scrapes, and a minute of a loaded machine's
                interval=1,
                what=f"{WINDOW} s of scraped world samples without a gap",
            )
            yield real.url, sim_url
        finally:
            real.stop()


def _newest_with_every_sample(real_url: str) -> float | None:
    """The real Prometheus's newest sample time, if it holds every scrape of the :data:`WINDOW`
    seconds up to it (the simulated side has them all by construction); None if not.

    The exporter serves one instant after another, so once a loaded machine has delayed its
    scrapes it stays behind the clock: the real side's newest sample, not the clock, says where
    both sides' data ends. A scrape answered after the 1 s interval is dropped by Prometheus, and
    the exporter has moved on: a gap only the real side has.
    """

    def value(query: str, at: float | None = None) -> float | None:
        params = {"query": query} if at is None else {"query": query, "time": str(at)}
        result = http_client().get(f"{real_url}/api/v1/query", params=params).json()["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    newest = value("min(timestamp(progressive_agent_memory_usage_bytes))")
    if newest is None:
        return None
    count = value(f"min(count_over_time(progressive_agent_memory_usage_bytes[{WINDOW}s]))", newest)
    return newest if count is not None and count >= WINDOW else None


def _instant_with_every_sample(real_url: str) -> float:
    """Where both sides hold every sample of the last :data:`WINDOW` seconds: a gap leaves the
    window after that many seconds of complete scrapes, hence the deadline."""
    deadline = time.monotonic() + 2 * WINDOW
    while (newest := _newest_with_every_sample(real_url)) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"the real Prometheus missed scrapes in every {WINDOW} s window for {2 * WINDOW} s")
        time.sleep(1.0)
    return newest


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
    at = _instant_with_every_sample(real_url)

    async def run() -> tuple[list[tuple[dict[str, str], float]], list[tuple[dict[str, str], float]]]:
        return await asyncio.gather(_vector(real_url, query, at), _vector(sim_url, query, at))

    real, simulated = asyncio.run(run())
    assert real, f"real Prometheus returned nothing for {query}; the query does not test anything"
    real_map, sim_map = _by_labels(real), _by_labels(simulated)
    assert set(sim_map) == set(real_map), (at, time.time())
    for labels, expected in real_map.items():
        got = sim_map[labels]
        assert got == pytest.approx(expected, rel=tolerance, abs=1e-9), (
            labels,
            got,
            expected,
            at,
            time.time(),
        )
