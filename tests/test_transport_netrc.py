"""Credentials come from the context alone: no client reads ``~/.netrc``.

requests (under prometheus-api-client) reads it for any request without credentials of its own,
httpx does not: a netrc entry made for curl logged the console into Prometheus, and only into
Prometheus, while a 401 from Alertmanager said no credentials were configured anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import build_requests_session
from opsconsole.config import EndpointSettings
from tests.support.loopback_http import Reply, scripted_server

VECTOR = '{"status":"success","data":{"resultType":"vector","result":[]}}'


def _answer(path: str) -> Reply:
    return Reply(200, VECTOR if path.startswith("/api/v1/") else "[]")


@pytest.fixture
def netrc_for_loopback(monkeypatch: pytest.MonkeyPatch) -> Path:
    """``~/.netrc`` (the test's own HOME) and ``$NETRC`` naming 127.0.0.1, as curl users keep them."""
    netrc = Path.home() / ".netrc"
    netrc.write_text("machine 127.0.0.1 login alice password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    return netrc


async def test_no_client_sends_netrc_credentials(netrc_for_loopback: Path) -> None:
    with scripted_server(lambda r: _answer(r.path)) as server:
        endpoint = EndpointSettings(url=server.url, timeout=30)
        prometheus = PrometheusClient(endpoint)
        alertmanager = AlertmanagerClient(endpoint)
        try:
            await prometheus.query("up", 1.0)
            await alertmanager.alerts()
        finally:
            await prometheus.aclose()
            await alertmanager.aclose()
        session, has_credentials = build_requests_session("prometheus", endpoint, read_only=True)
        session.get(f"{server.url}/api/v1/query", params={"query": "up"}, timeout=30)
        seen = [(r.path.split("?")[0], r.headers.get("Authorization")) for r in server.received]
    assert not has_credentials
    assert ("/api/v1/query", None) in seen and ("/api/v2/alerts", None) in seen, seen
    assert all(auth is None for _, auth in seen), seen


async def test_the_contexts_credentials_still_go(
    netrc_for_loopback: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PW", "s3cret")
    with scripted_server(lambda r: _answer(r.path)) as server:
        endpoint = EndpointSettings.model_validate(
            {"url": server.url, "timeout": 30, "auth": {"username": "ops", "password_env": "PW"}}
        )
        prometheus = PrometheusClient(endpoint)
        try:
            await prometheus.query("up", 1.0)
        finally:
            await prometheus.aclose()
        (received,) = server.received
    assert received.headers["Authorization"] == "Basic b3BzOnMzY3JldA=="  # ops:s3cret, not alice's
