"""An Alertmanager v2 in process (httpx's mock transport): no socket, no wait, so the tests of
``opsconsole/mutations/`` that use it are fast enough to run for every mutant.

It answers what ``opsconsole/mutations/`` asks, in the very shapes Alertmanager 0.35 sends (recorded
from the real server, and checked against it by ``tests/test_fake_alertmanager_contract.py``):

- ``GET /api/v2/silences``: every silence, expired ones included; times in RFC 3339 with
  milliseconds and ``Z``; no ``annotations`` key when a silence has none; listed active (soonest end
  first), then pending (soonest start first), then expired (latest end first).
- ``GET /api/v2/alerts``: ``gettableAlert`` objects; ``silencedBy`` names the active silences whose
  matchers (anchored regexes) all match the alert's labels, and ``state`` is ``suppressed`` then;
  ``mutedBy`` is always ``[]`` here; the ``active``/``silenced``/``inhibited`` parameters filter.
- ``DELETE /api/v2/silence/{id}``: 200 with an empty body (an expired one too), 404 with an empty
  body for an unknown id; the silence stays listed as ``expired``, its end and update time now.

``fail`` makes a path answer an error instead (a status and body), ``down`` refuses every
connection; ``requests`` keeps what was asked, method and path, for a test to read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from opsconsole.backends.alertmanager import AlertmanagerClient, alertmanager_error_text
from opsconsole.backends.transport import BackendHttp, RetryPolicy
from opsconsole.config import EndpointSettings

# No pause between retries (a read answered 5xx is tried again at once).
NO_WAIT = RetryPolicy(attempts=2, backoff_factor=0.0, max_backoff=0.0, jitter=0.0)


def wire_time(at: float) -> str:
    """A time as Alertmanager writes it: ``2027-01-15T08:00:00.000Z``."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def matcher(name: str, value: str, op: str = "=") -> dict[str, Any]:
    """One matcher as Alertmanager lists it (its own key order)."""
    return {"isEqual": op in ("=", "=~"), "isRegex": op in ("=~", "!~"), "name": name, "value": value}


def _matches(wire: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    value = labels.get(str(wire["name"]), "")
    found = re.fullmatch(str(wire["value"]), value) is not None if wire["isRegex"] else value == wire["value"]
    return found == bool(wire["isEqual"])


@dataclass
class FakeSilence:
    """One silence the fake holds; its state follows the fake's clock as Alertmanager's does."""

    id: str
    matchers: list[dict[str, Any]]
    starts_at: float
    ends_at: float
    created_by: str = "alice"
    comment: str = "maintenance"
    updated_at: float | None = None

    def state(self, now: float) -> str:
        if self.ends_at <= now:
            return "expired"
        return "pending" if self.starts_at > now else "active"

    def wire(self, now: float) -> dict[str, Any]:
        """A ``gettableSilence`` with 0.35's key order."""
        return {
            "id": self.id,
            "status": {"state": self.state(now)},
            "updatedAt": wire_time(self.starts_at if self.updated_at is None else self.updated_at),
            "comment": self.comment,
            "createdBy": self.created_by,
            "endsAt": wire_time(self.ends_at),
            "matchers": self.matchers,
            "startsAt": wire_time(self.starts_at),
        }


@dataclass
class FakeAlert:
    """One firing alert (Prometheus keeps re-sending it, so its end is a deadline ahead)."""

    labels: dict[str, str]
    starts_at: float
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if not self.fingerprint:  # 16 hex digits from the label set, stable as Alertmanager's
            text = json.dumps(sorted(self.labels.items()))
            self.fingerprint = hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class FakeAlertmanager:
    """One Alertmanager (or one HA cluster's shared state, when several peers' transports use it)."""

    clock: Callable[[], float]
    silences: list[FakeSilence] = field(default_factory=list)
    alerts: list[FakeAlert] = field(default_factory=list)
    fail: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    down: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)

    # -- what a test sets up ------------------------------------------------------------------

    def add_silence(self, silence: FakeSilence) -> FakeSilence:
        self.silences.append(silence)
        return silence

    def fire(self, labels: dict[str, str], since: float | None = None) -> FakeAlert:
        alert = FakeAlert(dict(labels), self.clock() - 60 if since is None else since)
        self.alerts.append(alert)
        return alert

    def resolve(self, alertname: str) -> None:
        """Prometheus sent the alert with an end in the past: it is gone from ``/api/v2/alerts``."""
        self.alerts = [a for a in self.alerts if a.labels.get("alertname") != alertname]

    def state_of(self, silence_id: str) -> str:
        return next(s for s in self.silences if s.id == silence_id).state(self.clock())

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m != "GET"]

    # -- the server ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append((request.method, path))
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if (request.method, path) in self.fail:
            status, body = self.fail[(request.method, path)]
            return httpx.Response(status, content=body.encode())
        now = self.clock()
        if request.method == "GET" and path == "/api/v2/silences":
            return _json([s.wire(now) for s in self._listed(now)])
        if request.method == "GET" and path == "/api/v2/alerts":
            return _json(self._alerts(request.url.params, now))
        if request.method == "DELETE" and path.startswith("/api/v2/silence/"):
            wanted = path.rsplit("/", 1)[1]
            found = next((s for s in self.silences if s.id == wanted), None)
            if found is None:
                return httpx.Response(404)  # 0.26 and later: no body
            if found.state(now) != "expired":
                found.ends_at = now
                found.updated_at = now
            return httpx.Response(200)
        return httpx.Response(404, content=b"404 page not found\n")

    def _listed(self, now: float) -> list[FakeSilence]:
        by_state: dict[str, list[FakeSilence]] = {"active": [], "pending": [], "expired": []}
        for silence in self.silences:
            by_state[silence.state(now)].append(silence)
        return [
            *sorted(by_state["active"], key=lambda s: s.ends_at),
            *sorted(by_state["pending"], key=lambda s: s.starts_at),
            *sorted(by_state["expired"], key=lambda s: -s.ends_at),
        ]

    def _alerts(self, params: httpx.QueryParams, now: float) -> list[dict[str, Any]]:
        wanted = {k: params.get(k, "true") != "false" for k in ("active", "silenced", "inhibited")}
        out = []
        for alert in self.alerts:
            silenced_by = [
                s.id
                for s in self.silences
                if s.state(now) == "active" and all(_matches(m, alert.labels) for m in s.matchers)
            ]
            if not wanted["silenced" if silenced_by else "active"]:
                continue
            out.append(
                {
                    "annotations": {},
                    "endsAt": wire_time(now + 240),
                    "fingerprint": alert.fingerprint,
                    "receivers": [{"name": "team-pager"}],
                    "startsAt": wire_time(alert.starts_at),
                    "status": {
                        "inhibitedBy": [],
                        "mutedBy": [],
                        "silencedBy": silenced_by,
                        "state": "suppressed" if silenced_by else "active",
                    },
                    "updatedAt": wire_time(alert.starts_at),
                    "labels": alert.labels,
                }
            )
        return out

    # -- clients ------------------------------------------------------------------------------

    def peer(
        self, name: str, *, cluster: str | None = None, read_only: bool = False, url: str = ""
    ) -> AlertmanagerClient:
        """A client of this Alertmanager, as ``context_service`` makes one, over the mock transport."""
        endpoint = EndpointSettings(url=url or f"http://{name}.example:9093", name=name, cluster=cluster)
        http = BackendHttp(
            "alertmanager",
            endpoint,
            read_only=read_only,
            retry=NO_WAIT,
            transport=httpx.MockTransport(self.handle),
            error_parser=alertmanager_error_text,
        )
        return AlertmanagerClient(endpoint, read_only=read_only, http=http)


def _json(data: Any) -> httpx.Response:
    # Alertmanager's own encoding: compact, UTF-8, and application/json.
    return httpx.Response(
        200,
        content=json.dumps(data, separators=(",", ":")).encode(),
        headers={"Content-Type": "application/json"},
    )
