"""Every client through a SOCKS5 proxy (``ssh -D 1080 bastion`` and ``ALL_PROXY=socks5h://…``):
Prometheus (requests with PySocks), Alertmanager, Loki and Jaeger (httpx with socksio) and the live
tail (websockets with python-socks), against the demo stack under a name only the proxy knows."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import SOCKS_LOGIN_REFUSED, RetryPolicy
from opsconsole.cli import main
from opsconsole.config import EndpointSettings
from opsconsole.demo.stack import DemoUrls
from tests.support.real_servers import RunningServer
from tests.support.socks_proxy import socks_proxy

LOGIN = ("alice", "s3cret")
HIDDEN = "demo.invalid"  # resolved by the proxy alone: a request that arrives went through it
PLATFORM = '{namespace="progressive-framework-prod"}'
# Only against a hang: every answer here is local and quick.
DEADLINE = 30.0


def _under(url: str, host: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{host}:{parts.port}").geturl()


def _endpoint(url: str) -> EndpointSettings:
    return EndpointSettings(url=url, timeout=DEADLINE)


async def _each_client(urls: DemoUrls, host: str) -> dict[str, Any]:
    """Ask each client once, its backend's URL under ``host``: the answer or the BackendError."""
    prometheus = PrometheusClient(_endpoint(_under(urls.prometheus, host)), retry=RetryPolicy(attempts=1))
    alertmanager = AlertmanagerClient(_endpoint(_under(urls.alertmanager, host)))
    loki = LokiClient(_endpoint(_under(urls.loki, host)))
    jaeger = JaegerClient(_endpoint(_under(urls.jaeger, host)))
    now = time.time()
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "prometheus": lambda: prometheus.query("up", now),
        "alertmanager": alertmanager.alerts,
        "loki": lambda: loki.labels(int((now - 300) * 1e9), int(now * 1e9)),
        "jaeger": jaeger.services,
    }
    out: dict[str, Any] = {}
    try:
        for name, call in calls.items():
            try:
                out[name] = await call()
            except BackendError as exc:
                out[name] = exc
    finally:
        for client in (prometheus, alertmanager, loki, jaeger):
            await client.aclose()
    return out


async def _tail(urls: DemoUrls, host: str, until: Callable[[LokiTailStream], bool]) -> LokiTailStream:
    """Follow the live tail of Loki under ``host`` until ``until(tail)``."""
    loki = LokiClient(_endpoint(_under(urls.loki, host)))
    tail = LokiTailStream(loki, PLATFORM, start_ns=time.time_ns() - 5 * 10**9, poll_interval=0.1)
    changed = asyncio.Event()
    tail.status.on_change = changed.set

    async def follow() -> None:
        async for _ in tail:
            pass

    task = asyncio.create_task(follow())
    try:
        async with asyncio.timeout(DEADLINE):
            while not until(tail):
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), 0.5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await loki.aclose()
    return tail


async def test_every_client_and_the_live_tail_go_through_a_socks5h_proxy_with_its_login(
    live_demo: DemoUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socks_proxy(hosts={HIDDEN: "127.0.0.1"}, login=LOGIN) as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5h://alice:s3cret@127.0.0.1:{proxy.port}")
        answers = await _each_client(live_demo, HIDDEN)
        tail = await _tail(live_demo, HIDDEN, lambda t: t.status.state == "live")
    failures = {name: str(a) for name, a in answers.items() if isinstance(a, BackendError)}
    assert failures == {}
    assert answers["prometheus"].vector and answers["alertmanager"] and answers["jaeger"]
    assert "namespace" in answers["loki"]
    assert tail.status.state == "live"
    ports = {name: urlsplit(getattr(live_demo, name)).port for name in answers}
    # socks5h: the proxy was asked for the name, each backend and the tail's websocket through it.
    assert {f"{HIDDEN}:{port}" for port in ports.values()} <= set(proxy.targets), proxy.targets
    assert proxy.targets.count(f"{HIDDEN}:{ports['loki']}") >= 3  # labels, catch-up and socket
    assert set(proxy.logins) == {LOGIN}


async def test_socks5_lets_the_proxy_resolve_names_on_every_client_as_socks5h_does(
    live_demo: DemoUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx sends the name to a socks5:// proxy as to a socks5h:// one, requests and the tail's
    library resolved it here first: one rule for all, the proxy's (what ``ssh -D`` is used for)."""
    with socks_proxy(hosts={HIDDEN: "127.0.0.1"}) as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{proxy.port}")
        answers = await _each_client(live_demo, HIDDEN)
        tail = await _tail(live_demo, HIDDEN, lambda t: t.status.state == "live")
    assert not [a for a in answers.values() if isinstance(a, BackendError)], answers
    assert tail.status.state == "live"
    assert proxy.targets and all(t.startswith(f"{HIDDEN}:") for t in proxy.targets), proxy.targets


@pytest.mark.parametrize(
    "proxy", ["socks4://127.0.0.1:1080", "socks4a://127.0.0.1:1080", "ftp://127.0.0.1:21"]
)
async def test_a_proxy_no_client_can_use_reads_the_same_on_every_client(
    live_demo: DemoUrls, monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    """httpx refused socks4 with a bare ValueError (out of the Alertmanager client), requests
    went through it, the tail tried it: now each says the same, and nothing leaves."""
    monkeypatch.setenv("ALL_PROXY", proxy)
    answers = await _each_client(live_demo, HIDDEN)
    tail = await _tail(live_demo, HIDDEN, lambda t: t.status.last_error is not None)
    told = (
        f"the proxy {proxy} is not supported: set an http://, https:// or socks5h:// proxy in "
        "HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, or exempt the host in NO_PROXY"
    )
    assert {(a.kind, a.message) for a in answers.values()} == {(FailureKind.PROXY, told)}, answers
    assert (tail.status.last_error or "").endswith(told)


async def test_a_refused_login_reads_the_same_on_every_client_and_never_shows_the_password(
    live_demo: DemoUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socks_proxy(hosts={HIDDEN: "127.0.0.1"}, login=LOGIN) as proxy:
        for given in ("alice:wrong@", ""):
            monkeypatch.setenv("ALL_PROXY", f"socks5h://{given}127.0.0.1:{proxy.port}")
            answers = await _each_client(live_demo, HIDDEN)
            tail = await _tail(live_demo, HIDDEN, lambda t: t.status.last_error is not None)
            words = {(a.kind, a.message) for a in answers.values() if isinstance(a, BackendError)}
            assert len(answers) == 4 and words == {(FailureKind.PROXY, SOCKS_LOGIN_REFUSED)}, answers
            assert (tail.status.last_error or "").endswith(SOCKS_LOGIN_REFUSED)
            assert not any("wrong" in str(a) for a in answers.values())


async def test_a_host_the_proxy_cannot_reach_reads_the_same_on_every_client(
    live_demo: DemoUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socks_proxy() as proxy:  # it knows no such name: SOCKS5's "host unreachable"
        monkeypatch.setenv("ALL_PROXY", f"socks5h://127.0.0.1:{proxy.port}")
        answers = await _each_client(live_demo, "nowhere.invalid")
        tail = await _tail(live_demo, "nowhere.invalid", lambda t: t.status.last_error is not None)
    told = "the SOCKS proxy could not connect: host unreachable"
    assert {(a.kind, a.message) for a in answers.values()} == {(FailureKind.NETWORK, told)}, answers
    assert (tail.status.last_error or "").endswith(told)  # "catch-up failed: …": its first request


def test_check_names_the_socks_proxy_without_its_password(
    live_demo: DemoUrls, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socks_proxy(hosts={HIDDEN: "127.0.0.1"}, login=LOGIN) as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5h://alice:s3cret@127.0.0.1:{proxy.port}")
        code = main(["check", "--json", "--prometheus", _under(live_demo.prometheus, HIDDEN)])
    out = capsys.readouterr().out
    result = {r["backend"]: r for r in json.loads(out)["results"]}["prometheus"]
    assert code == 0 and result["proxy"] == f"socks5h://127.0.0.1:{proxy.port}", out
    assert "s3cret" not in out and "alice" not in out


async def test_real_prometheus_and_alertmanager_through_a_socks5h_proxy(
    real_prometheus: RunningServer, real_alertmanager: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through the real servers: their answers, under a name only the proxy resolves."""
    with socks_proxy(hosts={HIDDEN: "127.0.0.1"}, login=LOGIN) as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5h://alice:s3cret@127.0.0.1:{proxy.port}")
        prometheus = PrometheusClient(_endpoint(_under(real_prometheus.url, HIDDEN)))
        alertmanager = AlertmanagerClient(_endpoint(_under(real_alertmanager.url, HIDDEN)))
        try:
            up = await prometheus.query("up", time.time())
            alerts = await alertmanager.alerts()
        finally:
            await prometheus.aclose()
            await alertmanager.aclose()
    assert up.vector and any(a.labels.get("alertname") == "OpsconsoleTestAlwaysFiring" for a in alerts)
    assert {f"{HIDDEN}:{real_prometheus.port}", f"{HIDDEN}:{real_alertmanager.port}"} <= set(proxy.targets)
    assert set(proxy.logins) == {LOGIN}
