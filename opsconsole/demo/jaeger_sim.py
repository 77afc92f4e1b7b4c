"""The simulated Jaeger query API: v1 JSON (as the Jaeger UI uses it) and v3 (OTLP JSON).

Both serve the same traces. ``v1_removed`` plays a Jaeger built after 2.20, where the v1 search,
services and operations endpoints are gone (Go's plain-text 404) and only v3 and trace-by-id
remain; tests use it to run the console's v3 fallback end to end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from opsconsole.core.durations import parse_duration
from opsconsole.demo.otlp_json import resource_spans
from opsconsole.demo.telemetry import US, Request, Telemetry

SEARCH_SPAN_LIMIT = 6 * 3600  # seconds scanned at most per search


def _envelope(data: Any, status: int = 200, error: str | None = None, total: int = 0) -> web.Response:
    """Jaeger's envelope: ``total`` is only filled for services and operations (0 for traces)."""
    body = {
        "data": data,
        "total": total,
        "limit": 0,
        "offset": 0,
        "errors": None if error is None else [{"code": status, "msg": error}],
    }
    return web.json_response(body, status=status)


def _duration_us(text: str) -> int:
    match = re.fullmatch(r"([0-9.]+)(us|µs|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"unable to parse param 'minDuration': time: invalid duration \"{text}\"")
    number, unit = float(match.group(1)), match.group(2)
    return int(number * {"us": 1, "µs": 1, "ms": 1e3, "s": 1e6, "m": 6e7, "h": 3.6e9}[unit])


class SimulatedJaeger:
    """Trace search and lookup over the demo world's telemetry."""

    def __init__(self, telemetry: Telemetry, clock: Callable[[], float]) -> None:
        self.telemetry = telemetry
        self.clock = clock
        self.v1_removed = False  # True: a Jaeger after 2.20, v1 search/services/operations gone

    def operations(self, service: str) -> list[str]:
        """Operation names a service reports."""
        return self.telemetry.operations(service)

    def search(
        self,
        service: str,
        start_us: int,
        end_us: int,
        limit: int,
        operation: str | None,
        min_us: int | None,
        max_us: int | None,
        tags: dict[str, str],
    ) -> list[dict[str, Any]]:
        """Newest-first traces touching ``service`` in the range that pass the filters."""
        sources = [i for i in self.telemetry.emitters if service in self.telemetry.services_of(i)]
        out: list[dict[str, Any]] = []
        last = min(end_us // US, int(self.clock()))  # nothing happened after now: start there
        first = max(start_us // US, last - SEARCH_SPAN_LIMIT)
        for second in range(last, first - 1, -1):
            hits: list[Request] = []
            for inst in sources:
                for req in self.telemetry.requests(inst, second):
                    if not start_us <= req.time_ns // 1000 <= end_us:
                        continue
                    duration = int(req.duration_s * US)
                    if (min_us is not None and duration < min_us) or (
                        max_us is not None and duration > max_us
                    ):
                        continue
                    if tags.get("error") == "true" and not req.error:
                        continue
                    hits.append(req)
            for req in sorted(hits, key=lambda r: r.time_ns, reverse=True):
                trace = self.telemetry.trace_json(req)
                spans = trace["spans"]
                assert isinstance(spans, list)
                if operation and not any(s["operationName"] == operation for s in spans):
                    continue
                out.append(trace)
                if len(out) >= limit:
                    return out
        return out


GO_404 = "404 page not found\n"


def _v3_error(status: int, message: str) -> web.Response:
    """The v3 gateway's error body (JSON, written with ``http.Error``: labelled text/plain)."""
    body = json.dumps({"error": {"httpCode": status, "message": message}})
    return web.Response(status=status, text=body + "\n", content_type="text/plain")


def _rfc3339_us(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * US)


def jaeger_app(sim: SimulatedJaeger) -> web.Application:
    """The Jaeger query API over ``sim``."""
    routes = web.RouteTableDef()

    def removed() -> web.Response:
        return web.Response(status=404, text=GO_404, content_type="text/plain")

    @routes.get("/api/services")
    async def services(_: web.Request) -> web.Response:
        if sim.v1_removed:
            return removed()
        names = sim.telemetry.services()
        return _envelope(names, total=len(names))

    @routes.get("/api/services/{service}/operations")
    async def service_operations(request: web.Request) -> web.Response:
        if sim.v1_removed:
            return removed()
        names = sim.operations(request.match_info["service"])
        return _envelope(names, total=len(names))

    @routes.get("/api/operations")
    async def operations(request: web.Request) -> web.Response:
        if sim.v1_removed:
            return removed()
        service = request.query.get("service")
        if not service:
            return _envelope(None, 400, "parameter 'service' is required")
        names = sim.operations(service)
        return _envelope([{"name": op, "spanKind": "server"} for op in names], total=len(names))

    @routes.get("/api/traces")
    async def search(request: web.Request) -> web.Response:
        if sim.v1_removed:
            return removed()
        q = request.query
        service = q.get("service")
        if not service:
            return _envelope(None, 400, "parameter 'service' is required")
        try:
            now_us = int(sim.clock() * US)
            end = int(q["end"]) if q.get("end") else now_us
            lookback = (
                parse_duration(q["lookback"]) if q.get("lookback") and q["lookback"] != "custom" else 3600.0
            )
            start = int(q["start"]) if q.get("start") else end - int(lookback * US)
            limit = int(q.get("limit") or 20)
            min_us = _duration_us(q["minDuration"]) if q.get("minDuration") else None
            max_us = _duration_us(q["maxDuration"]) if q.get("maxDuration") else None
            tags = {str(k): str(v) for k, v in json.loads(q.get("tags") or "{}").items()}
        except (ValueError, json.JSONDecodeError, AttributeError) as exc:
            return _envelope(None, 400, str(exc))
        traces = await _in_thread(
            sim.search, service, start, end, limit, q.get("operation"), min_us, max_us, tags
        )
        return _envelope(traces)

    @routes.get("/api/traces/{trace_id}")
    async def trace(request: web.Request) -> web.Response:
        found = sim.telemetry.trace(request.match_info["trace_id"])
        if found is None:
            return _envelope(None, 404, "trace not found")
        return _envelope([found])

    # -- v3 (OTLP JSON) ------------------------------------------------------------------------

    @routes.get("/api/v3/services")
    async def services_v3(_: web.Request) -> web.Response:
        return web.json_response({"services": sim.telemetry.services()})

    @routes.get("/api/v3/operations")
    async def operations_v3(request: web.Request) -> web.Response:
        service = request.query.get("service", "")
        names = sim.operations(service)
        if not names:
            return web.json_response({})  # protobuf JSON leaves an empty list out
        return web.json_response({"operations": [{"name": op, "spanKind": "server"} for op in names]})

    @routes.get("/api/v3/traces/{trace_id}")
    async def trace_v3(request: web.Request) -> web.Response:
        found = sim.telemetry.trace(request.match_info["trace_id"])
        if found is None:
            return _v3_error(404, "trace not found")
        return web.json_response({"result": {"resourceSpans": resource_spans([found])}})

    @routes.get("/api/v3/traces")
    async def search_v3(request: web.Request) -> web.Response:
        q = request.query
        low = q.get("query.start_time_min") or q.get("query.startTimeMin")
        high = q.get("query.start_time_max") or q.get("query.startTimeMax")
        if not low or not high:
            return _v3_error(400, "query.startTimeMin and query.startTimeMax are required")
        try:
            start, end = _rfc3339_us(low), _rfc3339_us(high)
            limit = int(q.get("query.num_traces") or q.get("query.searchDepth") or 100)
            low_d = q.get("query.duration_min") or q.get("query.durationMin")
            high_d = q.get("query.duration_max") or q.get("query.durationMax")
            attributes = {str(k): str(v) for k, v in json.loads(q.get("query.attributes") or "{}").items()}
        except (ValueError, json.JSONDecodeError, AttributeError) as exc:
            return _v3_error(400, f"malformed parameter: {exc}")
        traces = await _in_thread(
            sim.search,
            q.get("query.service_name") or q.get("query.serviceName") or "",
            start,
            end,
            limit,
            q.get("query.operation_name") or q.get("query.operationName"),
            _duration_us(low_d) if low_d else None,
            _duration_us(high_d) if high_d else None,
            attributes,
        )
        if not traces:
            return _v3_error(404, "No traces found")
        return web.json_response({"result": {"resourceSpans": resource_spans(traces)}})

    @routes.get("/")
    async def index(_: web.Request) -> web.Response:
        return web.Response(text="opsconsole demo Jaeger query API\n")

    app = web.Application()
    app.add_routes(routes)
    return app


async def _in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args)
