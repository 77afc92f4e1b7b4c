"""Live log tail: Loki's ``/loki/api/v1/tail`` websocket, with reconnect and a polling fallback.

httpx has no websockets, so the tail uses the ``websockets`` library with the
headers and credentials of Loki's HTTP client (``BackendHttp.request_headers``) and the same
TLS. When the websocket cannot be opened at all (a proxy that drops upgrades or refuses to open
a tunnel, an old Loki, a query frontend without ``tail_proxy_url``) the stream falls back to polling
``query_range`` forward from the last timestamp seen. Either way, lines are never
repeated and, short of Loki itself dropping them (reported as ``dropped``), never
skipped.

Loki answers a tail's ``start`` with at most ``limit`` historic lines, the *newest* ones, so a
reconnect after a few busy seconds would silently lose the lines in between. Before every
(re)connect the stream therefore catches up with paged ``query_range`` from the last line seen,
and if the first frame still comes back full it fills the hole the same way.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from opsconsole.backends.environment_proxy import proxy_for
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.loki import LokiClient, keep_warnings, merge_streams
from opsconsole.backends.loki_models import LogEntry, Stream, TailBatch
from opsconsole.backends.transport import classify_exception, ssl_context_for
from opsconsole.core.durations import format_duration
from opsconsole.core.untrusted_text import excerpt

TailState = Literal["connecting", "live", "reconnecting", "polling"]


@dataclass
class TailStatus:
    """What the pane shows about the tail itself."""

    state: TailState = "connecting"
    last_error: str | None = None
    dropped_total: int = 0
    reconnects: int = 0
    caught_up: int = 0  # lines fetched with query_range around (re)connects
    holes_filled: int = 0  # full first frames completed from query_range
    warnings: list[str] = field(default_factory=list)  # Loki's, on the query_range pages read
    # Called after any field above is set: the screen shows a change when it happens instead of
    # looking for one on a clock (Loki's warnings arrive with lines, which are shown anyway).
    on_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        on_change = self.__dict__.get("on_change")
        if on_change is not None and name != "on_change":
            on_change()


def parse_tail_frame(text: str) -> TailBatch:
    """One websocket frame (``{"streams": [...], "dropped_entries": [...]}``) as a batch."""
    payload = json.loads(text)
    if not isinstance(payload, dict):
        raise ValueError("tail frame is not an object")
    raw_streams = payload.get("streams") or []
    dropped = payload.get("dropped_entries") or []
    if not isinstance(raw_streams, list) or not isinstance(dropped, list):
        raise ValueError("tail frame streams/dropped_entries are not lists")
    try:
        streams = [Stream.model_validate(s) for s in raw_streams]
        return TailBatch(entries=merge_streams(streams, "forward"), dropped=len(dropped))
    except (TypeError, KeyError, AttributeError) as exc:  # the tail reconnects on a ValueError
        raise ValueError(f"tail frame of an unexpected shape: {exc}") from None


class LokiTailStream:
    """An async iterator of :class:`TailBatch` for one LogQL query, surviving disconnects."""

    def __init__(
        self,
        client: LokiClient,
        logql: str,
        *,
        start_ns: int | None = None,
        delay_for: int = 0,
        limit: int = 100,
        poll_interval: float = 1.5,
        max_backoff: float = 30.0,
        use_websocket: bool = True,
        max_catch_up: int = 20_000,
        clock: Callable[[], float] = time.time,
        websocket_again_after: float = 300.0,
    ) -> None:
        self.client = client
        self.logql = logql
        self.delay_for = min(max(delay_for, 0), 5)
        self.limit = limit
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.status = TailStatus()
        self._use_websocket = use_websocket
        # A websocket refused by a server error (a proxy or gateway answering 502/503 while Loki
        # restarts) is tried again after this long of polling; any other refusal is for good.
        self.websocket_again_after = websocket_again_after
        self._websocket_again_at: float | None = None
        self.max_catch_up = max_catch_up
        self.clock = clock
        self._last_ts = start_ns if start_ns is not None else self._now_ns() - 60 * 1_000_000_000
        self._seen_at_last: set[tuple[Any, ...]] = set()

    def _now_ns(self) -> int:
        return int(self.clock() * 1_000_000_000)

    # -- de-duplication ------------------------------------------------------------------------

    def _fresh(self, entries: list[LogEntry]) -> list[LogEntry]:
        out = []
        for entry in sorted(entries, key=lambda e: e.ts_ns):
            if entry.ts_ns < self._last_ts or (
                entry.ts_ns == self._last_ts and entry.key in self._seen_at_last
            ):
                continue
            if entry.ts_ns > self._last_ts:
                self._last_ts = entry.ts_ns
                self._seen_at_last = set()
            self._seen_at_last.add(entry.key)
            out.append(entry)
        return out

    # -- websocket -----------------------------------------------------------------------------

    def _ws_url(self) -> str:
        base = self.client.endpoint.url  # no user or password in it: the config moved them to auth
        scheme = "wss" if base.startswith("https") else "ws"
        query = urlencode(
            {
                "query": self.logql,
                "start": str(self._last_ts),
                "limit": str(self.limit),
                "delay_for": self.delay_for,
            }
        )
        return f"{scheme}{base[base.index(':') :]}/loki/api/v1/tail?{query}"

    def _refused(self, code: int, body: bytes | bytearray) -> str:
        """Why the tail's upgrade was refused with a 401 or 403, worded as Loki's other requests
        word it (what was sent, what a token file in force holds now)."""
        error = self.client.http.error_for(self.client.endpoint.url, code, body.decode(errors="replace"))
        return f"tail refused: {error.diagnosis}"

    async def _websocket_batches(self) -> AsyncIterator[TailBatch]:
        import websockets  # here: a snapshot polls Loki and never tails it

        endpoint = self.client.endpoint
        ssl = ssl_context_for(endpoint) if endpoint.url.startswith("https") else None
        async with websockets.connect(
            self._ws_url(),
            additional_headers=self.client.http.request_headers(),  # as Loki's other requests
            ssl=ssl,
            open_timeout=endpoint.timeout,
            max_size=16 * 1024 * 1024,
            proxy=proxy_for(endpoint.url),  # the rule of Loki's other requests, not the library's own
        ) as socket:
            self.status.state = "live"
            self.status.last_error = None
            first = True
            async for message in socket:
                text = message.decode() if isinstance(message, bytes) else message
                batch = parse_tail_frame(text)
                if first and len(batch.entries) >= self.limit:
                    batch = await self._fill_hole(batch)
                first = False
                yield batch

    async def _fill_hole(self, batch: TailBatch) -> TailBatch:
        """A full first frame is only the newest ``limit`` lines since ``start``: load the rest."""
        try:
            hole = await self._lines(self._last_ts, batch.entries[0].ts_ns + 1)
        except BackendError as exc:
            if exc.kind is FailureKind.READ_ONLY:
                raise
            self.status.last_error = f"lines before the tail's first frame not loaded: {exc.message}"
            return TailBatch(
                entries=batch.entries, dropped=batch.dropped, skipped=(self._last_ts, batch.entries[0].ts_ns)
            )
        self.status.holes_filled += 1
        return TailBatch(entries=hole.entries + batch.entries, dropped=batch.dropped, skipped=hole.skipped)

    async def _lines(self, start_ns: int, end_ns: int) -> TailBatch:
        """Lines in ``[start_ns, end_ns)`` by paged ``query_range``, at most ``max_catch_up`` of the
        newest; what is beyond that is reported as ``skipped`` rather than silently lost."""
        entries = await self.client.lines_since(
            self.logql, start_ns, end_ns, max_lines=self.max_catch_up + 1, warnings=self.status.warnings
        )
        if len(entries) <= self.max_catch_up:
            self.status.caught_up += len(entries)
            return TailBatch(entries=entries)
        # Too much to load: keep going from the newest lines rather than replaying an outage.
        page = await self.client.query_range(
            self.logql, start_ns, end_ns, limit=min(self.max_catch_up, 5000), direction="backward"
        )
        keep_warnings(self.status.warnings, page.warnings)
        newest = sorted(page.entries, key=lambda e: e.ts_ns)
        gap_end = newest[0].ts_ns if newest else end_ns
        self.status.caught_up += len(newest)
        return TailBatch(entries=newest, skipped=(start_ns, gap_end))

    async def _catch_up(self) -> AsyncIterator[TailBatch]:
        """Lines since the last one seen, before the socket opens. When query_range fails the
        socket is opened anyway: its own backfill is better than no tail."""
        try:
            batch = await self._lines(self._last_ts, self._now_ns() + 1)
        except BackendError as exc:
            if exc.kind is FailureKind.READ_ONLY:
                raise
            self.status.last_error = f"catch-up failed: {exc.message}"
            return
        fresh = self._fresh(list(batch.entries))
        if fresh or batch.skipped:
            yield TailBatch(entries=fresh, skipped=batch.skipped)

    # -- polling -------------------------------------------------------------------------------

    async def _poll_once(self) -> TailBatch:
        return await self._lines(self._last_ts, self._now_ns() + 1)

    # -- the iterator --------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff, 0.5 * 2**attempt) * (0.5 + random.random() / 2))

    def _poll_instead(self, status: int, refused: str) -> None:
        """Poll from now on: for good, or until :attr:`websocket_again_after` has passed when a
        server error refused the websocket (a gateway whose Loki is restarting)."""
        self._use_websocket = False
        self.status.state = "polling"
        if status >= 500:
            self._websocket_again_at = time.monotonic() + self.websocket_again_after
            again = format_duration(self.websocket_again_after)
            self.status.last_error = f"{refused}; polling instead, the websocket again in {again}"
        else:
            self.status.last_error = f"{refused}; polling instead"

    async def __aiter__(self) -> AsyncIterator[TailBatch]:
        from websockets.exceptions import (
            ConnectionClosed,
            InvalidHandshake,
            InvalidProxyStatus,
            InvalidStatus,
        )

        attempt = 0
        while True:
            if self._use_websocket:
                try:
                    async for batch in self._catch_up():
                        yield batch
                    async for batch in self._websocket_batches():
                        attempt = 0
                        self.status.dropped_total += batch.dropped
                        fresh = self._fresh(list(batch.entries))
                        if fresh or batch.dropped or batch.skipped:
                            yield TailBatch(entries=fresh, dropped=batch.dropped, skipped=batch.skipped)
                    self.status.last_error = "tail closed by the server"
                except InvalidProxyStatus as exc:
                    # The proxy will not open a tunnel (squid refuses CONNECT to ports other than
                    # 443): Loki's other requests go through it as plain requests, so poll.
                    code = exc.response.status_code
                    self._poll_instead(code, f"proxy refused the websocket tunnel ({code})")
                    continue
                except InvalidStatus as exc:
                    code = exc.response.status_code
                    if code in {401, 403}:
                        self.status.last_error = self._refused(code, exc.response.body or b"")
                    else:
                        # The upgrade itself is refused (proxy, old Loki): poll instead.
                        self._poll_instead(code, f"websocket refused ({code})")
                        continue
                except ConnectionClosed as exc:
                    reason = exc.rcvd.reason if exc.rcvd else ""
                    close_code = exc.rcvd.code if exc.rcvd else None
                    self.status.last_error = (
                        f"tail closed: {excerpt(reason, 200)}"
                        if close_code == 1011
                        else "tail connection dropped"
                    )
                except (InvalidHandshake, OSError, TimeoutError, ValueError, ImportError) as exc:
                    # ImportError: a SOCKS proxy needs python-socks, which is not installed.
                    err = classify_exception(
                        "loki", self.client.endpoint.url, exc, self.client.endpoint.timeout
                    )
                    self.status.last_error = err.diagnosis
                self.status.state = "reconnecting"
                self.status.reconnects += 1
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
                continue
            if self._websocket_again_at is not None and time.monotonic() >= self._websocket_again_at:
                self._websocket_again_at = None
                self._use_websocket = True
                continue
            try:
                batch = await self._poll_once()
                attempt = 0
                self.status.state = "polling"
                fresh = self._fresh(list(batch.entries))
                if fresh or batch.skipped:
                    yield TailBatch(entries=fresh, skipped=batch.skipped)
                await asyncio.sleep(self.poll_interval)
            except BackendError as exc:
                self.status.last_error = exc.message
                if exc.kind is FailureKind.READ_ONLY:
                    raise
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
