"""A refresh asks what does not depend on an answer without waiting for that answer.

The first refresh asks Prometheus for its scrape config (the ``$rate_window`` of every metric query
follows it); the Alertmanager's alerts and silences need nothing of it, and used to go out only
once the config had come back, the silences only once the alerts had. A one-shot command
(``opsconsole snapshot``) waited for the three in turn. Here the config and the alerts are held
until the other requests have arrived: a refresh that still asks in turn never gets them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.transport import BackendHttp
from opsconsole.config import EndpointSettings
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from tests.support.refresh_fixtures import NO_RETRY, builtin_pack

# How long a held request waits for the others. Asked together they arrive within the same
# turns of the event loop; asked in turn they never arrive while it waits, however long.
HOLD = 5.0
ALERT = {
    "labels": {
        "alertname": "AgentUnresponsive",
        "severity": "critical",
        "namespace": "progressive-framework",
    },
    "annotations": {"summary": "npa-3 is down"},
    "startsAt": "2026-11-30T10:00:00Z",
    "endsAt": "2026-11-30T11:00:00Z",
    "updatedAt": "2026-11-30T10:00:00Z",
    "fingerprint": "0123456789abcdef",
    "receivers": [{"name": "oncall"}],
    "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
}


class HeldServers:
    """Requests seen, in order, and what each held request was waiting for."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.arrived = {name: asyncio.Event() for name in ("config", "alerts", "silences")}

    def saw(self, name: str) -> None:
        self.seen.append(name)
        self.arrived[name].set()

    async def hold_until(self, *names: str) -> bool:
        """Wait for ``names`` to arrive; False when they did not within :data:`HOLD`."""
        try:
            async with asyncio.timeout(HOLD):
                await asyncio.gather(*(self.arrived[n].wait() for n in names))
        except TimeoutError:
            return False
        return True


class HeldPrometheus:
    """Answers the scrape config once the Alertmanager's requests are in; every query fails."""

    def __init__(self, servers: HeldServers) -> None:
        self.servers = servers
        self.endpoint = EndpointSettings(url="http://prometheus.test:9090")

    async def status_config(self) -> str:
        self.servers.saw("config")
        if not await self.servers.hold_until("alerts", "silences"):
            raise BackendError("prometheus", FailureKind.TIMEOUT, "the alerts were not asked meanwhile")
        return "global:\n  scrape_interval: 15s\nscrape_configs: []\n"

    def __getattr__(self, name: str) -> Any:
        async def refused(*args: object, **kwargs: object) -> Any:
            raise BackendError("prometheus", FailureKind.CONNECTION_REFUSED, "connection refused")

        return refused


def held_alertmanager(servers: HeldServers) -> AlertmanagerClient:
    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/silences"):
            servers.saw("silences")
            return httpx.Response(200, json=[])
        servers.saw("alerts")
        if not await servers.hold_until("silences"):
            return httpx.Response(503, text="the silences were not asked meanwhile")
        return httpx.Response(200, json=[ALERT])

    endpoint = EndpointSettings(url="http://alertmanager.test:9093")
    transport = httpx.MockTransport(handle)
    return AlertmanagerClient(
        endpoint, http=BackendHttp("alertmanager", endpoint, retry=NO_RETRY, transport=transport)
    )


async def test_the_alerts_and_silences_go_out_beside_the_scrape_config_request() -> None:
    servers = HeldServers()
    backends = BackendSet(prometheus=HeldPrometheus(servers), alertmanagers=[held_alertmanager(servers)])  # type: ignore[arg-type]
    service = RefreshService("test", builtin_pack(), backends)
    try:
        board = await service.refresh()
    finally:
        await service.backends.aclose()
    assert sorted(servers.seen[:3]) == ["alerts", "config", "silences"], servers.seen
    assert board.pane_status("alerts").error is None, board.pane_status("alerts").error
    shown = [a.alertname for g in [*board.alerts, *board.alerts_outside] for a in g.alerts]
    assert shown == ["AgentUnresponsive"]
    # The rate windows follow the config that came back (15 s scrapes), not the assumed default.
    assert service.queries.longest_scrape_interval() == 15.0
    # Prometheus' own panes fail on their own, as they would have.
    assert "connection refused" in (board.pane_status("health").error or "")
