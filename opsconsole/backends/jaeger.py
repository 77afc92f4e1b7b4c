"""Async Jaeger query client: services, operations, trace search and trace by id.

The v1 ``/api/*`` JSON API is what every Jaeger 1.x/2.x serves; newer builds drop
its search endpoints in favour of ``/api/v3`` (OTLP JSON), so every call falls back
to v3 on 404/405. Jaeger 1.x answers unknown paths with the UI's HTML and errors
with JSON labelled ``text/plain``; both are handled. The parsers (``jaeger_v1``,
``jaeger_otlp``) keep every span of a broken trace; a search answer that holds one
unreadable trace still returns the others and says what was left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.jaeger_models import Trace, TraceSearchPage, normalize_trace_id
from opsconsole.backends.jaeger_otlp import parse_otlp_traces
from opsconsole.backends.jaeger_v1 import parse_v1_trace
from opsconsole.backends.probe import BackendInfo
from opsconsole.backends.transport import DEFAULT_RETRY, BackendHttp, RetryPolicy
from opsconsole.config import EndpointSettings
from opsconsole.core.untrusted_text import excerpt

BACKEND = "jaeger"
TRACE_ID = re.compile(r"[0-9a-f]{32}")
V3_FALLBACK_STATUSES = {404, 405}

__all__ = ["JaegerClient", "jaeger_error_text", "parse_otlp_traces", "parse_v1_trace"]


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


def envelope_errors(envelope: Mapping[str, Any]) -> list[str]:
    """Errors that came with data (a partial answer): ``errors: [{"msg", "traceID"}]``."""
    errors = envelope.get("errors")
    if not isinstance(errors, list):
        return []
    out = []
    for error in errors:
        if isinstance(error, Mapping):
            trace = f"trace {error['traceID']}: " if error.get("traceID") else ""
            out.append(excerpt(f"{trace}{error.get('msg') or error}", 300))
        else:
            out.append(excerpt(str(error), 300))
    return out


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

    async def _v1_envelope(self, path: str, params: Any = None) -> dict[str, Any]:
        payload = await self.http.get_json(path, params)
        if not isinstance(payload, dict) or "data" not in payload:
            raise self._shape_error(path, ValueError("no 'data' in the envelope"))
        return payload

    async def _v1_data(self, path: str, params: Any = None) -> Any:
        return (await self._v1_envelope(path, params))["data"]

    @staticmethod
    def _falls_back(exc: BackendError) -> bool:
        """v1 is not served here: 404/405, or Jaeger 1.x's HTML page for an unknown path."""
        return exc.status in V3_FALLBACK_STATUSES or exc.kind is FailureKind.WRONG_SHAPE

    async def services(self) -> list[str]:
        """Service names, sorted."""
        try:
            data = await self._v1_data("api/services")
        except BackendError as exc:
            if not self._falls_back(exc):
                raise
            payload = await self.http.get_json("api/v3/services")
            data = payload.get("services", []) if isinstance(payload, dict) else payload
        else:
            if data is None:  # Jaeger v2 before its first span answers {"data": null}
                data = []
        if not isinstance(data, list) or not all(isinstance(s, str) for s in data):
            raise self._shape_error("services", ValueError("not a list of service names"))
        return sorted(data)

    async def operations(self, service: str) -> list[str]:
        """Operation (span) names of one service: v1, the legacy v1 path, then v3."""
        try:
            data = await self._v1_data("api/operations", {"service": service})
        except BackendError as exc:
            if not self._falls_back(exc):
                raise
            try:
                data = await self._v1_data(f"api/services/{quote(service, safe='')}/operations")
            except BackendError as legacy:
                if not self._falls_back(legacy):
                    raise
                payload = await self.http.get_json("api/v3/operations", {"service": service})
                # protojson leaves out an empty list: no "operations" is none.
                data = payload.get("operations", []) if isinstance(payload, dict) else None
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
        """Traces with at least one span matching; newest first. ``tags`` values must be strings.

        The traces of :meth:`search_page`, for callers that do not show its warnings."""
        page = await self.search_page(
            service,
            start_us=start_us,
            end_us=end_us,
            operation=operation,
            tags=tags,
            min_duration=min_duration,
            max_duration=max_duration,
            limit=limit,
        )
        return page.traces

    async def search_page(
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
    ) -> TraceSearchPage:
        """Like :meth:`search`, with what the answer said was wrong: Jaeger's partial errors and
        traces that could not be read (skipped, counted, never silently)."""
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
            envelope = await self._v1_envelope("api/traces", params)
        except BackendError as exc:
            if exc.status not in V3_FALLBACK_STATUSES:
                raise
            traces = await self._search_v3(
                service, start_us, end_us, operation, tags or {}, min_duration, max_duration, limit
            )
            return TraceSearchPage(traces=sorted(traces, key=lambda t: t.start_us, reverse=True))
        data = envelope["data"]
        if not isinstance(data, list | None):
            raise self._shape_error("trace search", ValueError("traces is not a list"))
        traces, warnings = [], envelope_errors(envelope)
        unreadable: list[str] = []
        for raw in data or []:
            try:
                traces.append(parse_v1_trace(raw))
            except ValueError as exc:
                unreadable.append(str(exc))
        if unreadable:
            warnings.append(
                f"{len(unreadable)} trace(s) in Jaeger's answer could not be read and are not listed "
                f"({excerpt(unreadable[0], 80)})"
            )
        return TraceSearchPage(
            traces=sorted(traces, key=lambda t: t.start_us, reverse=True), warnings=warnings
        )

    async def _search_v3(
        self,
        service: str,
        start_us: int,
        end_us: int,
        operation: str | None,
        tags: Mapping[str, str],
        min_duration: str | None,
        max_duration: str | None,
        limit: int,
    ) -> list[Trace]:
        """v3 search. ``tags`` go as ``query.attributes``, which v3 servers before 2.x ignore, so
        the answer is filtered here too: a tag asked for is never silently dropped."""
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
        if tags:
            params["query.attributes"] = json.dumps({str(k): str(v) for k, v in tags.items()})
        try:
            payload = await self.http.get_json("api/v3/traces", params)
        except BackendError as exc:
            if exc.status == 404:  # v3 says "No traces found" with 404
                return []
            raise
        traces = self._otlp(payload, "v3 trace search")
        if tags:
            traces = [
                t for t in traces if any(all(s.tags.get(k) == v for k, v in tags.items()) for s in t.spans)
            ]
        return traces

    def _otlp(self, payload: Any, what: str) -> list[Trace]:
        try:
            if not isinstance(payload, dict):
                raise ValueError("not an object")
            return parse_otlp_traces(payload.get("result") or {})
        except ValueError as exc:
            raise self._shape_error(what, exc) from None

    def _not_found(self, tid: str, url: str | None = None) -> BackendError:
        return BackendError(
            BACKEND, FailureKind.NOT_FOUND, f"trace {tid} not found", url=url or self.endpoint.url, status=404
        )

    async def trace(self, trace_id: str) -> Trace:
        """One trace by id (16 or 32 hex); v3 when v1 does not have it (a v3-only server)."""
        tid = normalize_trace_id(trace_id)
        if not TRACE_ID.fullmatch(tid) or not tid.strip("0"):
            # Not sent: "zz" read as "trace 000…0zz not found", and "../x" went into the URL's path.
            # All zeros (an empty id padded too) is W3C's "no trace", never a trace's id.
            raise BackendError(
                BACKEND,
                FailureKind.BAD_REQUEST,
                f"not a trace id: {trace_id.strip()!r} (16 or 32 hex digits, not all zero)",
                url=self.endpoint.url,
            )
        try:
            envelope = await self._v1_envelope(f"api/traces/{tid}")
        except BackendError as exc:
            if not self._falls_back(exc):
                raise
            return await self._trace_v3(tid, exc)
        data = envelope["data"]
        if not data:
            raise self._not_found(tid)
        if not isinstance(data, list):
            raise self._shape_error("trace", ValueError("traces is not a list"))
        try:
            trace = parse_v1_trace(data[0], tid)
        except ValueError as exc:
            raise self._shape_error("trace", exc) from None
        extra = envelope_errors(envelope)
        return trace.model_copy(update={"warnings": [*trace.warnings, *extra]}) if extra else trace

    async def _trace_v3(self, tid: str, v1_error: BackendError) -> Trace:
        """The trace from ``/api/v3``. After a v1 404/405, v3's answer stands (its 404: not found);
        after an HTML page on v1 (a proxy's login page?) that diagnosis stands if v3 fails too."""
        try:
            payload = await self.http.get_json(f"api/v3/traces/{tid}")
        except BackendError as exc:
            if v1_error.status not in V3_FALLBACK_STATUSES:
                raise v1_error from None
            if exc.status == 404 or exc.kind is FailureKind.WRONG_SHAPE:
                raise self._not_found(tid, v1_error.url) from None
            raise
        traces = self._otlp(payload, "v3 trace")
        found = next((t for t in traces if t.trace_id == tid), None)
        if found is None:
            raise self._not_found(tid)
        others = len(traces) - 1
        if others:
            note = f"the answer also held {others} other trace(s), not shown"
            found = found.model_copy(update={"notes": [*found.notes, note]})
        return found

    async def probe(self) -> BackendInfo:
        """Lists services (Jaeger has no version endpoint)."""
        services = await self.services()
        return BackendInfo(None, f"{len(services)} services")

    async def aclose(self) -> None:
        """Close connections."""
        await self.http.aclose()
