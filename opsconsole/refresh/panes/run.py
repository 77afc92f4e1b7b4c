"""What one pane build is given: the instant, the settings the screen chose, and the query texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.queries import PackQueries
from opsconsole.refresh.query_batch import QueryBatch


@dataclass(frozen=True)
class RefreshSettings:
    """What the screen decides and the refresh follows (passed in, never poked into the service)."""

    range_seconds: float = 900.0
    group_by: Sequence[str] | None = None  # alert grouping; None: the pack's
    poll_logs: bool = True  # the console tails Loki itself (LogTail); snapshots poll
    # The panes to build (None: every one). The wallboard draws no RED or saturation rows: asking
    # for them every refresh was most of its queries. A recording still builds every pane.
    panes: frozenset[str] | None = None


@dataclass(frozen=True)
class PaneRun:
    """One refresh as a pane sees it."""

    now: float
    settings: RefreshSettings
    queries: PackQueries
    backends: BackendSet
    batch: QueryBatch | None  # None without a Prometheus

    @property
    def range_seconds(self) -> float:
        """The chart range of this refresh."""
        return self.settings.range_seconds

    def prometheus_batch(self) -> QueryBatch:
        """The refresh's query batch; raises the pane's error when no Prometheus is configured."""
        if self.batch is None:
            raise BackendError(
                "prometheus", FailureKind.NOT_CONFIGURED, "no Prometheus configured for this context"
            )
        return self.batch
