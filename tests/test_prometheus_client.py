"""PrometheusClient against a real Prometheus (Debian package) started by the fixtures."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from pydantic import BaseModel, model_validator

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.core.query_step import align, choose_step, points
from tests.support.real_servers import RunningServer

pytestmark = [pytest.mark.real_backend, pytest.mark.every_release]


@pytest.fixture
def client(real_prometheus: RunningServer) -> PrometheusClient:
    return PrometheusClient(EndpointSettings(url=real_prometheus.url, timeout=5))


async def test_instant_vector_carries_labels_and_float_values(client: PrometheusClient) -> None:
    result = await client.query('opsconsole_test_requests_total{status="error"}')
    assert result.result_type == "vector"
    [sample] = result.vector
    assert sample.metric["job"] == "test-target"
    assert sample.value == 5.0


async def test_scalar_special_values_parse(client: PrometheusClient) -> None:
    inf = await client.query("1/0")
    nan = await client.query("0/0")
    neg = await client.query("-1/0")
    assert inf.result_type == "scalar" and inf.scalar is not None and inf.scalar[1] == math.inf
    assert nan.scalar is not None and math.isnan(nan.scalar[1])
    assert neg.scalar is not None and neg.scalar[1] == -math.inf


async def test_string_result(client: PrometheusClient) -> None:
    result = await client.query('"hello"')
    assert result.result_type == "string"
    assert result.string is not None and result.string[1] == "hello"


async def test_empty_result_is_no_data_not_error(client: PrometheusClient) -> None:
    result = await client.query("metric_that_does_not_exist_anywhere")
    assert result.result_type == "vector"
    assert result.is_empty


async def test_range_query_returns_points_at_the_requested_step(client: PrometheusClient) -> None:
    # Whole seconds: the client sends whole-second times. The end lies a second ahead, because a
    # server started just now may hold only a sample from within the last second, which a "now"
    # cut to whole seconds leaves out (an empty matrix: seen when this ran first on a new server).
    end = float(int(time.time()) + 1)
    start = end - 10
    result = await client.query_range("opsconsole_test_in_flight", start, end, 2)
    assert result.result_type == "matrix"
    [series] = result.matrix
    assert series.values, "the target has been scraped, so points exist"
    assert all(v == 3.0 for _, v in series.values)
    # The grid itself, on an expression that needs no scrape (a young or loaded server has few
    # samples of the gauge): a point every 2 s from start, both ends included.
    [constant] = (await client.query_range("vector(3)", start, end, 2)).matrix
    assert [t for t, _ in constant.values] == pytest.approx([start + 2 * k for k in range(6)], abs=1e-3)
    assert all(v == 3.0 for _, v in constant.values)


async def test_parse_error_is_typed_with_prometheus_message(client: PrometheusClient) -> None:
    with pytest.raises(BackendError) as err:
        await client.query("sum(rate(x[5m])")
    assert err.value.kind is FailureKind.BAD_REQUEST
    assert err.value.status == 400
    assert "bad_data" in err.value.detail and "parse error" in err.value.detail


async def test_too_many_points_is_rejected_by_the_server_and_reported(client: PrometheusClient) -> None:
    end = time.time()
    with pytest.raises(BackendError) as err:
        await client.query_range("up", end - 20_000, end, 1)
    assert err.value.status == 400
    assert "11,000" in err.value.detail


def test_choose_step_never_exceeds_11000_points() -> None:
    start, end = 0.0, 30 * 86400.0
    step = choose_step(start, end, columns=100_000, scrape_interval=1)
    assert points(start, end, step) <= 11_000
    assert choose_step(0, 3600, columns=60, scrape_interval=15) == 60
    assert choose_step(0, 600, columns=600, scrape_interval=15) == 15
    assert align(1005, 2010, 60) == (960, 1980)


async def test_alerts_rules_and_targets(client: PrometheusClient) -> None:
    alerts = await client.alerts()
    firing = [a for a in alerts if a.labels.get("alertname") == "OpsconsoleTestAlwaysFiring"]
    assert firing and firing[0].state == "firing" and firing[0].active_at is not None
    groups = await client.rules()
    rules = {r.name: r for g in groups for r in g.rules}
    assert rules["OpsconsoleTestAlwaysFiring"].type == "alerting"
    assert rules["job:opsconsole_test_requests:rate1m"].type == "recording"
    only_alerting = await client.rules("alert")
    assert all(r.type == "alerting" for g in only_alerting for r in g.rules)
    targets = await client.targets()
    assert [t.health for t in targets.active] == ["up"]
    assert targets.active[0].labels["job"] == "test-target"


async def test_labels_values_series_metadata(client: PrometheusClient) -> None:
    now = time.time()
    labels = await client.labels(now - 300, now)
    assert {"__name__", "job", "status"} <= set(labels)
    values = await client.label_values("status", now - 300, now)
    assert {"ok", "error"} <= set(values)
    series = await client.series(["opsconsole_test_requests_total"], now - 300, now)
    assert {s["status"] for s in series} == {"ok", "error"}
    meta = await client.metadata("opsconsole_test_in_flight")
    assert meta["opsconsole_test_in_flight"][0].type == "gauge"


async def test_buildinfo_and_probe_report_the_server_version(
    client: PrometheusClient, real_prometheus: RunningServer
) -> None:
    info = await client.buildinfo()
    # Debian's says 2.42.0+ds; ours is stamped at build time (an unstamped build says "").
    assert info.version is not None and info.version.split("+")[0] == real_prometheus.version
    probe = await client.probe()
    assert probe.version == info.version
    assert "query OK" in probe.summary


async def test_dead_port_is_connection_refused() -> None:
    from tests.support.real_servers import free_port

    # A refusal is immediate; the deadline only has to outlast a starved process (a loaded run
    # reported "no answer within 2s" before the refusal got through), so it is far from it.
    dead = PrometheusClient(EndpointSettings(url=f"http://127.0.0.1:{free_port()}", timeout=30))
    with pytest.raises(BackendError) as err:
        await dead.query("up")
    assert err.value.kind is FailureKind.CONNECTION_REFUSED
    assert err.value.diagnosis == "connection refused"


async def test_wrong_path_prefix_gives_404_diagnosis(real_prometheus: RunningServer) -> None:
    wrong = PrometheusClient(EndpointSettings(url=f"{real_prometheus.url}/not-prometheus", timeout=5))
    with pytest.raises(BackendError) as err:
        await wrong.query("up")
    assert err.value.status == 404
    assert err.value.diagnosis == "404: is this a Prometheus URL?"


async def test_read_only_still_queries(real_prometheus: RunningServer) -> None:
    ro = PrometheusClient(EndpointSettings(url=real_prometheus.url), read_only=True)
    assert (await ro.query("vector(2)")).vector[0].value == 2.0


async def test_utf8_label_names_come_back_as_they_are_or_are_refused_in_prometheus_words(
    client: PrometheusClient, real_prometheus: RunningServer
) -> None:
    """Prometheus 3 allows any UTF-8 label name (OpenTelemetry's ``service.name``); 2.x refuses it."""
    query = 'label_replace(vector(1), "service.name", "checkout", "", "")'
    if int(real_prometheus.version.split(".")[0]) >= 3:
        [sample] = (await client.query(query)).vector
        assert sample.metric == {"service.name": "checkout"}
        [quoted] = (await client.query('{"service.name"="checkout"} or ' + query)).vector
        assert quoted.metric == {"service.name": "checkout"}
        return
    with pytest.raises(BackendError) as err:
        await client.query(query)
    assert err.value.status == 422
    assert "invalid destination label name" in err.value.detail


class _SlippingModel(BaseModel):
    """A model whose own validator trips on odd data with a TypeError, as two of ours did."""

    value: float

    @model_validator(mode="before")
    @classmethod
    def _read(cls, data: Any) -> Any:
        return {"value": float(data["raw"])}  # float(None): TypeError, which pydantic lets through


def test_a_validator_s_type_error_is_a_typed_shape_error_not_a_traceback() -> None:
    assert PrometheusClient._parse(_SlippingModel, {"raw": "1.5"}, "query result", "http://p").value == 1.5
    with pytest.raises(BackendError) as raised:
        PrometheusClient._parse(_SlippingModel, {"raw": None}, "query result", "http://p")
    assert raised.value.kind is FailureKind.WRONG_SHAPE
    assert raised.value.message.startswith("unexpected query result shape: float() argument")
