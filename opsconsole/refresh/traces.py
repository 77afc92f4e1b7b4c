"""Traces one key away: one trace by id, or a service's recent traces, from the context's Jaeger."""

from __future__ import annotations

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger_models import Trace, TraceSearchPage
from opsconsole.refresh.backends_set import BackendSet


def _no_jaeger() -> BackendError:
    return BackendError("jaeger", FailureKind.NOT_CONFIGURED, "no Jaeger configured for this context")


async def trace(backends: BackendSet, trace_id: str) -> Trace:
    """One trace by id (raises :class:`BackendError`, e.g. not found)."""
    if backends.jaeger is None:
        raise _no_jaeger()
    return await backends.jaeger.trace(trace_id)


async def find_traces(
    backends: BackendSet,
    service: str,
    *,
    now: float,
    operation: str | None = None,
    min_duration: str | None = None,
    errors_only: bool = False,
    lookback: float = 3600.0,
    limit: int = 50,
) -> TraceSearchPage:
    """Recent traces of ``service`` before ``now``, newest first (raises :class:`BackendError`)."""
    if backends.jaeger is None:
        raise _no_jaeger()
    now_us = int(now * 1_000_000)
    return await backends.jaeger.search_page(
        service,
        start_us=now_us - int(lookback * 1_000_000),
        end_us=now_us,
        operation=operation or None,
        tags={"error": "true"} if errors_only else None,
        min_duration=min_duration or None,
        limit=limit,
    )
