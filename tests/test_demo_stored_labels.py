"""The demo's Prometheus stores a histogram's ``le`` as Prometheus 3 does (float form)."""

from __future__ import annotations

import pytest

from opsconsole.demo.promql.stored_labels import stored_le
from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.http_client import http_client

# Exposed le -> what Prometheus 3.16.0 stored after scraping it (a histogram typed "histogram").
SEEN_ON_PROMETHEUS_3 = {
    "0.005": "0.005",
    "0.1": "0.1",
    "1": "1.0",
    "2.5": "2.5",
    "10": "10.0",
    "100000": "100000.0",
    "1000000": "1e+06",
    "123456789": "1.23456789e+08",
    "0.00001": "1e-05",
    "0.0001": "0.0001",
    "1e-7": "1e-07",
    "1e3": "1000.0",
    "1.5e10": "1.5e+10",
    "12345.678": "12345.678",
    "+Inf": "+Inf",
}


@pytest.mark.parametrize(("exposed", "stored"), SEEN_ON_PROMETHEUS_3.items())
def test_le_is_stored_as_prometheus_3_stores_it(exposed: str, stored: str) -> None:
    assert stored_le(exposed) == stored


def test_the_demo_serves_buckets_with_le_in_float_form(frozen_demo: tuple[DemoStack, DemoUrls]) -> None:
    _, urls = frozen_demo
    query = 'count by (le) (progressive_agent_response_time_seconds_bucket{kubernetes_pod_name=~"mca-.*"})'
    body = http_client().get(f"{urls.prometheus}/api/v1/query", params={"query": query}, timeout=10).json()
    les = {s["metric"]["le"] for s in body["data"]["result"]}
    assert {"1.0", "10.0", "0.5", "+Inf"} <= les
    assert "1" not in les and "10" not in les
    # A pack that writes the exposed text finds nothing, as on a real Prometheus 3.
    query = 'progressive_agent_response_time_seconds_bucket{kubernetes_pod_name=~"mca-.*", le="1"}'
    body = http_client().get(f"{urls.prometheus}/api/v1/query", params={"query": query}, timeout=10).json()
    assert body["data"]["result"] == []
