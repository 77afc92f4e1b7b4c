"""Prometheus HTTP API contract: the same assertions against every real Prometheus release and the demo's."""

from __future__ import annotations

import math
import time
from typing import Any

import httpx
import pytest

from opsconsole.packs.rate_window import parse_scrape_config
from tests.support.http_client import http_client
from tests.support.real_servers import RunningServer, ServerRelease

pytestmark = pytest.mark.every_release


@pytest.fixture
def base(request: pytest.FixtureRequest, contract_side: str) -> str:
    if contract_side == "real":
        server: RunningServer = request.getfixturevalue("real_prometheus")
        return server.url
    return str(request.getfixturevalue("live_demo").prometheus)


def _get(base: str, path: str, **params: Any) -> httpx.Response:
    return http_client().get(f"{base}/api/v1/{path}", params=params, timeout=10)


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    return body["data"]


def test_instant_vector_envelope(base: str) -> None:
    data = _ok(_get(base, "query", query="up"))
    assert data["resultType"] == "vector"
    assert data["result"]
    for sample in data["result"]:
        assert sample["metric"]["__name__"] == "up"
        timestamp, value = sample["value"]
        assert isinstance(timestamp, int | float)
        assert isinstance(value, str)
        float(value)


def test_scalar_result(base: str) -> None:
    data = _ok(_get(base, "query", query="1 + 1", time="1700000000"))
    assert data == {"resultType": "scalar", "result": [1700000000, "2"]}


def test_range_matrix_is_on_the_step_grid(base: str) -> None:
    # Rounded up: rounded down, a server scraped for the first time within this second has no sample yet.
    end = float(math.ceil(time.time()))
    start = end - 4
    data = _ok(_get(base, "query_range", query="up", start=start, end=end, step="1"))
    assert data["resultType"] == "matrix"
    assert data["result"]
    for series in data["result"]:
        stamps = [p[0] for p in series["values"]]
        assert stamps == sorted(stamps)
        assert all(start <= t <= end and float(t - start).is_integer() for t in stamps)
        assert all(isinstance(p[1], str) for p in series["values"])


def test_range_windows_are_left_open_from_prometheus_3(
    base: str, contract_side: str, server_release: ServerRelease
) -> None:
    """``[10s:1s]`` at a whole second: 2.x reads both edges (11 points), 3.x and the demo only the
    newer one (10). The demo follows Prometheus 3 (see README, "The demo")."""
    data = _ok(_get(base, "query", query="count_over_time(vector(1)[10s:1s])", time="1700000000"))
    old = contract_side == "real" and int(server_release.version("prometheus").split(".")[0]) < 3
    assert data["result"] == [{"metric": {}, "value": [1700000000, "11" if old else "10"]}]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("query", {"query": "sum("}),
        ("query", {"query": "up[5m] + 1"}),
        ("query_range", {"query": "up", "start": "100", "end": "50", "step": "1"}),
        ("query_range", {"query": "up", "start": "0", "end": "100000", "step": "1"}),
        ("query_range", {"query": "up", "start": "0", "end": "10", "step": "0"}),
    ],
    ids=["syntax", "range-vector-arithmetic", "end-before-start", "too-many-points", "zero-step"],
)
def test_bad_queries_answer_400_bad_data(base: str, path: str, params: dict[str, str]) -> None:
    response = _get(base, path, **params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["errorType"] == "bad_data"
    assert isinstance(body["error"], str)
    assert body["error"]


def test_metadata_endpoints(base: str) -> None:
    assert "__name__" in _ok(_get(base, "labels"))
    assert "up" in _ok(_get(base, "label/__name__/values"))
    series = _ok(http_client().get(f"{base}/api/v1/series", params={"match[]": "up"}, timeout=10))
    assert series
    assert all(s["__name__"] == "up" for s in series)
    build = _ok(_get(base, "status/buildinfo"))
    assert isinstance(build["version"], str)
    assert build["version"]


def test_status_config_gives_every_jobs_scrape_interval(base: str) -> None:
    """What ``$rate_window`` is derived from: the served config, defaults filled in, every job listed."""
    intervals = parse_scrape_config(_ok(_get(base, "status/config"))["yaml"])
    jobs = {
        s["job"]
        for s in _ok(http_client().get(f"{base}/api/v1/series", params={"match[]": "up"}, timeout=10))
    }
    assert jobs <= set(intervals.jobs)
    assert all(seconds > 0 for seconds in intervals.jobs.values())


def test_demo_refuses_what_it_cannot_evaluate(live_demo: Any) -> None:
    """Outside the supported subset the demo answers like a bad query, and says why."""
    response = _get(live_demo.prometheus, "query", query="predict_linear(up[5m], 60)")
    assert response.status_code in (400, 422)
    body = response.json()
    assert body["status"] == "error"
    assert body["errorType"] in ("bad_data", "execution")
    assert "demo" in body["error"]
