"""Refresh every context at once for the overview (console ``:ctx *``, ``opsconsole overview``,
``snapshot --all-contexts``): each context's own refresh service, concurrently with a bound, each
with its own deadline, so a dead or slow context shows its error and age and never delays the rest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from opsconsole.config import ConfigError, ConsoleConfig, Overrides, ResolvedContext, resolve_context
from opsconsole.core.context_overview import ContextRow, MergedAlert, failed_row, merged_alerts, refreshed_row
from opsconsole.core.dashboard import Dashboard
from opsconsole.refresh.fan_out import DEFAULT_CONCURRENCY, FanOutResult, fan_out
from opsconsole.refresh.service import RefreshService

SLACK_SECONDS = 5.0  # on top of a context's slowest endpoint timeout


URL_ENV = (
    "OPSCONSOLE_PROMETHEUS_URL",
    "OPSCONSOLE_ALERTMANAGER_URL",
    "OPSCONSOLE_LOKI_URL",
    "OPSCONSOLE_JAEGER_URL",
)


def resolve_every_context(
    config: ConsoleConfig, config_path: Path | None, *, read_only: bool = False
) -> list[ResolvedContext]:
    """Each context of the config, in name order (``default`` when there are none). The URL variables
    (``OPSCONSOLE_PROMETHEUS_URL``…) name one context's backends and are not applied to all; the
    read-only switch (flag, ``OPSCONSOLE_READ_ONLY``, the context's own) holds for each."""
    environ = {k: v for k, v in os.environ.items() if k not in URL_ENV and k != "OPSCONSOLE_CONTEXT"}
    names: list[str | None] = list(sorted(config.contexts)) or [None]
    return [
        resolve_context(config, Overrides(context=name, read_only=read_only), environ, config_path)
        for name in names
    ]


def context_deadline(context: ResolvedContext, override: float | None = None) -> float:
    """How long a context's refresh may take before it is shown as not answering."""
    if override:
        return override
    slowest = max((endpoint.timeout for _, endpoint in context.endpoints()), default=10.0)
    return slowest + SLACK_SECONDS


@dataclass
class ContextOverviewService:
    """One refresh service per context, built on first use; the last good row of each."""

    contexts: Sequence[ResolvedContext]
    make_service: Callable[[ResolvedContext], RefreshService]
    deadline: float | None = None
    limit: int = DEFAULT_CONCURRENCY
    clock: Callable[[], float] = time.time
    services: dict[str, RefreshService] = field(default_factory=dict)
    rows: dict[str, ContextRow] = field(default_factory=dict)
    boards: dict[str, Dashboard] = field(default_factory=dict)

    def _service(self, context: ResolvedContext) -> RefreshService:
        if context.name not in self.services:
            self.services[context.name] = self.make_service(context)
        return self.services[context.name]

    async def refresh(self, on_row: Callable[[ContextRow], None] | None = None) -> list[ContextRow]:
        """Every context's row, in the contexts' order; ``on_row`` as each one is known."""
        by_name = {c.name: c for c in self.contexts}

        async def one(context: ResolvedContext) -> Dashboard:
            return await self._service(context).refresh()

        def done(result: FanOutResult[ResolvedContext, Dashboard]) -> None:
            context = result.key
            if result.value is not None:
                self.boards[context.name] = result.value
                row = refreshed_row(result.value, self.rows.get(context.name), read_only=context.read_only)
            else:
                error = result.error
                text = str(error) if isinstance(error, ConfigError | TimeoutError) else _describe(error)
                row = failed_row(context.name, text, self.rows.get(context.name), read_only=context.read_only)
            self.rows[context.name] = row
            if on_row is not None:
                on_row(row)

        await fan_out(
            list(self.contexts),
            one,
            deadline=lambda c: context_deadline(c, self.deadline),
            limit=self.limit,
            on_done=done,
        )
        return [self.rows[name] for name in by_name]

    def merged(self) -> list[MergedAlert]:
        """Every context's alerts of the last good refreshes, merged (see :func:`merged_alerts`)."""
        boards = []
        for context in self.contexts:
            board = self.boards.get(context.name)
            if board is not None:
                urls = frozenset(am.url for am in context.settings.alertmanagers)
                boards.append((context.name, board, urls))
        return merged_alerts(boards)

    async def aclose(self) -> None:
        """Close every context's connections."""
        for service in self.services.values():
            await service.backends.aclose()


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no answer"
    message = getattr(error, "message", None) or str(error)
    return message or type(error).__name__
