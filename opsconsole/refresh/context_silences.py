"""Every context's silences at once (the console's ``:silences *``, and ``silence list --all-contexts``
so that both show the same rows): each context's Alertmanager clusters read through their own peers'
failover, concurrently with a bound and a deadline per context
(:func:`~opsconsole.refresh.fan_out.fan_out`), so a dead or slow context shows its error and the age
of its last good rows and never delays the others.

Changes go through the context's own :class:`~opsconsole.mutations.silences.SilenceService`, so a
read-only context refuses them (and its transport refuses any non-GET as well).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from opsconsole.backends.alertmanager_models import Silence
from opsconsole.backends.errors import BackendError
from opsconsole.config import ResolvedContext
from opsconsole.core.dashboard import SilenceView
from opsconsole.core.silence_rows import ContextReadState, ContextSilences, SilenceRow, merge_silences
from opsconsole.mutations.silence_inventory import cluster_service, clusters_of
from opsconsole.mutations.silences import SilenceService, context_service
from opsconsole.refresh.context_overview import context_deadline
from opsconsole.refresh.fan_out import DEFAULT_CONCURRENCY, FanOutResult, fan_out
from opsconsole.refresh.panes.alerts import silence_view

READ_ONLY_REASON = "{context} is read-only: its silences cannot be expired or extended here"
NO_ALERTMANAGER = "no Alertmanager configured"  # a context with nothing to read: said, not failed


async def read_context(
    service: SilenceService, context: ResolvedContext, raw: dict[tuple[str, str], Silence] | None = None
) -> tuple[ContextSilences, list[str]]:
    """Every cluster's silences with the alerts each mutes; the clusters that did not answer.

    ``raw`` collects each silence as Alertmanager sent it, by (cluster, id), for ``--json``.
    """
    found: list[tuple[str, SilenceView, tuple[tuple[str, str], ...]]] = []
    gaps: list[str] = []
    clusters = clusters_of(service)
    for cluster in clusters:
        one = cluster_service(service, cluster)
        try:
            silences = await one.silences()
            alerts = await one.alerts()
        except BackendError as exc:
            if len(clusters) == 1:
                raise
            gaps.append(f"{cluster or 'unnamed cluster'}: {exc.message}")
            continue
        pairs = [(a, "") for a in alerts]
        for silence in silences:
            if raw is not None:
                raw[(cluster, silence.id)] = silence
            muted = tuple(
                (a.fingerprint, a.labels.get("alertname", "?"))
                for a in alerts
                if silence.id in a.status.silenced_by
            )
            found.append((cluster, silence_view(silence, cluster, pairs), muted))
    urls = frozenset(am.url for am in context.settings.alertmanagers)
    return ContextSilences(context.name, context.read_only, urls, tuple(found)), gaps


@dataclass
class EveryContextSilences:
    """One silence service per context (built on first use), the last good read of each."""

    contexts: Sequence[ResolvedContext]
    journal_path: Path | None = None
    clock: Callable[[], float] = time.time
    deadline: float | None = None
    limit: int = DEFAULT_CONCURRENCY
    services: dict[str, SilenceService] = field(default_factory=dict)
    read: dict[str, ContextSilences] = field(default_factory=dict)
    states: dict[str, ContextReadState] = field(default_factory=dict)
    raw: dict[str, dict[tuple[str, str], Silence]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for context in self.contexts:
            self.states[context.name] = ContextReadState(context.name, context.read_only)

    def service(self, context_name: str) -> SilenceService:
        """The context's silence service (its read-only setting holds)."""
        if context_name not in self.services:
            context = next(c for c in self.contexts if c.name == context_name)
            self.services[context_name] = context_service(context, self.journal_path, self.clock)
        return self.services[context_name]

    def service_of(self, row: SilenceRow) -> SilenceService:
        """Where a change of ``row`` goes: its cluster's peers in the context it is changed through."""
        return cluster_service(self.service(row.via), row.cluster)

    async def refresh(self, on_context: Callable[[str], None] | None = None) -> list[SilenceRow]:
        """Read every context with an Alertmanager; ``on_context`` as each one is known."""
        asking = [c for c in self.contexts if c.settings.alertmanagers]
        for context in self.contexts:
            state = self.states[context.name]
            if not context.settings.alertmanagers:
                self.states[context.name] = replace(state, error=NO_ALERTMANAGER)
            else:
                self.states[context.name] = replace(state, waiting=True)

        async def one(context: ResolvedContext) -> tuple[ContextSilences, list[str]]:
            raw: dict[tuple[str, str], Silence] = {}
            read = await read_context(self.service(context.name), context, raw)
            self.raw[context.name] = raw
            return read

        def done(result: FanOutResult[ResolvedContext, tuple[ContextSilences, list[str]]]) -> None:
            name = result.key.name
            state = self.states[name]
            if result.value is not None:
                self.read[name], gaps = result.value
                state = replace(state, read_at=self.clock(), error="", waiting=False, gaps=tuple(gaps))
            else:
                state = replace(state, error=_describe(result.error), waiting=False)
            self.states[name] = state
            if on_context is not None:
                on_context(name)

        await fan_out(
            asking,
            one,
            deadline=lambda c: context_deadline(c, self.deadline),
            limit=self.limit,
            on_done=done,
        )
        return self.rows()

    def rows(self) -> list[SilenceRow]:
        """The last good silences of every context, merged (see :func:`merge_silences`)."""
        places = [self.read[c.name] for c in self.contexts if c.name in self.read]
        return merge_silences(places, READ_ONLY_REASON)

    def as_sent(self, row: SilenceRow) -> Silence | None:
        """``row``'s silence as its Alertmanager sent it (the fields ``silence list --json`` prints)."""
        return self.raw.get(row.via, {}).get((row.cluster, row.silence.id))

    def read_states(self) -> list[ContextReadState]:
        """Each context's read state, in the contexts' order."""
        return [self.states[c.name] for c in self.contexts]

    async def aclose(self) -> None:
        """Close every context's connections."""
        for service in self.services.values():
            for peer in service.peers:
                await peer.aclose()


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no answer"
    message = getattr(error, "message", None) or str(error)
    return str(message) or type(error).__name__
