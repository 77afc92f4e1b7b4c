"""Async Loki client: LogQL queries, labels, series, buildinfo (the live tail is in ``loki_tail``).

Loki's errors are plain text, its log timestamps nanosecond strings, and lines
from several streams arrive with no global order: this client merges them into
one ordered list of :class:`LogEntry` and keeps timestamps as ``int``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import ValidationError

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.loki_models import LogEntry, LokiBuildInfo, LokiQueryResult, MetricSample, Stream
from opsconsole.backends.probe import BackendInfo
from opsconsole.backends.transport import DEFAULT_RETRY, MAX_GET_QUERY_CHARS, BackendHttp, RetryPolicy
from opsconsole.config import EndpointSettings
from opsconsole.core.untrusted_text import excerpt

BACKEND = "loki"
Direction = Literal["forward", "backward"]


def loki_error_text(status: int, body: str) -> str:
    """Loki answers errors in plain text; keep its first line."""
    return excerpt(body.strip().splitlines()[0] if body.strip() else f"HTTP {status}", 300)


def merge_streams(streams: Iterable[Stream], direction: Direction) -> list[LogEntry]:
    """All entries of all streams in one list, oldest first (forward) or newest first (backward)."""
    ordered = [
        sorted(s.values, key=lambda e: e.ts_ns, reverse=direction == "backward") for s in streams if s.values
    ]
    return list(heapq.merge(*ordered, key=lambda e: e.ts_ns, reverse=direction == "backward"))


def query_warnings(payload: Mapping[str, Any]) -> list[str]:
    """Loki's ``warnings`` (top level, next to ``status``; absent when there are none)."""
    raw = payload.get("warnings")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [excerpt(str(w), 300) for w in items if str(w).strip()]


MAX_WARNINGS = 10  # distinct warnings kept per tail or pane; the newest win


def keep_warnings(held: list[str], new: Iterable[str]) -> None:
    """Add ``new`` warnings to ``held`` once each, keeping the newest ``MAX_WARNINGS``."""
    for warning in new:
        if warning in held:
            held.remove(warning)
        held.append(warning)
    del held[:-MAX_WARNINGS]


def parse_query_payload(payload: Any, direction: Direction = "backward") -> LokiQueryResult:
    """A ``/query`` or ``/query_range`` JSON body as a typed result (``ValueError`` on a wrong shape)."""
    if (
        not isinstance(payload, dict)
        or payload.get("status") != "success"
        or not isinstance(payload.get("data"), dict)
    ):
        raise ValueError("not a Loki success envelope")
    data = payload["data"]
    rtype = data.get("resultType")
    result = data.get("result") or []
    stats = ((data.get("stats") or {}).get("summary") or {}) if isinstance(data.get("stats"), dict) else {}
    extra: dict[str, Any] = {
        "exec_time": stats.get("execTime"),
        "bytes_processed": stats.get("totalBytesProcessed"),
        "warnings": query_warnings(payload),
    }
    if rtype == "streams":
        streams = [Stream.model_validate(s) for s in result]
        return LokiQueryResult(result_type="streams", entries=merge_streams(streams, direction), **extra)
    if rtype in {"matrix", "vector"}:
        series = []
        for item in result:
            if not isinstance(item, dict):
                raise ValueError("metric result items must be objects")
            points = item.get("values") or ([item["value"]] if "value" in item else [])
            series.append(
                MetricSample(
                    metric=item.get("metric") or {}, values=[(float(t), float(v)) for t, v in points]
                )
            )
        return LokiQueryResult(result_type=rtype, series=series, **extra)
    if rtype == "scalar" and isinstance(result, list) and len(result) == 2:
        sample = MetricSample(values=[(float(result[0]), float(result[1]))])
        return LokiQueryResult(result_type="scalar", series=[sample], **extra)
    raise ValueError(f"unknown resultType {rtype!r}")


class LokiClient:
    """Loki HTTP API client."""

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
        self.read_only = read_only
        self.environ = environ
        self.http = http or BackendHttp(
            BACKEND, endpoint, read_only=read_only, retry=retry, environ=environ, error_parser=loki_error_text
        )

    def _result(self, payload: Any, direction: Direction) -> LokiQueryResult:
        try:
            return parse_query_payload(payload, direction)
        except (ValueError, TypeError, KeyError, ValidationError) as exc:
            message = (
                exc.errors(include_url=False)[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            )
            raise BackendError(
                BACKEND,
                FailureKind.WRONG_SHAPE,
                f"unexpected Loki query response: {excerpt(message, 160)}",
                url=self.endpoint.url,
            ) from None

    async def query_range(
        self,
        logql: str,
        start_ns: int,
        end_ns: int,
        *,
        limit: int = 100,
        direction: Direction = "backward",
        step: float | None = None,
    ) -> LokiQueryResult:
        """Log lines (or a metric query's series) in ``[start_ns, end_ns)``."""
        params: dict[str, Any] = {
            "query": logql,
            "start": str(start_ns),
            "end": str(end_ns),
            "limit": str(limit),
            "direction": direction,
        }
        if step is not None:
            params["step"] = f"{step:g}"
        payload = await self._query_json("loki/api/v1/query_range", params)
        return self._result(payload, direction)

    async def query(self, logql: str, at_ns: int | None = None) -> LokiQueryResult:
        """Instant **metric** query (Loki 3.2+ refuses log queries here)."""
        params: dict[str, Any] = {"query": logql}
        if at_ns is not None:
            params["time"] = str(at_ns)
        payload = await self._query_json("loki/api/v1/query", params)
        return self._result(payload, "backward")

    async def _query_json(self, path: str, params: dict[str, Any]) -> Any:
        # A LogQL too long for a URL (a pack's long alternation, a pasted filter) goes as a form
        # POST, which Loki's query endpoints take and read-only mode allows.
        if len(params["query"]) > MAX_GET_QUERY_CHARS:
            return (await self.http.request("POST", path, form=params)).json(BACKEND)
        return await self.http.get_json(path, params)

    async def lines_since(
        self,
        logql: str,
        start_ns: int,
        end_ns: int,
        *,
        seen: set[tuple[Any, ...]] | None = None,
        limit: int = 1000,
        max_lines: int | None = None,
        warnings: list[str] | None = None,
    ) -> list[LogEntry]:
        """Every line in ``[start_ns, end_ns)`` oldest first, paging forward without gaps or duplicates.

        ``start`` is inclusive and several lines can share a nanosecond, so each page restarts at the
        last timestamp seen and drops entries already returned (``seen`` carries that across calls).
        ``max_lines`` stops after that many lines (the oldest ones). Loki's warnings on any page are
        added to ``warnings`` (once each).
        """
        seen = set() if seen is None else seen
        out: list[LogEntry] = []
        cursor = start_ns
        while cursor < end_ns:
            page = await self.query_range(logql, cursor, end_ns, limit=limit, direction="forward")
            if warnings is not None:
                keep_warnings(warnings, page.warnings)
            fresh = [e for e in page.entries if e.key not in seen]
            for entry in fresh:
                seen.add(entry.key)
            out.extend(fresh)
            if max_lines is not None and len(out) >= max_lines:
                del out[max_lines:]
                break
            if len(page.entries) < limit or not page.entries:
                break
            last = page.entries[-1].ts_ns
            if last == cursor and not fresh:
                # A full page of lines all at one nanosecond: step past it rather than loop forever.
                cursor += 1
            else:
                cursor = last
        return out

    async def _data_list(self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]]) -> list[Any]:
        payload = await self.http.get_json(path, params)
        if not isinstance(payload, dict) or payload.get("status") != "success":
            raise BackendError(
                BACKEND, FailureKind.WRONG_SHAPE, f"unexpected answer from {path}", url=self.endpoint.url
            )
        data = payload.get("data")
        if data is None:
            return []
        if not isinstance(data, list):
            raise BackendError(
                BACKEND, FailureKind.WRONG_SHAPE, f"{path}: data is not a list", url=self.endpoint.url
            )
        return data

    async def labels(self, start_ns: int, end_ns: int) -> list[str]:
        """Label names seen in the window."""
        return [
            str(x) for x in await self._data_list("loki/api/v1/labels", {"start": start_ns, "end": end_ns})
        ]

    async def label_values(self, name: str, start_ns: int, end_ns: int) -> list[str]:
        """Values of one label in the window."""
        path = f"loki/api/v1/label/{name}/values"
        return [str(x) for x in await self._data_list(path, {"start": start_ns, "end": end_ns})]

    async def series(self, match: Sequence[str], start_ns: int, end_ns: int) -> list[dict[str, str]]:
        """Label sets of the streams matching any selector."""
        params: list[tuple[str, Any]] = [("match[]", m) for m in match]
        params += [("start", start_ns), ("end", end_ns)]
        items = await self._data_list("loki/api/v1/series", params)
        return [{str(k): str(v) for k, v in item.items()} for item in items if isinstance(item, dict)]

    async def buildinfo(self) -> LokiBuildInfo:
        """Version information (absent on very old Loki: then ``version`` is None)."""
        try:
            data = await self.http.get_json("loki/api/v1/status/buildinfo")
        except BackendError as exc:
            if exc.kind is FailureKind.NOT_FOUND:
                return LokiBuildInfo()
            raise
        try:
            return LokiBuildInfo.model_validate(data if isinstance(data, dict) else {})
        except ValidationError as exc:
            message = f"unexpected Loki buildinfo: {exc.errors(include_url=False)[0]['msg']}"
            raise BackendError(BACKEND, FailureKind.WRONG_SHAPE, message, url=self.endpoint.url) from None

    async def probe(self) -> BackendInfo:
        """Ready check and version for ``opsconsole check``."""
        reply = await self.http.request("GET", "ready")
        info = await self.buildinfo()
        return BackendInfo(info.version, f"ready: {excerpt(reply.text, 40) or 'ok'}")

    async def aclose(self) -> None:
        """Close connections."""
        await self.http.aclose()
