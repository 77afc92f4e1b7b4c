"""The backend clients of one context."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import ResolvedContext

if TYPE_CHECKING:  # Jaeger's and Loki's clients are imported only for a context that names one
    from opsconsole.backends.jaeger import JaegerClient
    from opsconsole.backends.loki import LokiClient


@dataclass
class BackendSet:
    """Clients for every backend a context names (absent ones are None / empty)."""

    prometheus: PrometheusClient | None = None
    alertmanagers: list[AlertmanagerClient] = field(default_factory=list)
    loki: LokiClient | None = None
    jaeger: JaegerClient | None = None
    read_only: bool = False

    @classmethod
    def for_context(cls, context: ResolvedContext) -> BackendSet:
        """Build clients honouring the context's auth, TLS and read-only setting."""
        settings = context.settings
        read_only = context.read_only
        jaeger: JaegerClient | None = None
        if settings.jaeger:
            from opsconsole.backends.jaeger import JaegerClient

            jaeger = JaegerClient(settings.jaeger, read_only=read_only)
        loki: LokiClient | None = None
        if settings.loki:
            from opsconsole.backends.loki import LokiClient

            loki = LokiClient(settings.loki, read_only=read_only)
        return cls(
            prometheus=PrometheusClient(settings.prometheus, read_only=read_only)
            if settings.prometheus
            else None,
            alertmanagers=[AlertmanagerClient(am, read_only=read_only) for am in settings.alertmanagers],
            loki=loki,
            jaeger=jaeger,
            read_only=read_only,
        )

    async def aclose(self) -> None:
        """Close every client."""
        clients: list[PrometheusClient | AlertmanagerClient | LokiClient | JaegerClient | None] = [
            self.prometheus,
            *self.alertmanagers,
            self.loki,
            self.jaeger,
        ]
        await asyncio.gather(*(c.aclose() for c in clients if c is not None), return_exceptions=True)
