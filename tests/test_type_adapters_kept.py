"""The clients build a pydantic TypeAdapter for a type once, not on every call (each one costs
0.1 to 0.2 ms of CPU, and a refresh parses the same few types every time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pydantic
import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import BackendHttp
from opsconsole.config import EndpointSettings
from tests.support.loopback_http import Received, Reply, scripted_server

ALERT = {
    "labels": {"alertname": "Down", "severity": "critical"},
    "annotations": {},
    "startsAt": "2026-11-30T10:00:00Z",
    "endsAt": "2026-11-30T11:00:00Z",
    "updatedAt": "2026-11-30T10:00:00Z",
    "fingerprint": "abc",
    "receivers": [{"name": "team"}],
    "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    "generatorURL": "",
}


@pytest.fixture
def adapters_built(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every type a TypeAdapter is built for from now on, however the code imported the class."""
    built: list[Any] = []
    original = pydantic.TypeAdapter.__init__

    def counting(self: pydantic.TypeAdapter[Any], kind: Any, *args: Any, **kwargs: Any) -> None:
        built.append(kind)
        original(self, kind, *args, **kwargs)

    monkeypatch.setattr(pydantic.TypeAdapter, "__init__", counting)
    return built


async def test_alertmanager_parses_alerts_and_silences_with_no_new_adapter(adapters_built: list[Any]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[ALERT] if request.url.path.endswith("alerts") else [])

    endpoint = EndpointSettings(url="http://am.test")
    http = BackendHttp("alertmanager", endpoint, transport=httpx.MockTransport(answer))
    client = AlertmanagerClient(endpoint, http=http)
    try:
        first = await client.alerts()
        await client.silences()
        adapters_built.clear()
        again = await client.alerts()
        await client.silences()
    finally:
        await http.aclose()
    assert [a.labels["alertname"] for a in again] == [a.labels["alertname"] for a in first] == ["Down"]
    assert adapters_built == []


def _prometheus_api(request: Received) -> Reply:
    data: Any = {"groups": []} if request.path.startswith("/api/v1/rules") else ["job", "instance"]
    return Reply(200, json.dumps({"status": "success", "data": data}))


@pytest.fixture
def prometheus_api() -> Iterator[str]:
    with scripted_server(_prometheus_api) as server:
        yield server.url


async def test_prometheus_parses_rules_and_labels_without_a_new_adapter(
    prometheus_api: str, adapters_built: list[Any]
) -> None:
    client = PrometheusClient(EndpointSettings(url=prometheus_api, timeout=5))
    try:
        await client.rules("record")
        await client.labels(0, 60)
        adapters_built.clear()
        assert await client.rules("record") == []
        assert await client.labels(0, 60) == ["job", "instance"]
    finally:
        await client.aclose()
    assert adapters_built == []
