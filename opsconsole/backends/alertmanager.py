"""Async Alertmanager v2 client.

Only ``/api/v2`` is used (``/api/v1`` is gone from 0.27). ``filter`` takes one
matcher per value, always quoted and without braces, which every version from
0.25 on accepts. Error bodies come as a bare JSON string or as
``{"code", "message"}``; both are turned into the server's own words. Creating a
silence is never retried (a retried POST can create a duplicate silence).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from opsconsole.backends.alertmanager_models import (
    Alert,
    AlertGroup,
    AlertmanagerStatus,
    Matcher,
    Receiver,
    Silence,
)
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.probe import BackendInfo
from opsconsole.backends.transport import DEFAULT_RETRY, BackendHttp, RetryPolicy
from opsconsole.backends.type_adapters import adapter_for
from opsconsole.config import EndpointSettings
from opsconsole.core.untrusted_text import excerpt

BACKEND = "alertmanager"


def alertmanager_error_text(status: int, body: str) -> str:
    """Alertmanager's message from either of its error body shapes."""
    try:
        payload = json.loads(body)
    except ValueError:
        return excerpt(body, 300)
    if isinstance(payload, str):
        return excerpt(payload, 300)
    if isinstance(payload, dict) and "message" in payload:
        return excerpt(str(payload["message"]), 300)
    return excerpt(body, 300)


def peer_label(endpoint: EndpointSettings) -> str:
    """How a peer is named on screen: its configured ``name``, else ``host:port`` (and any path)."""
    if endpoint.name:
        return endpoint.name
    parts = urlsplit(endpoint.url)
    host = parts.hostname or endpoint.url
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}{parts.path.rstrip('/')}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("silence times must be timezone-aware")
    return moment.isoformat().replace("+00:00", "Z")


def silence_body(
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    *,
    silence_id: str | None = None,
) -> dict[str, Any]:
    """The exact ``postableSilence`` JSON sent for a create or update (shown before confirming)."""
    body: dict[str, Any] = {
        "matchers": [m.to_wire() for m in matchers],
        "startsAt": _iso(starts_at),
        "endsAt": _iso(ends_at),
        "createdBy": created_by,
        "comment": comment,
    }
    if silence_id:
        body["id"] = silence_id
    return body


class AlertmanagerClient:
    """One Alertmanager peer."""

    def __init__(
        self,
        endpoint: EndpointSettings,
        *,
        read_only: bool = False,
        retry: RetryPolicy = DEFAULT_RETRY,
        environ: Mapping[str, str] | None = None,
        http: BackendHttp | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.http = http or BackendHttp(
            BACKEND,
            endpoint,
            read_only=read_only,
            retry=retry,
            environ=environ,
            error_parser=alertmanager_error_text,
        )

    @property
    def name(self) -> str:
        """Display name of this peer: its configured name, else ``host:port``."""
        return peer_label(self.endpoint)

    def _parse(self, adapter: TypeAdapter[Any], data: Any, what: str) -> Any:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BackendError(
                BACKEND,
                FailureKind.WRONG_SHAPE,
                f"unexpected {what} shape at {where or 'top'}: {first['msg']}",
                url=self.endpoint.url,
            ) from None

    async def status(self) -> AlertmanagerStatus:
        """Version, uptime and cluster state."""
        data = await self.http.get_json("api/v2/status")
        status: AlertmanagerStatus = self._parse(adapter_for(AlertmanagerStatus), data, "status")
        return status

    @staticmethod
    def _alert_params(
        filters: Sequence[Matcher | str], active: bool, silenced: bool, inhibited: bool, receiver: str | None
    ) -> list[tuple[str, str]]:
        params = [("active", _bool(active)), ("silenced", _bool(silenced)), ("inhibited", _bool(inhibited))]
        params += [("filter", f.to_filter() if isinstance(f, Matcher) else f) for f in filters]
        if receiver:
            params.append(("receiver", receiver))
        return params

    async def alerts(
        self,
        filters: Sequence[Matcher | str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> list[Alert]:
        """Alerts, optionally narrowed by matchers (``Matcher`` or ``name="value"`` strings)."""
        params = self._alert_params(filters, active, silenced, inhibited, receiver)
        params.append(("unprocessed", _bool(unprocessed)))
        data = await self.http.get_json("api/v2/alerts", params)
        alerts: list[Alert] = self._parse(adapter_for(list[Alert]), data, "alerts")
        return alerts

    async def alert_groups(
        self,
        filters: Sequence[Matcher | str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        receiver: str | None = None,
    ) -> list[AlertGroup]:
        """Alerts grouped by the routing tree (an alert appears once per matching route)."""
        params = self._alert_params(filters, active, silenced, inhibited, receiver)
        data = await self.http.get_json("api/v2/alerts/groups", params)
        groups: list[AlertGroup] = self._parse(adapter_for(list[AlertGroup]), data, "alert groups")
        return groups

    async def receivers(self) -> list[Receiver]:
        """Configured receivers."""
        data = await self.http.get_json("api/v2/receivers")
        receivers: list[Receiver] = self._parse(adapter_for(list[Receiver]), data, "receivers")
        return receivers

    async def silences(self, filters: Sequence[Matcher | str] = ()) -> list[Silence]:
        """All silences (pending, active and expired), optionally those containing these exact matchers."""
        params = [("filter", f.to_filter() if isinstance(f, Matcher) else f) for f in filters]
        data = await self.http.get_json("api/v2/silences", params)
        silences: list[Silence] = self._parse(adapter_for(list[Silence]), data, "silences")
        return silences

    async def silence(self, silence_id: str) -> Silence:
        """One silence by id."""
        try:
            data = await self.http.get_json(f"api/v2/silence/{silence_id}")
        except BackendError as exc:
            if exc.status == 404:
                raise BackendError(
                    BACKEND, FailureKind.NOT_FOUND, f"silence {silence_id} not found", url=exc.url, status=404
                ) from None
            raise
        silence: Silence = self._parse(adapter_for(Silence), data, "silence")
        return silence

    async def create_silence(
        self,
        matchers: Sequence[Matcher],
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
        *,
        silence_id: str | None = None,
    ) -> str:
        """Create (or, with ``silence_id``, update) a silence; returns the id Alertmanager kept or made.

        An update may return a *new* id (the old silence is then expired): always use the returned one.
        """
        body = silence_body(matchers, starts_at, ends_at, created_by, comment, silence_id=silence_id)
        return await self.post_silence(body)

    async def post_silence(self, body: dict[str, Any]) -> str:
        """Send a prepared ``postableSilence`` (see :func:`silence_body`); returns the id kept or made."""
        reply = await self.http.request("POST", "api/v2/silences", json_body=body)
        data = reply.json(BACKEND)
        if not isinstance(data, dict) or not isinstance(data.get("silenceID"), str):
            raise BackendError(
                BACKEND,
                FailureKind.WRONG_SHAPE,
                "silence created but no silenceID in the answer",
                url=reply.url,
                detail=excerpt(reply.text, 120),
            )
        return str(data["silenceID"])

    async def expire_silence(self, silence_id: str) -> None:
        """Expire a silence now. 0.25 answers an unknown id with 500 "silence not found", later 404."""
        try:
            await self.http.request("DELETE", f"api/v2/silence/{silence_id}")
        except BackendError as exc:
            if exc.status == 500 and "not found" in exc.detail.lower():
                raise BackendError(
                    BACKEND,
                    FailureKind.NOT_FOUND,
                    f"silence {silence_id} not found",
                    url=exc.url,
                    status=404,
                    detail=exc.detail,
                ) from None
            if exc.status == 404:
                raise BackendError(
                    BACKEND,
                    FailureKind.NOT_FOUND,
                    f"silence {silence_id} not found",
                    url=exc.url,
                    status=404,
                    detail=exc.detail,
                ) from None
            raise

    async def probe(self) -> BackendInfo:
        """Reachability and version for ``opsconsole check``."""
        status = await self.status()
        cluster = status.cluster.status
        peers = len(status.cluster.peers)
        summary = f"cluster {cluster}" + (f", {peers} peers" if peers else "")
        return BackendInfo(status.version_info.version, summary)

    async def aclose(self) -> None:
        """Close connections."""
        await self.http.aclose()
