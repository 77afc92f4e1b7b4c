"""Pydantic models of the Alertmanager v2 API.

Written tolerant: fields added by newer versions (``mutedBy``, silence
``annotations``, group ``routeLabels``) are optional and unknown ones ignored,
so 0.25 (Debian 12) through 0.35 parse alike. Times are timezone-aware datetimes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_CLASSIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class _Tolerant(BaseModel):
    # defer_build: a model's validator is built when first used, not at import; a one-shot command
    # uses few of them. pydantic >= 2.14 builds it under a lock, so threads may validate at once.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


class Matcher(_Tolerant):
    """One silence matcher: ``name`` op ``value`` with op from ``is_regex``/``is_equal``."""

    name: str
    value: str
    is_regex: bool = Field(alias="isRegex")
    is_equal: bool = Field(True, alias="isEqual")

    @property
    def operator(self) -> str:
        """``=``, ``!=``, ``=~`` or ``!~``."""
        return {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}[
            (self.is_regex, self.is_equal)
        ]

    def to_filter(self) -> str:
        """The portable ``filter`` form: no braces, value always double-quoted and escaped.

        A name outside ``[a-zA-Z_][a-zA-Z0-9_]*`` (``service.name``, ``zone name``) is quoted too:
        Alertmanager 0.27+ needs that for names with spaces and accepts it for any name, while 0.25,
        which refuses quoted names, cannot hold such labels in the first place.
        """
        name = self.name if _CLASSIC_NAME.fullmatch(self.name) else _quoted(self.name)
        return f"{name}{self.operator}{_quoted(self.value)}"

    def to_wire(self) -> dict[str, object]:
        """The JSON object Alertmanager expects."""
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}


class AlertStatus(_Tolerant):
    """Whether an alert is active or suppressed, and by what."""

    state: Literal["active", "suppressed", "unprocessed"]
    silenced_by: list[str] = Field(default_factory=list, alias="silencedBy")
    inhibited_by: list[str] = Field(default_factory=list, alias="inhibitedBy")
    muted_by: list[str] = Field(default_factory=list, alias="mutedBy")


class Receiver(_Tolerant):
    """A notification receiver."""

    name: str


class Alert(_Tolerant):
    """A ``gettableAlert``. ``ends_at`` of a firing alert is a resolve deadline, not an end."""

    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime = Field(alias="endsAt")
    updated_at: datetime = Field(alias="updatedAt")
    generator_url: str | None = Field(None, alias="generatorURL")
    receivers: list[Receiver] = Field(default_factory=list)
    status: AlertStatus

    @property
    def silenced(self) -> bool:
        """Suppressed by at least one silence."""
        return bool(self.status.silenced_by)

    @property
    def inhibited(self) -> bool:
        """Suppressed by an inhibition rule (``inhibited_by`` holds source alert fingerprints)."""
        return bool(self.status.inhibited_by)


class AlertGroup(_Tolerant):
    """A route's group: its ``group_by`` label values, receiver and alerts."""

    labels: dict[str, str] = Field(default_factory=dict)
    receiver: Receiver
    alerts: list[Alert] = Field(default_factory=list)


class SilenceStatus(_Tolerant):
    """``pending``, ``active`` or ``expired``."""

    state: Literal["pending", "active", "expired"]


class Silence(_Tolerant):
    """A ``gettableSilence``."""

    id: str
    status: SilenceStatus
    updated_at: datetime = Field(alias="updatedAt")
    matchers: list[Matcher]
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime = Field(alias="endsAt")
    created_by: str = Field(alias="createdBy")
    comment: str
    annotations: dict[str, str] = Field(default_factory=dict)


class ClusterPeer(_Tolerant):
    """A gossip peer."""

    name: str
    address: str


class ClusterStatus(_Tolerant):
    """HA status: ``ready``, ``settling`` or ``disabled`` (no peers)."""

    name: str | None = None
    status: str
    peers: list[ClusterPeer] = Field(default_factory=list)


class VersionInfo(_Tolerant):
    """Build information."""

    version: str
    revision: str = ""
    go_version: str = Field("", alias="goVersion")


class AlertmanagerStatus(_Tolerant):
    """``/api/v2/status``. ``config`` is deliberately not modelled: it may hold URLs with tokens."""

    cluster: ClusterStatus
    version_info: VersionInfo = Field(alias="versionInfo")
    uptime: datetime
