"""The fault matrix: every backend, every way it can fail.

For Prometheus, Alertmanager and Loki the whole refresh runs against the live demo stack with one
backend behind a fault proxy: the affected panes show the diagnosis and keep their last good rows
and their age, the other panes keep updating, and the first good answer clears the error. Jaeger
is only asked on demand (traces), so its client is checked the same way. Configuration faults
(DNS, unknown CA) cannot heal by themselves; they are checked for diagnosis and isolation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import trustme

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError
from opsconsole.backends.jaeger import JaegerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import RetryPolicy
from opsconsole.config import EndpointSettings
from opsconsole.core.dashboard import Dashboard
from opsconsole.demo.stack import DemoUrls
from opsconsole.launch import demo_options
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.app import OpsConsoleApp
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.refresh_fixtures import builtin_pack
from tests.support.ui_harness import settle, work_done

# Timeouts follow from the fault under test, not from the machine's speed. A healthy backend (and a
# faulted one whose fault answers at once) gets a generous deadline that a loaded machine never
# reaches; only the hang is measured against a short one, and the hang lasts four times as long.
# The demo stack serves from its own process (``live_demo``), so this process's CPU use cannot
# make a healthy backend slow.
GENEROUS_TIMEOUT = 30.0
HANG_TIMEOUT = 3.0
HANG_SECONDS = HANG_TIMEOUT * 4
# The slow answer's delay, added to each of the 66 requests of a Prometheus refresh: its client
# allows that plus the generous deadline, and fails the test when it allows less than the delay
# (seen with SLOW_SECONDS / 2). It was 1.5 s: the same proof, a minute of waiting.
SLOW_SECONDS = 0.3
FAST_RETRY = RetryPolicy(attempts=2, backoff_factor=0.01, max_backoff=0.02, jitter=0.0)
SMALL_BODY_LIMIT = 1024 * 1024
PANES = {"prometheus": ("health", "red", "slo"), "alertmanager": ("alerts",), "loki": ("logs",)}
ALL_PANES = ("health", "red", "slo", "alerts", "logs")

# What the pane says for each fault (a part of the one-line diagnosis).
DIAGNOSES = {
    "refused": "connection refused",
    "hang": f"timeout: no answer within {HANG_TIMEOUT:g}s",
    "401": "401: authentication required",
    "403": "403: forbidden",
    "404": "404: is this",
    "429": "429: rate limited",
    "500": "500: server error",
    "503": "503: server error",
    "malformed": "malformed",
    "wrong_shape": "unexpected",
    "truncated": "",  # the wording differs per HTTP stack; it must simply be an error
    "enormous": "larger than 1 MiB",
}
HEALING_FAULTS = list(DIAGNOSES)


def _endpoint(url: str, timeout: float = GENEROUS_TIMEOUT, **kw: object) -> EndpointSettings:
    return EndpointSettings.model_validate({"url": url, "timeout": timeout, **kw})


def _timeout_for(fault: str) -> float:
    """The faulted backend's deadline: short only where the fault is a hang (what is tested)."""
    return HANG_TIMEOUT if fault == "hang" else GENEROUS_TIMEOUT


def _service(
    urls: DemoUrls, broken: str, broken_url: str, timeout: float = GENEROUS_TIMEOUT, **endpoint_kw: object
) -> RefreshService:
    def url(kind: str, default: str) -> EndpointSettings:
        return _endpoint(broken_url, timeout, **endpoint_kw) if kind == broken else _endpoint(default)

    backends = BackendSet(
        prometheus=PrometheusClient(
            url("prometheus", urls.prometheus), retry=FAST_RETRY, max_body_bytes=SMALL_BODY_LIMIT
        ),
        alertmanagers=[AlertmanagerClient(url("alertmanager", urls.alertmanager), retry=FAST_RETRY)],
        loki=LokiClient(url("loki", urls.loki), retry=FAST_RETRY),
    )
    for client in (*backends.alertmanagers, backends.loki):
        client.http.max_body_bytes = SMALL_BODY_LIMIT  # type: ignore[union-attr]
    return RefreshService("faults", builtin_pack(), backends, clock=time.time)


def _rows(board: Dashboard, pane: str) -> int:
    return {
        "health": len(board.health),
        "red": len(board.red),
        "slo": len(board.slos),
        "alerts": sum(len(g.alerts) for g in board.alerts),
        "logs": len(board.logs),
    }[pane]


@pytest.fixture(scope="module")
def proxies(live_demo: DemoUrls) -> Iterator[dict[str, FaultProxy]]:
    with (
        fault_proxy(live_demo.prometheus) as prometheus,
        fault_proxy(live_demo.alertmanager) as alertmanager,
        fault_proxy(live_demo.loki) as loki,
        fault_proxy(live_demo.jaeger) as jaeger,
    ):
        yield {"prometheus": prometheus, "alertmanager": alertmanager, "loki": loki, "jaeger": jaeger}


def _set_fault(proxy: FaultProxy, fault: str) -> None:
    proxy.hang_seconds = HANG_SECONDS
    if fault == "refused":
        proxy.refuse()
    else:
        proxy.mode = fault


def _clear_fault(proxy: FaultProxy, fault: str) -> None:
    if fault == "refused":
        proxy.accept()
    proxy.mode = "ok"


@pytest.mark.parametrize("fault", HEALING_FAULTS)
@pytest.mark.parametrize("kind", list(PANES))
async def test_a_failing_backend_keeps_its_last_good_rows_and_heals_on_the_first_good_answer(
    kind: str, fault: str, live_demo: DemoUrls, proxies: dict[str, FaultProxy]
) -> None:
    proxy = proxies[kind]
    service = _service(live_demo, kind, proxy.url, _timeout_for(fault))
    try:
        good = await service.refresh()
        for pane in ALL_PANES:
            assert good.pane_status(pane).error is None, (pane, good.pane_status(pane))
        _set_fault(proxy, fault)
        try:
            await asyncio.sleep(0.05)  # the other panes' clocks must move on
            broken = await service.refresh()
        finally:
            _clear_fault(proxy, fault)
        for pane in PANES[kind]:
            status = broken.pane_status(pane)
            assert status.error is not None, (pane, fault)
            assert DIAGNOSES[fault].lower() in status.error.lower(), (pane, status.error)
            assert status.updated_at == good.pane_status(pane).updated_at  # the age of the data shown
            assert _rows(broken, pane) == _rows(good, pane) > 0  # the last good rows stay
        for pane in (p for p in ALL_PANES if p not in PANES[kind]):
            status = broken.pane_status(pane)
            assert status.error is None, (pane, status.error)
            assert status.updated_at is not None
            assert status.updated_at > (good.pane_status(pane).updated_at or 0)  # still updating
        backend = next(b for b in broken.backends if b.kind == kind)
        assert backend.error is not None
        healed = await service.refresh()
        for pane in ALL_PANES:
            assert healed.pane_status(pane).error is None, (pane, healed.pane_status(pane))
        assert next(b for b in healed.backends if b.kind == kind).error is None
    finally:
        await service.backends.aclose()


async def test_a_slow_answer_within_the_timeout_is_an_answer(
    live_demo: DemoUrls, proxies: dict[str, FaultProxy]
) -> None:
    async def refreshed_through_slow(kind: str) -> Dashboard:
        service = _service(live_demo, kind, proxies[kind].url, SLOW_SECONDS + GENEROUS_TIMEOUT)
        try:
            return await service.refresh()
        finally:
            await service.backends.aclose()

    # Every answer of one backend is late; the three backends (each behind its own proxy, the
    # others asked directly) at once, as they are independent.
    asked_before = {kind: proxies[kind].requests for kind in PANES}
    for kind in PANES:
        proxies[kind].slow_seconds = SLOW_SECONDS
        proxies[kind].mode = "slow"
    try:
        boards = await asyncio.gather(*(refreshed_through_slow(kind) for kind in PANES))
    finally:
        for kind in PANES:
            proxies[kind].mode = "ok"
    for kind, board in zip(PANES, boards, strict=True):
        for pane in ALL_PANES:
            assert board.pane_status(pane).error is None, (kind, pane, board.pane_status(pane))
        assert proxies[kind].requests > asked_before[kind], kind  # answered through the slow proxy


@pytest.fixture(scope="module")
def tls_proxy_url(live_demo: DemoUrls) -> Iterator[str]:
    """An HTTPS server with a certificate from a CA nobody trusts."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


CONFIG_FAULTS = {"dns": "dns", "unknown_ca": "tls: unknown ca"}


@pytest.mark.parametrize("fault", list(CONFIG_FAULTS))
@pytest.mark.parametrize("kind", list(PANES))
async def test_configuration_faults_are_named_and_touch_only_their_panes(
    kind: str, fault: str, live_demo: DemoUrls, request: pytest.FixtureRequest
) -> None:
    """A name that does not resolve, a certificate from an unknown CA: not transient, so no healing."""
    url = "http://backend.invalid:9090" if fault == "dns" else request.getfixturevalue("tls_proxy_url")
    service = _service(live_demo, kind, url)
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    for pane in PANES[kind]:
        error = board.pane_status(pane).error
        assert error is not None and CONFIG_FAULTS[fault] in error.lower(), error
    for pane in (p for p in ALL_PANES if p not in PANES[kind]):
        assert board.pane_status(pane).error is None


# -- Jaeger: asked on demand -------------------------------------------------------------------


@pytest.mark.parametrize("fault", HEALING_FAULTS)
async def test_jaeger_faults_are_typed_errors_and_the_client_heals(
    fault: str, proxies: dict[str, FaultProxy]
) -> None:
    proxy = proxies["jaeger"]
    client = JaegerClient(_endpoint(proxy.url, _timeout_for(fault)), retry=FAST_RETRY)
    client.http.max_body_bytes = SMALL_BODY_LIMIT
    try:
        assert await client.services()
        _set_fault(proxy, fault)
        try:
            with pytest.raises(BackendError) as caught:
                await client.services()
        finally:
            _clear_fault(proxy, fault)
        assert DIAGNOSES[fault].lower() in caught.value.message.lower(), caught.value.message
        assert await client.services()
    finally:
        await client.aclose()


async def test_jaeger_dns_and_unknown_ca(tls_proxy_url: str) -> None:
    for url, words in (("http://jaeger.invalid:16686", "dns"), (tls_proxy_url, "tls: unknown ca")):
        client = JaegerClient(_endpoint(url), retry=FAST_RETRY)
        try:
            with pytest.raises(BackendError) as caught:
                await client.services()
        finally:
            await client.aclose()
        assert words in caught.value.message.lower()


async def test_the_console_shows_the_error_with_the_age_of_the_rows_it_keeps(
    live_demo: DemoUrls, proxies: dict[str, FaultProxy]
) -> None:
    proxy = proxies["prometheus"]
    urls = replace(live_demo, prometheus=proxy.url)
    app = OpsConsoleApp(demo_options(urls, auto_refresh=False))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        health = app.panes["health"]
        rows = health.table.row_count
        assert rows > 0 and "⚠" not in str(health.border_subtitle)
        proxy.mode = "500"
        try:
            app.action_refresh()
            await work_done(app)
            await pilot.pause()
        finally:
            proxy.mode = "ok"
        subtitle = str(health.border_subtitle)
        assert subtitle.startswith("⚠ prometheus: 500: server error"), subtitle
        assert "showing data from" in subtitle
        assert health.has_class("-error")
        assert health.table.row_count == rows  # the last good rows stay on screen
        assert "⚠" not in str(app.panes["alerts"].border_subtitle)  # Alertmanager still answers
        await pilot.press("2")  # the console still takes keys
        assert app.active == "alerts"
        app.action_refresh()
        await work_done(app)
        await pilot.pause()
        assert "⚠" not in str(health.border_subtitle)
        assert not health.has_class("-error")
