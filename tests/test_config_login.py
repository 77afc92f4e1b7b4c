"""One way to log in per endpoint, the same for every client: credentials in the URL move under
``auth``, and what each client would settle its own way (requests, httpx and the websocket tail
did, differently) is refused with the field named."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from pydantic import ValidationError

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import ConfigError, EndpointSettings, parse_config, resolve_credentials
from tests.support.loopback_http import Reply, scripted_server

VECTOR = '{"status":"success","data":{"resultType":"vector","result":[]}}'


def test_a_urls_username_and_password_move_under_auth() -> None:
    endpoint = EndpointSettings(url="https://alice:s%40cret@mimir.example:8443/prometheus/")
    assert endpoint.url == "https://mimir.example:8443/prometheus"
    assert resolve_credentials(endpoint.auth).basic == ("alice", "s@cret")
    ipv6 = EndpointSettings.model_validate({"url": "http://bob@[::1]:9090", "auth": {"tenant_id": "t"}})
    assert ipv6.url == "http://[::1]:9090"
    assert (ipv6.auth.username, ipv6.auth.tenant_id) == ("bob", "t")


async def test_every_client_logs_in_alike_and_no_error_shows_the_password() -> None:
    with scripted_server(lambda r: Reply(503, "down")) as server:
        port = server.url.rsplit(":", 1)[1]
        endpoint = EndpointSettings(url=f"http://alice:url-secret@127.0.0.1:{port}", timeout=30)
        errors = []
        for client in (PrometheusClient(endpoint), AlertmanagerClient(endpoint)):
            try:
                await (client.query("up", 1.0) if isinstance(client, PrometheusClient) else client.alerts())
            except BackendError as exc:
                errors.append(f"{exc} {exc.url if hasattr(exc, 'url') else ''}")
            finally:
                await client.aclose()
        sent = {r.headers.get("Authorization") for r in server.received}
    assert sent == {"Basic YWxpY2U6dXJsLXNlY3JldA=="}  # alice:url-secret, from every client
    assert len(errors) == 2 and not any("url-secret" in e for e in errors), errors


@pytest.mark.parametrize(
    ("auth", "words"),
    [
        (
            {"bearer_token_env": "T", "username": "u"},
            "set a bearer token or a username and password, not both",
        ),
        ({"bearer_token_file": "/t", "password_env": "P"}, "not both"),
        ({"password_env": "P"}, "a password needs a username"),
        ({"headers": {"X-Key": "a", "x-key": "b"}}, "names one header twice"),
        ({"headers": {"authorization": "Custom x"}, "bearer_token_env": "T"}, "headers sets Authorization"),
        ({"headers": {"Authorization": "Custom x"}, "username": "u"}, "headers sets Authorization"),
        ({"headers": {"x-scope-orgid": "a"}, "tenant_id": "b"}, "headers sets X-Scope-OrgID"),
    ],
)
def test_ambiguous_logins_are_refused_with_the_field_named(auth: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError) as err:
        EndpointSettings.model_validate({"url": "http://h", "auth": auth})
    assert words in str(err.value)
    assert err.value.errors()[0]["loc"] == ("auth",)


def test_credentials_in_the_url_and_under_auth_are_refused_without_showing_them() -> None:
    text = (
        "contexts:\n  prod:\n    prometheus:\n      url: http://u:url-secret@h\n"
        "      auth: {bearer_token: token-secret}\n"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, "cfg.yaml")
    message = str(err.value)
    assert message.startswith("cfg.yaml:3: contexts.prod.prometheus: ") and "keep one" in message
    assert "url-secret" not in message and "token-secret" not in message


@pytest.mark.parametrize("url", ["http://loki/loki?orgId=7", "http://prom:9090/#graph"])
def test_a_url_with_a_query_or_fragment_is_refused(url: str) -> None:
    with pytest.raises(ValidationError) as err:
        EndpointSettings(url=url)
    assert "the URL has a query or fragment" in str(err.value)


def test_a_secrets_value_never_shows_in_a_validation_error() -> None:
    with pytest.raises(ValidationError) as err:
        EndpointSettings.model_validate(
            {"url": "http://h", "auth": {"bearer_token": "tok-secret", "username": "u"}}
        )
    assert "tok-secret" not in str(err.value)


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://gw.example/tenant/./x/../loki/", "https://gw.example/tenant/loki"),
        ("https://gw.example/a/b/..", "https://gw.example/a"),
        ("https://gw.example/../prometheus", "https://gw.example/prometheus"),
        ("https://gw.example/.well/..known", "https://gw.example/.well/..known"),  # names, not segments
    ],
)
def test_dot_segments_in_a_url_path_are_resolved_once_for_every_client(url: str, normal: str) -> None:
    assert EndpointSettings(url=url).url == normal


async def test_every_client_and_the_live_tail_ask_the_same_path_under_a_url_with_dot_segments() -> None:
    """httpx and urllib3 resolve "." and "..", the tail's websocket library sent them as written."""

    async def follow(stream: LokiTailStream) -> None:
        async for _ in stream:
            pass

    with scripted_server(lambda r: Reply(404, "404 page not found\n")) as server:
        endpoint = EndpointSettings(url=f"{server.url}/gw/./x/../loki", timeout=30)
        prometheus, alertmanager, loki = (
            PrometheusClient(endpoint),
            AlertmanagerClient(endpoint),
            LokiClient(endpoint),
        )
        tail = asyncio.create_task(follow(LokiTailStream(loki, '{job="x"}', start_ns=0)))
        try:
            for ask in (prometheus.query("up", 1.0), alertmanager.alerts()):
                with pytest.raises(BackendError):
                    await ask
            async with asyncio.timeout(30):  # only against a hang: the tail asks at once
                while not any("/api/v1/tail" in r.path for r in server.received):
                    await asyncio.sleep(0.05)
        finally:
            tail.cancel()
            with contextlib.suppress(asyncio.CancelledError, BackendError):
                await tail
            for client in (prometheus, alertmanager, loki):
                await client.aclose()
        paths = [r.path.split("?")[0] for r in server.received]
    assert {"/gw/loki/api/v1/query", "/gw/loki/api/v2/alerts", "/gw/loki/loki/api/v1/tail"} <= set(paths), (
        paths
    )
    assert all(p.startswith("/gw/loki/") for p in paths), paths
