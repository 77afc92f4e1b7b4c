"""What each Prometheus request costs the client besides the network: an idle console sends some
26 a refresh, so the work done per request is idle CPU. Each body is decoded from JSON once (the
response hook checks the envelope, and prometheus-api-client reads the same decoded answer), and
the disk is not asked about the CA path at every request. Against a real Prometheus."""

from __future__ import annotations

import json
import os.path
import time
from collections.abc import Callable
from typing import Any

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from tests.support.real_servers import RunningServer

REQUESTS = 5


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls = [0]
    original: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


async def test_each_answer_is_decoded_once_and_read_the_same(
    real_prometheus: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = PrometheusClient(EndpointSettings(url=real_prometheus.url))
    decoded = _counting(monkeypatch, json, "loads")
    for _ in range(REQUESTS):
        result = await client.query("vector(7)")
        assert [sample.value for sample in result.vector] == [7.0]
    assert await client.labels(time.time() - 600, time.time())  # read through the client's ``_get``
    # Before: twice per request (the hook, then the library's response.json()).
    assert decoded[0] == REQUESTS + 1


async def test_the_ca_path_from_the_environment_is_looked_at_once_not_at_each_request(
    real_prometheus: RunningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")  # never read: the endpoint is plain http
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = PrometheusClient(EndpointSettings(url=real_prometheus.url))
    asked = _counting(monkeypatch, os.path, "isdir")
    for _ in range(REQUESTS):
        result = await client.query("vector(1)")
        assert [sample.value for sample in result.vector] == [1.0]
    assert asked[0] == 1  # before: once per request
