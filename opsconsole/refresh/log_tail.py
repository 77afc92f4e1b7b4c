"""The console's log tail: a backlog from ``query_range``, then Loki's live tail, into a ring buffer.

The live part is :class:`~opsconsole.backends.loki_tail.LokiTailStream` (websocket, reconnect with
backoff, polling fallback without gaps or duplicates). This module adds what the screen needs: rows
parsed once on arrival, a bounded :class:`LogBuffer`, and one line of honest status ("live",
"reconnecting", "N dropped by Loki", "N evicted").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from opsconsole.backends.errors import BackendError
from opsconsole.backends.loki import LokiClient, keep_warnings
from opsconsole.backends.loki_models import LogEntry
from opsconsole.backends.loki_tail import LokiTailStream, TailStatus
from opsconsole.core.dashboard import LogRow
from opsconsole.core.durations import format_duration
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.log_parse import log_row, shared_text
from opsconsole.packs.schema import LogFields

NS = 1_000_000_000
GAP_LEVEL = "gap"  # rows the console inserts itself (never from Loki)
WARNING_MARK = "△"  # Loki's warnings: worth reading, not a failure (that is ⚠)
ROWS_PER_SLICE = 200  # ~2-3 ms of parsing between chances for the UI to run


def entry_row(entry: LogEntry, fields: LogFields) -> LogRow:
    """One Loki entry as a displayable row (labels, structured metadata and parsed fields merged)."""
    # A stream's labels are the same on each of its rows (a few values across the ring, where
    # structured metadata may hold a trace id a line): one copy of each value is kept.
    stream = {key: shared_text(value) for key, value in entry.labels.items()}
    labels = {**stream, **entry.structured_metadata, **entry.parsed}
    return log_row(
        entry.ts_ns,
        entry.line,
        labels,
        level_field=fields.level,
        message_field=fields.message,
        entity_field=fields.entity,
        trace_id_field=fields.trace_id,
    )


@dataclass
class TailRequest:
    """What to tail: the LogQL, and where to start (None: the newest ``backlog`` lines)."""

    logql: str
    title: str = "Log tail"
    start_ns: int | None = None
    backlog: int = 200


class LogTail:
    """Fills a :class:`LogBuffer` for one request until cancelled; never raises for Loki trouble."""

    def __init__(
        self,
        loki: LokiClient,
        request: TailRequest,
        fields: LogFields,
        buffer: LogBuffer,
        *,
        clock: Callable[[], float] = time.time,
        live: bool = True,
        use_websocket: bool = True,
        poll_interval: float = 1.5,
        max_catch_up: int = 20_000,
    ) -> None:
        self.loki = loki
        self.request = request
        self.fields = fields
        self.buffer = buffer
        self.clock = clock
        self.live = live
        self.stream: LokiTailStream | None = None
        self.error: str | None = None
        self.backlog_note = ""
        self.last_ok: float | None = None
        self.skipped_spans = 0
        self.backlog_warnings: list[str] = []  # Loki's warnings on the backlog's queries
        self._use_websocket = use_websocket
        self._poll_interval = poll_interval
        self._max_catch_up = max_catch_up
        # Called whenever what :meth:`describe` or the buffer shows may have changed (lines taken
        # in, the backlog landed or failed, the stream's state moved): the screen wakes on news.
        self.on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @property
    def status(self) -> TailStatus:
        """The live stream's status (``connecting`` until the backlog is in)."""
        return self.stream.status if self.stream is not None else TailStatus()

    @property
    def warnings(self) -> list[str]:
        """Loki's warnings on the queries behind the lines held (backlog, catch-up, polls)."""
        held = list(self.backlog_warnings)
        keep_warnings(held, self.status.warnings)
        return held

    @property
    def settled(self) -> bool:
        """The backlog is in and the live part is connected, or an error says why not."""
        if self.error is not None:
            return True
        if not self.live:
            return self.last_ok is not None
        status = self.status
        return self.stream is not None and (status.state in ("live", "polling") or bool(status.last_error))

    def describe(self, *, warnings: bool = True) -> str:
        """One line for the pane border: state, counts, the last error while it lasts, and Loki's
        warnings (last, being the longest; ``warnings=False`` leaves them to :meth:`warning_text`)."""
        status = self.status
        parts: list[str] = [status.state if self.live else "backlog only"]
        if self.buffer.dropped:
            parts.append(f"{self.buffer.dropped} dropped by Loki")
        if self.skipped_spans:
            parts.append(f"{self.skipped_spans} gap(s) after reconnects")
        if status.reconnects:
            parts.append(f"{status.reconnects} reconnect(s)")
        if self.buffer.evicted:
            parts.append(f"{self.buffer.evicted} oldest evicted (buffer {self.buffer.capacity})")
        if self.backlog_note:
            parts.append(self.backlog_note)
        error = self.error or (status.last_error if status.state != "live" else None)
        if error:
            parts.append(f"⚠ {error}")
        if warnings and self.warnings:
            parts.append(self.warning_text())
        return " · ".join(parts)

    def warning_text(self) -> str:
        """``△ Loki: <newest warning> (+N more)``, or "" when Loki has not warned."""
        held = self.warnings
        if not held:
            return ""
        more = f" (+{len(held) - 1} more)" if len(held) > 1 else ""
        return f"{WARNING_MARK} Loki: {held[-1]}{more}"

    async def run(self) -> None:
        """Backlog, then the live tail, until cancelled."""
        last_ns = await self._backlog()
        self._changed()
        if not self.live:
            return
        # Every line at the backlog's last nanosecond is already held (backward queries return
        # the newest first; forward paging reads a timestamp to its end), so go on just after it.
        self.stream = LokiTailStream(
            self.loki,
            self.request.logql,
            start_ns=last_ns + 1,
            use_websocket=self._use_websocket,
            poll_interval=self._poll_interval,
            max_catch_up=self._max_catch_up,
            clock=self.clock,
        )
        self.stream.status.on_change = self._changed
        self._changed()
        async for batch in self.stream:
            self.error = None
            self.last_ok = self.clock()
            self.buffer.dropped += batch.dropped
            if batch.skipped is not None:
                self.buffer.append(self._skipped_row(*batch.skipped))
            await self._take(batch.entries)
            self._changed()

    async def _take(self, entries: list[LogEntry]) -> None:
        """Parse entries into the buffer a slice at a time, letting the event loop run between
        slices: frames that queued up (a firehose, a catch-up) would otherwise be parsed in one go
        while key presses wait behind them."""
        for start in range(0, len(entries), ROWS_PER_SLICE):
            self.buffer.extend(entry_row(e, self.fields) for e in entries[start : start + ROWS_PER_SLICE])
            await asyncio.sleep(0)

    def _skipped_row(self, from_ns: int, to_ns: int) -> LogRow:
        """The marker for lines the tail did not load after an outage (too many to replay)."""
        span = format_duration(max(0, to_ns - from_ns) / NS)
        self.skipped_spans += 1
        return LogRow(
            ts_ns=from_ns,
            level=GAP_LEVEL,
            entity="",
            message=f"… {span} of lines not loaded after reconnecting (more than the catch-up limit) …",
            trace_id="",
        )

    async def _backlog(self) -> int:
        """Load the starting lines; retried with backoff while Loki fails. Returns where to go on."""
        attempt = 0
        while True:
            now_ns = int(self.clock() * NS)
            try:
                if self.request.start_ns is None:
                    return await self._newest(now_ns)
                return await self._from_start(self.request.start_ns, now_ns)
            except BackendError as exc:
                self.error = exc.message
                self._changed()
                if not self.live:
                    return now_ns
                await asyncio.sleep(min(30.0, 0.5 * 2**attempt))
                attempt += 1

    async def _newest(self, now_ns: int) -> int:
        start = now_ns - 3600 * NS
        page = await self.loki.query_range(
            self.request.logql, start, now_ns + 1, limit=self.request.backlog, direction="backward"
        )
        keep_warnings(self.backlog_warnings, page.warnings)
        entries = sorted(page.entries, key=lambda e: e.ts_ns)
        self.buffer.extend(entry_row(e, self.fields) for e in entries)
        self.error, self.last_ok = None, self.clock()
        return entries[-1].ts_ns if entries else now_ns - 60 * NS

    async def _from_start(self, start_ns: int, now_ns: int) -> int:
        """Forward from ``start_ns``; past ``backlog`` lines the rest is skipped and said so."""
        entries = await self.loki.lines_since(
            self.request.logql,
            start_ns,
            now_ns + 1,
            max_lines=self.request.backlog,
            warnings=self.backlog_warnings,
        )
        self.buffer.extend(entry_row(e, self.fields) for e in entries)
        self.error, self.last_ok = None, self.clock()
        if len(entries) >= self.request.backlog:
            skipped_from = entries[-1].ts_ns
            span = format_duration((now_ns - skipped_from) / NS)
            self.backlog_note = (
                f"first {len(entries)} lines from the start shown; the {span} after them skipped"
            )
            self.buffer.append(
                LogRow(
                    ts_ns=skipped_from,
                    level=GAP_LEVEL,
                    entity="",
                    message=f"… {span} of lines not loaded (backlog limit {self.request.backlog}); "
                    "live from here …",
                    trace_id="",
                )
            )
            return now_ns
        return entries[-1].ts_ns if entries else start_ns
