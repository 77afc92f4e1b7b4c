"""The simulated Loki: query_range, labels, series, buildinfo and the tail websocket."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import WSMsgType, web

from opsconsole.demo.http_common import build_info, request_params
from opsconsole.demo.logql import LogqlUnsupported, LogQuery, parse_log_query
from opsconsole.demo.telemetry import NS, Telemetry

VERSION = "3.1.0-opsconsole-demo"
MAX_LIMIT = 5000
CHUNK_SECONDS = 60
TAIL_BATCH_LIMIT = 10_000
TAIL_HEARTBEAT = 20.0  # seconds between the tail websocket's pings (the websockets client's own keepalive)


def parse_ns(text: str | None, default: int) -> int:
    """Loki's time parameter: ns integer, seconds (≤ 10 digits or float), or RFC 3339."""
    if text is None or text == "":
        return default
    if re.fullmatch(r"\d+", text):
        return int(text) * NS if len(text) <= 10 else int(text)
    try:
        return int(float(text) * NS)
    except ValueError:
        pass
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * NS)
    except ValueError:
        raise ValueError(f'invalid parameter "{text}": cannot parse as a timestamp') from None


@dataclass
class TailFaults:
    """Ways the tail endpoint misbehaves on purpose, as real deployments do (all off by default).

    ``refuse_status``: answer the websocket upgrade with this HTTP status (a proxy that strips
    upgrades answers 400/404/502). ``close_after_frames``: close the socket after that many frames
    (a load balancer's idle or connection-age limit). ``max_frame_entries``: send at most that many
    entries per frame and list the rest in ``dropped_entries``, as Loki does for a slow client.
    ``accept_delay``: answer the upgrade only after that long, so lines pile up meanwhile.
    """

    refuse_status: int | None = None
    close_after_frames: int | None = None
    max_frame_entries: int | None = None
    accept_delay: float = 0.0  # seconds before the upgrade is answered (a slow proxy)
    connections: int = 0  # upgrades accepted, for tests that count reconnects


class SimulatedLoki:
    """Log queries over the demo world's telemetry."""

    def __init__(self, telemetry: Telemetry, clock: Callable[[], float]) -> None:
        self.telemetry = telemetry
        self.clock = clock
        self.tail_faults = TailFaults()
        # Warnings every query answer carries (none by default), as a real Loki adds when it had
        # to split, truncate or partly skip a query; tests set them to see them on screen.
        self.query_warnings: list[str] = []

    def now_ns(self) -> int:
        """The current time in ns."""
        return int(self.clock() * NS)

    def collect(
        self, query: LogQuery, start_ns: int, end_ns: int, limit: int, direction: str = "backward"
    ) -> list[tuple[dict[str, str], int, str]]:
        """Up to ``limit`` (labels, ns, line) in ``[start_ns, end_ns)``, nearest ``direction``'s end first."""
        end_ns = min(end_ns, self.now_ns() + 1)  # nothing has been logged after "now"
        sources = [(i, self.telemetry.stream_labels(i)) for i in self.telemetry.emitters]
        sources = [(i, labels) for i, labels in sources if query.selects(labels)]
        out: list[tuple[dict[str, str], int, str]] = []
        chunk = CHUNK_SECONDS * NS
        edges = range(end_ns, start_ns, -chunk) if direction == "backward" else range(start_ns, end_ns, chunk)
        for edge in edges:
            lo, hi = (
                (max(start_ns, edge - chunk), edge)
                if direction == "backward"
                else (edge, min(end_ns, edge + chunk))
            )
            batch = []
            for inst, labels in sources:
                for ts, line in self.telemetry.entries(inst, lo, hi):
                    result = query.apply(line, labels)
                    if result is not None:
                        shown, final = result
                        batch.append((final, ts, shown))
            batch.sort(key=lambda e: e[1], reverse=direction == "backward")
            out.extend(batch[: limit - len(out)])
            if len(out) >= limit:
                break
        return out


def _streams(entries: list[tuple[dict[str, str], int, str]]) -> list[dict[str, Any]]:
    grouped: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    for labels, ts, line in entries:
        key = tuple(sorted(labels.items()))
        grouped.setdefault(key, {"stream": labels, "values": []})["values"].append([str(ts), line])
    return list(grouped.values())


def _store_stats(lines: int, size: int) -> dict[str, Any]:
    return {
        "chunksDownloadTime": 0,
        "congestionControlLatency": 0,
        "totalChunksRef": 0,
        "totalChunksDownloaded": 0,
        "chunkRefsFetchTime": 0,
        "queryReferencedStructuredMetadata": False,
        "pipelineWrapperFilteredLines": 0,
        "chunk": {
            "compressedBytes": 0,
            "decompressedBytes": size,
            "decompressedLines": lines,
            "decompressedStructuredMetadataBytes": 0,
            "headChunkBytes": 0,
            "headChunkLines": 0,
            "headChunkStructuredMetadataBytes": 0,
            "postFilterLines": lines,
            "totalDuplicates": 0,
        },
    }


def _cache_stats() -> dict[str, int]:
    keys = ("entriesFound", "entriesRequested", "entriesStored", "bytesReceived", "bytesSent")
    return {**dict.fromkeys(keys, 0), "requests": 0, "downloadTime": 0, "queryLengthServed": 0}


def query_stats(entries: list[tuple[dict[str, str], int, str]], seconds: float) -> dict[str, Any]:
    """Loki's ``data.stats`` in its real shape (every answer has it), with the simulator's figures:
    what was returned counts as processed, since the simulator scans nothing else."""
    lines = len(entries)
    size = sum(len(line) for _, _, line in entries)
    caches = ("chunk", "index", "result", "statsResult", "volumeResult", "seriesResult", "labelResult")
    return {
        "ingester": {
            "totalReached": 1,
            "totalChunksMatched": 0,
            "totalBatches": 1 if lines else 0,
            "totalLinesSent": lines,
            "store": _store_stats(lines, size),
        },
        "querier": {"store": _store_stats(0, 0)},
        "cache": {name: _cache_stats() for name in (*caches, "instantMetricResult")},
        "index": {"totalChunks": 0, "postFilterChunks": 0, "shardsDuration": 0},
        "summary": {
            "bytesProcessedPerSecond": int(size / seconds) if seconds > 0 else 0,
            "linesProcessedPerSecond": int(lines / seconds) if seconds > 0 else 0,
            "totalBytesProcessed": size,
            "totalLinesProcessed": lines,
            "execTime": round(seconds, 6),
            "queueTime": 0,
            "subqueries": 0,
            "totalEntriesReturned": lines,
            "splits": 0,
            "shards": 0,
            "totalPostFilterLines": lines,
            "totalStructuredMetadataBytesProcessed": 0,
        },
    }


def _bad(message: str) -> web.Response:
    return web.Response(status=400, text=message + "\n")


def loki_app(sim: SimulatedLoki) -> web.Application:
    """The Loki HTTP API over ``sim``."""
    routes = web.RouteTableDef()

    @routes.route("*", "/loki/api/v1/query_range")
    async def query_range(request: web.Request) -> web.Response:
        p = await request_params(request)
        try:
            query = parse_log_query(p.get("query", ""))
            end = parse_ns(p.get("end"), sim.now_ns())
            start = parse_ns(p.get("start"), end - 3600 * NS)
            limit = int(p.get("limit", "100"))
        except (LogqlUnsupported, ValueError, re.error) as exc:
            return _bad(str(exc))
        if limit > MAX_LIMIT:
            return _bad(
                "max entries limit per query exceeded, limit > max_entries_limit_per_query"
                f" ({limit} > {MAX_LIMIT})"
            )
        if end < start:
            return _bad("invalid query, through < from")
        direction = p.get("direction", "backward")
        began = time.perf_counter()
        entries = await asyncio.to_thread(sim.collect, query, start, end, limit, direction)
        body: dict[str, Any] = {"status": "success"}
        if sim.query_warnings:
            body["warnings"] = list(sim.query_warnings)
        body["data"] = {
            "resultType": "streams",
            "result": _streams(entries),
            "stats": query_stats(entries, time.perf_counter() - began),
        }
        return web.json_response(body)

    @routes.route("*", "/loki/api/v1/query")
    async def query(_: web.Request) -> web.Response:
        return _bad(
            "log queries are not supported as an instant query type,"
            " please change your query to a range query type"
        )

    def _all_labels() -> list[dict[str, str]]:
        return [sim.telemetry.stream_labels(i) for i in sim.telemetry.emitters]

    @routes.get("/loki/api/v1/labels")
    async def labels(_: web.Request) -> web.Response:
        return web.json_response({"status": "success", "data": sorted({k for s in _all_labels() for k in s})})

    @routes.get("/loki/api/v1/label/{name}/values")
    async def label_values(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        values = sorted({s[name] for s in _all_labels() if name in s})
        return web.json_response({"status": "success", "data": values})

    @routes.route("*", "/loki/api/v1/series")
    async def series(request: web.Request) -> web.Response:
        selectors = request.query.getall("match[]", [])
        if request.method == "POST":
            selectors += [str(v) for v in (await request.post()).getall("match[]", [])]
        if not selectors:
            return _bad("at least one match[] argument required")
        try:
            queries = [parse_log_query(s) for s in selectors]
        except LogqlUnsupported as exc:
            return _bad(str(exc))
        found = [s for s in _all_labels() if any(q.selects(s) for q in queries)]
        return web.json_response({"status": "success", "data": found})

    @routes.get("/loki/api/v1/status/buildinfo")
    async def buildinfo(_: web.Request) -> web.Response:
        return web.json_response(build_info(VERSION))

    @routes.get("/ready")
    async def ready(_: web.Request) -> web.Response:
        return web.Response(text="ready\n")

    @routes.get("/loki/api/v1/tail")
    async def tail(request: web.Request) -> web.StreamResponse:
        try:
            query = parse_log_query(request.query.get("query", ""))
            delay = float(request.query.get("delay_for", "0"))
            limit = int(request.query.get("limit", "100"))
            start = parse_ns(request.query.get("start"), sim.now_ns() - 3600 * NS)
        except (LogqlUnsupported, ValueError, re.error) as exc:
            return _bad(str(exc))
        if delay > 5:
            return _bad("delay_for can't be greater than 5")
        faults = sim.tail_faults
        if faults.refuse_status is not None:
            return web.Response(status=faults.refuse_status, text="websocket upgrade not allowed\n")
        faults.connections += 1
        if faults.accept_delay:
            await asyncio.sleep(faults.accept_delay)
        # A ping every 20 s, the pong due within 10 (aiohttp allows half the interval): a console busy
        # for a second on a loaded machine keeps its tail (1 s dropped it after half a second).
        ws = web.WebSocketResponse(heartbeat=TAIL_HEARTBEAT)
        await ws.prepare(request)
        closed = asyncio.Event()
        frames = 0

        async def send(entries: list[tuple[dict[str, str], int, str]]) -> bool:
            """One frame; False once the fault plan says to hang up."""
            nonlocal frames
            cap = faults.max_frame_entries
            kept, lost = (entries[:cap], entries[cap:]) if cap is not None else (entries, [])
            frame: dict[str, Any] = {"streams": _streams(kept)}
            if lost:
                frame["dropped_entries"] = [{"labels": lab, "timestamp": str(ts)} for lab, ts, _ in lost]
            await ws.send_json(frame)
            frames += 1
            return faults.close_after_frames is None or frames < faults.close_after_frames

        async def reader() -> None:
            async for msg in ws:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
            closed.set()

        reading = asyncio.create_task(reader())
        try:
            upto = sim.now_ns() - int(delay * NS)
            backfill = await asyncio.to_thread(sim.collect, query, start, upto, limit, "backward")
            backfill.reverse()
            going = await send(backfill) if backfill else True
            cursor = upto
            while going and not closed.is_set() and not ws.closed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closed.wait(), timeout=1.0)
                upto = sim.now_ns() - int(delay * NS)
                if upto <= cursor:
                    continue
                fresh = await asyncio.to_thread(sim.collect, query, cursor, upto, TAIL_BATCH_LIMIT, "forward")
                cursor = upto
                if fresh and not ws.closed:
                    going = await send(fresh)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            reading.cancel()
            if not ws.closed:
                await ws.close()
        return ws

    app = web.Application()
    app.add_routes(routes)
    return app
