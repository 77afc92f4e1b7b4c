"""Async Jaeger query client: services, operations, trace search and trace by id.

The v1 ``/api/*`` JSON API is what every Jaeger 1.x/2.x serves; newer builds drop
its search endpoints in favour of ``/api/v3`` (OTLP JSON), so services and search
fall back to v3 on 404/405. Jaeger 1.x answers unknown paths with the UI's HTML
and errors with JSON labelled ``text/plain``; both are handled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger_models import Span, SpanLog, Trace, normalize_trace_id, tag_text
from opsconsole.backends.probe import BackendInfo
from opsconsole.backends.transport import DEFAULT_RETRY, BackendHttp, RetryPolicy
from opsconsole.config import EndpointSettings
from opsconsole.core.untrusted_text import excerpt

BACKEND = "jaeger"
V3_FALLBACK_STATUSES = {404, 405}


def jaeger_error_text(status: int, body: str) -> str:
    """The message from a v1 envelope (``errors[0].msg``) or a v3 ``{"error": {"message"}}``."""
    try:
        payload = json.loads(body)
    except ValueError:
        return excerpt(body, 200)
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return excerpt(str(errors[0].get("msg", "")), 300)
        error = payload.get("error")
        if isinstance(error, dict):
            return excerpt(str(error.get("message", "")), 300)
    return excerpt(body, 300)


def _tags(raw: Any) -> dict[str, str]:
    if not isinstance(raw, list):
        return {}
    return {str(t.get("key")): tag_text(t.get("value")) for t in raw if isinstance(t, dict) and "key" in t}


def _v1_parent(span: Mapping[str, Any]) -> str | None:
    refs = [r for r in span.get("references") or [] if isinstance(r, dict)]
    same_trace = [r for r in refs if r.get("traceID") == span.get("traceID")]
    for kind in ("CHILD_OF", "FOLLOWS_FROM"):
        for ref in same_trace:
            if ref.get("refType") == kind:
                return str(ref.get("spanID"))
    return None


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is not an object")
    return value


def parse_v1_trace(raw: Any) -> Trace:
    """A v1 (UI model) trace; raises ``ValueError``/``KeyError``/``TypeError`` on a wrong shape."""
    raw = _mapping(raw, "trace")
    processes = raw.get("processes") or {}
    if not isinstance(processes, Mapping):
        processes = {}
    spans = []
    if not isinstance(raw["spans"], list):
        raise ValueError("spans is not a list")
    for s in raw["spans"]:
        s = _mapping(s, "span")
        process = processes.get(str(s.get("processID"))) or s.get("process") or {}
        if not isinstance(process, Mapping):
            process = {}
        spans.append(
            Span(
                trace_id=normalize_trace_id(str(s["traceID"])),
                span_id=str(s["spanID"]),
                parent_id=_v1_parent(s),
                operation=str(s.get("operationName", "")),
                service=str(process.get("serviceName", "unknown")),
                start_us=int(s["startTime"]),
                duration_us=int(s["duration"]),
                tags=_tags(s.get("tags")),
                logs=[
                    SpanLog(timestamp_us=int(log["timestamp"]), fields=_tags(log.get("fields")))
                    for log in (_mapping(entry, "span log") for entry in s.get("logs") or [])
                ],
                process_tags=_tags(process.get("tags")),
                warnings=[str(w) for w in s.get("warnings") or []],
            )
        )
    return Trace(
        trace_id=normalize_trace_id(str(raw["traceID"])),
        spans=spans,
        warnings=[str(w) for w in raw.get("warnings") or []],
    )


def _otlp_value(value: Mapping[str, Any]) -> str:
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return tag_text(value[key])
    return json.dumps(value)


def _otlp_attrs(raw: Any) -> dict[str, str]:
    if not isinstance(raw, list):
        return {}
    return {
        str(a["key"]): _otlp_value(a.get("value") or {}) for a in raw if isinstance(a, dict) and "key" in a
    }


SPAN_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def parse_otlp_traces(result: Mapping[str, Any]) -> list[Trace]:
    """OTLP JSON ``resourceSpans`` (Jaeger v3) grouped into traces."""
    by_trace: dict[str, list[Span]] = {}
    for resource_spans in result.get("resourceSpans") or []:
        resource = _otlp_attrs((resource_spans.get("resource") or {}).get("attributes"))
        service = resource.get("service.name", "unknown")
        for scope in resource_spans.get("scopeSpans") or []:
            for s in scope.get("spans") or []:
                start_ns = int(s["startTimeUnixNano"])
                end_ns = int(s["endTimeUnixNano"])
                tags = _otlp_attrs(s.get("attributes"))
                if s.get("kind") in SPAN_KINDS:
                    tags["span.kind"] = SPAN_KINDS[s["kind"]]
                status = s.get("status") or {}
                if status.get("code") in (2, "STATUS_CODE_ERROR"):
                    tags["otel.status_code"] = "ERROR"
                    tags["error"] = "true"
                trace_id = normalize_trace_id(str(s["traceId"]))
                by_trace.setdefault(trace_id, []).append(
                    Span(
                        trace_id=trace_id,
                        span_id=str(s["spanId"]).lower(),
                        parent_id=str(s["parentSpanId"]).lower() if s.get("parentSpanId") else None,
                        operation=str(s.get("name", "")),
                        service=service,
                        start_us=start_ns // 1000,
                        duration_us=(end_ns - start_ns) // 1000,
                        tags=tags,
                        logs=[
                            SpanLog(
                                timestamp_us=int(e["timeUnixNano"]) // 1000,
                                fields={"event": str(e.get("name", "")), **_otlp_attrs(e.get("attributes"))},
                            )
                            for e in s.get("events") or []
                        ],
                        process_tags=resource,
                    )
                )
    return [Trace(trace_id=tid, spans=spans) for tid, spans in by_trace.items()]


def _rfc3339(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, UTC).isoformat().replace("+00:00", "Z")


class JaegerClient:
    """Jaeger query API (v1 with v3 fallback)."""

    def __init__(
        self,
        endpoint: EndpointSettings,
        *,
        read_only: bool = False,
        retry: RetryPolicy = DEFAULT_RETRY,
        environ: Mapping[str, str] | None = None,
        http: BackendHttp | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.http = http or BackendHttp(
            BACKEND,
            endpoint,
            read_only=read_only,
            retry=retry,
            environ=environ,
            error_parser=jaeger_error_text,
        )

    def _shape_error(self, what: str, exc: Exception) -> BackendError:
        return BackendError(
            BACKEND,
            FailureKind.WRONG_SHAPE,
            f"unexpected {what} response: {excerpt(str(exc), 160)}",
            url=self.endpoint.url,
        )

    async def _v1_data(self, path: str, params: Any = None) -> Any:
        payload = await self.http.get_json(path, params)
        if not isinstance(payload, dict) or "data" not in payload:
            raise self._shape_error(path, ValueError("no 'data' in the envelope"))
        return payload["data"]

    async def services(self) -> list[str]:
        """Service names, sorted."""
        try:
            data = await self._v1_data("api/services")
        except BackendError as exc:
            if exc.status not in V3_FALLBACK_STATUSES and exc.kind is not FailureKind.WRONG_SHAPE:
                raise
            payload = await self.http.get_json("api/v3/services")
            data = payload.get("services") if isinstance(payload, dict) else None
        if data is None:  # Jaeger v2 before its first span: {"data": null}
            data = []
        if not isinstance(data, list) or not all(isinstance(s, str) for s in data):
            raise self._shape_error("services", ValueError("not a list of service names"))
        return sorted(data)

    async def operations(self, service: str) -> list[str]:
        """Operation (span) names of one service."""
        try:
            data = await self._v1_data("api/operations", {"service": service})
        except BackendError as exc:
            if exc.status not in V3_FALLBACK_STATUSES:
                raise
            data = await self._v1_data(f"api/services/{service}/operations")
        data = [] if data is None else data
        if not isinstance(data, list):
            raise self._shape_error("operations", ValueError("not a list of operations"))
        names = [o.get("name") if isinstance(o, dict) else o for o in data]
        if not all(isinstance(n, str) for n in names):
            raise self._shape_error("operations", ValueError("not a list of operation names"))
        return sorted({str(n) for n in names})

    async def search(
        self,
        service: str,
        *,
        start_us: int,
        end_us: int,
        operation: str | None = None,
        tags: Mapping[str, str] | None = None,
        min_duration: str | None = None,
        max_duration: str | None = None,
        limit: int = 20,
    ) -> list[Trace]:
        """Traces with at least one span matching; newest first. ``tags`` values must be strings."""
        params: dict[str, Any] = {"service": service, "start": start_us, "end": end_us, "limit": limit}
        if operation:
            params["operation"] = operation
        if tags:
            params["tags"] = json.dumps({str(k): str(v) for k, v in tags.items()})
        if min_duration:
            params["minDuration"] = min_duration
        if max_duration:
            params["maxDuration"] = max_duration
        try:
            data = await self._v1_data("api/traces", params)
            if not isinstance(data, list | None):
                raise ValueError("traces is not a list")
            traces = [parse_v1_trace(t) for t in data or []]
        except BackendError as exc:
            if exc.status not in V3_FALLBACK_STATUSES:
                raise
            traces = await self._search_v3(
                service, start_us, end_us, operation, min_duration, max_duration, limit
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._shape_error("trace search", exc) from None
        return sorted(traces, key=lambda t: t.start_us, reverse=True)

    async def _search_v3(
        self,
        service: str,
        start_us: int,
        end_us: int,
        operation: str | None,
        min_duration: str | None,
        max_duration: str | None,
        limit: int,
    ) -> list[Trace]:
        params: dict[str, Any] = {
            "query.service_name": service,
            "query.start_time_min": _rfc3339(start_us),
            "query.start_time_max": _rfc3339(end_us),
            "query.num_traces": limit,
        }
        if operation:
            params["query.operation_name"] = operation
        if min_duration:
            params["query.duration_min"] = min_duration
        if max_duration:
            params["query.duration_max"] = max_duration
        try:
            payload = await self.http.get_json("api/v3/traces", params)
        except BackendError as exc:
            if exc.status == 404:  # v3 says "No traces found" with 404
                return []
            raise
        try:
            return parse_otlp_traces(payload.get("result") or {})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._shape_error("v3 trace search", exc) from None

    async def trace(self, trace_id: str) -> Trace:
        """One trace by id (16 or 32 hex)."""
        tid = normalize_trace_id(trace_id)
        try:
            data = await self._v1_data(f"api/traces/{tid}")
        except BackendError as exc:
            if exc.status == 404:
                raise BackendError(
                    BACKEND, FailureKind.NOT_FOUND, f"trace {tid} not found", url=exc.url, status=404
                ) from None
            raise
        try:
            if not data:
                raise BackendError(
                    BACKEND, FailureKind.NOT_FOUND, f"trace {tid} not found", url=self.endpoint.url
                )
            if not isinstance(data, list):
                raise ValueError("traces is not a list")
            return parse_v1_trace(data[0])
        except (KeyError, TypeError, ValueError) as exc:
            raise self._shape_error("trace", exc) from None

    async def probe(self) -> BackendInfo:
        """Lists services (Jaeger has no version endpoint)."""
        services = await self.services()
        return BackendInfo(None, f"{len(services)} services")

    async def aclose(self) -> None:
        """Close connections."""
        await self.http.aclose()
