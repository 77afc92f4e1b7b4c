"""The logs pane when the refresh polls Loki (snapshots, the wallboard's fallback): a backlog first,
then the lines since the last one seen, kept in a bounded buffer."""

from __future__ import annotations

from collections import deque
from typing import Any

from opsconsole.core.dashboard import LogRow
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun

LOG_BACKLOG = 200
LOG_KEEP = 2000
NS = 1_000_000_000


class LogsPane:
    """Builds the log rows; keeps the cursor, the lines seen and Loki's warnings of this refresh."""

    def __init__(self) -> None:
        self.rows: deque[LogRow] = deque(maxlen=LOG_KEEP)
        self.seen: set[tuple[Any, ...]] = set()
        self.warnings: list[str] = []  # Loki's, on this refresh's log queries
        self.cursor_ns: int | None = None

    async def __call__(self, run: PaneRun) -> PaneOutput:
        loki, logs = run.backends.loki, run.queries.pack.logs
        if not run.settings.poll_logs:  # the console tails Loki itself and says so in the pane
            return PaneOutput([])
        if loki is None:  # an empty LOGS section must say why, in the text and in --json
            return PaneOutput([], notes=["no Loki in this context"])
        if logs is None or logs.selector is None:  # the pack's own word on where its logs are, if any
            said = logs is not None and bool(logs.unavailable)
            return PaneOutput([], notes=[] if said else ["no logs in this pack"])
        # Here, not at the top: without Loki a refresh (a snapshot) imports none of the log tail's
        # modules (the Loki client's, the live tail's, the log line parser's).
        from opsconsole.refresh.log_tail import entry_row

        query = run.queries.text("logs.tail")
        end_ns = int(run.now * NS) + 1
        warnings: list[str] = []
        if self.cursor_ns is None:
            start_ns = int((run.now - min(run.range_seconds, 3600)) * NS)
            result = await loki.query_range(query, start_ns, end_ns, limit=LOG_BACKLOG, direction="backward")
            entries = sorted(result.entries, key=lambda e: e.ts_ns)
            warnings = list(result.warnings)
            self.seen.update(e.key for e in entries)
        else:
            entries = await loki.lines_since(query, self.cursor_ns, end_ns, seen=self.seen, warnings=warnings)
        self.warnings = warnings
        if entries:
            self.cursor_ns = max(self.cursor_ns or 0, entries[-1].ts_ns)
        if self.cursor_ns is not None:
            # Only lines at the cursor's nanosecond can come again (the next query starts there,
            # inclusive): keeping every key seen grew by each refresh's lines, up to 8000 of them.
            cursor = self.cursor_ns
            self.seen = {key for key in self.seen if key[0] >= cursor}
        self.rows.extend(entry_row(e, logs.fields) for e in entries)
        return PaneOutput(list(self.rows), queries=1, empty=[] if self.rows else ["logs.tail"])
