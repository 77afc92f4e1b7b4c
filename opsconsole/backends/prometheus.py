"""Async Prometheus client (also Thanos, Mimir, VictoriaMetrics) on prometheus-api-client.

prometheus-api-client is synchronous (requests) and reduces every answer to
``data.result``, dropping ``resultType``, ``warnings`` and the error envelope.
So the client runs it on a session built by :func:`build_requests_session` (same
auth, TLS, retries, deadline and read-only guard as the httpx clients) with a response hook
that validates every response first: errors become typed
:class:`BackendError` before the library sees them, and the envelope's
``resultType``/``warnings``/``infos`` are collected for the call in progress.
Calls run in worker threads (``asyncio.to_thread``) under a per-backend semaphore,
so nothing blocks the event loop, and each ends within the endpoint's ``timeout``.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from prometheus_api_client import PrometheusConnect
from pydantic import TypeAdapter, ValidationError

from opsconsole.backends.environment_proxy import UnusableProxy
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.probe import BackendInfo
from opsconsole.backends.prometheus_models import (
    BuildInfo,
    MetricMetadata,
    PrometheusAlert,
    QueryResult,
    RuleGroup,
    Targets,
)
from opsconsole.backends.transport import (
    DEFAULT_RETRY,
    MAX_BODY_BYTES,
    MAX_GET_QUERY_CHARS,
    Deadline,
    RetryPolicy,
    build_requests_session,
    classify_exception,
    decode_body,
    error_for_status,
    json_body,
)
from opsconsole.backends.type_adapters import adapter_for
from opsconsole.config import EndpointSettings
from opsconsole.core.untrusted_text import excerpt

BACKEND = "prometheus"
T = TypeVar("T")


@dataclass
class _Envelope:
    """What the response hook saw of the envelope of the current call."""

    result_type: str | None = None
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    data: Any = None
    deadline: Deadline | None = None


_current: contextvars.ContextVar[_Envelope | None] = contextvars.ContextVar(
    "prometheus_envelope", default=None
)


def _server_error_text(body: str) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return excerpt(body.splitlines()[0] if body.strip() else "", 300)
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        kind = payload.get("errorType")
        text = str(payload["error"])
        return excerpt(f"{kind}: {text}" if kind else text, 300)
    return excerpt(body, 300)


class PrometheusClient:
    """Prometheus HTTP API: queries, alerts, rules, targets, labels, series, metadata, buildinfo."""

    def __init__(
        self,
        endpoint: EndpointSettings,
        *,
        read_only: bool = False,
        retry: RetryPolicy = DEFAULT_RETRY,
        environ: Mapping[str, str] | None = None,
        concurrency: int = 4,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.endpoint = endpoint
        self.max_body_bytes = max_body_bytes
        self.read_only = read_only
        self._session, self._has_credentials = build_requests_session(
            BACKEND, endpoint, read_only=read_only, retry=retry, environ=environ, pool_size=concurrency
        )
        self._session.hooks["response"].append(self._validate_response)
        # The library mounts a retrying adapter of its own; the session sends through ours anyway.
        self._api = PrometheusConnect(url=endpoint.url, session=self._session, timeout=endpoint.timeout)
        self._semaphore = asyncio.Semaphore(concurrency)
        self.requests_sent = 0

    # -- plumbing -----------------------------------------------------------------------------

    def _validate_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Response hook: raise typed errors, record the envelope for the current call."""
        url = response.url
        body = self._bounded_text(response)
        if response.status_code != 200:
            raise error_for_status(
                BACKEND,
                url,
                response.status_code,
                body,
                has_credentials=self._has_credentials,
                server_message=_server_error_text(body),
                retry_after=response.headers.get("Retry-After"),
                token_file=self._session.token_file,
            )
        if "html" in response.headers.get("content-type", "").lower():
            raise BackendError(
                BACKEND,
                FailureKind.WRONG_SHAPE,
                "got an HTML page, not JSON (a login page or proxy? is this a Prometheus URL?)",
                url=url,
            )
        payload = json_body(BACKEND, url, body)
        if not isinstance(payload, dict) or payload.get("status") not in {"success", "error"}:
            raise BackendError(
                BACKEND, FailureKind.WRONG_SHAPE, "not a Prometheus API response envelope", url=url
            )
        if payload["status"] == "error":
            raise BackendError(
                BACKEND,
                FailureKind.BAD_REQUEST,
                "query failed",
                url=url,
                status=200,
                detail=_server_error_text(body),
            )
        envelope = _current.get()
        if envelope is not None:
            data = payload.get("data")
            envelope.data = data
            if isinstance(data, dict) and isinstance(data.get("resultType"), str):
                envelope.result_type = data["resultType"]
            envelope.warnings.extend(str(w) for w in payload.get("warnings") or [])
            envelope.infos.extend(str(i) for i in payload.get("infos") or [])
        # The body is decoded once: the library (and ``_get``) read it again with ``.json()``.
        response.json = lambda **_: payload  # type: ignore[method-assign]
        return response

    def _bounded_text(self, response: requests.Response) -> str:
        """The body, read no further than ``max_body_bytes``: a runaway query must not eat the RAM.

        Response hooks run before requests reads the body, so it is read here in chunks; the
        bytes are then handed back to the response (requests has no public way to do that).
        """
        too_large = BackendError(
            BACKEND,
            FailureKind.TOO_LARGE,
            f"response larger than {self.max_body_bytes // (1024 * 1024)} MiB; narrow the query",
            url=response.url,
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            response.close()
            raise too_large
        if not getattr(response, "_content_consumed", False):
            envelope = _current.get()
            deadline = envelope.deadline if envelope is not None else None
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(256 * 1024):
                size += len(chunk)
                if size > self.max_body_bytes:
                    response.close()
                    raise too_large
                if deadline is not None and deadline.remaining() <= 0:
                    response.close()  # a body trickling in must not outlast the deadline
                    raise self._timed_out(response.url)
                chunks.append(chunk)
            response._content = b"".join(chunks)
        # Not ``response.text``: requests reads a text/* body without a charset as ISO-8859-1.
        return decode_body(response.content, response.headers.get("content-type", ""))

    def _timed_out(self, url: str) -> BackendError:
        return BackendError(
            BACKEND, FailureKind.TIMEOUT, f"timeout: no answer within {self.endpoint.timeout:g}s", url=url
        )

    async def _call(self, what: str, fn: Callable[[], T]) -> tuple[T, _Envelope]:
        envelope = _Envelope()

        def run() -> T:
            _current.set(envelope)
            return fn()

        async with self._semaphore:
            self.requests_sent += 1
            # The call's one deadline: the session's adapter retries within it and the body is
            # read within it; the timeout here also covers what no socket timeout bounds (DNS).
            envelope.deadline = Deadline(self.endpoint.timeout)
            try:
                async with asyncio.timeout(self.endpoint.timeout):
                    result = await asyncio.to_thread(contextvars.copy_context().run, run)
            except TimeoutError:
                raise self._timed_out(f"{self.endpoint.url} ({what})") from None
            except BackendError:
                raise
            except (requests.RequestException, OSError, UnusableProxy) as exc:
                raise classify_exception(
                    BACKEND, f"{self.endpoint.url} ({what})", exc, self.endpoint.timeout
                ) from None
            except (KeyError, TypeError, ValueError) as exc:
                raise BackendError(
                    BACKEND,
                    FailureKind.WRONG_SHAPE,
                    f"unexpected response shape for {what}: {exc}",
                    url=self.endpoint.url,
                ) from None
        return result, envelope

    def _get(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None) -> Any:
        response = self._session.get(
            f"{self.endpoint.url}/{path}", params=params, timeout=self.endpoint.timeout
        )
        return response.json()["data"]

    @staticmethod
    def _parse(model: Any, data: Any, what: str, url: str) -> Any:
        try:
            adapter = model if isinstance(model, TypeAdapter) else adapter_for(model)
            return adapter.validate_python(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BackendError(
                BACKEND,
                FailureKind.WRONG_SHAPE,
                f"unexpected {what} shape at {where or 'top'}: {first['msg']}",
                url=url,
            ) from None
        except (TypeError, KeyError, AttributeError) as exc:
            # Pydantic wraps only a validator's ValueError: any other slip of a model's own
            # validator on odd data is the same typed error, not a traceback (the models raise
            # ValueError where they can; this is the net under them).
            raise BackendError(
                BACKEND, FailureKind.WRONG_SHAPE, f"unexpected {what} shape: {exc}", url=url
            ) from None

    def _result(self, raw: Any, envelope: _Envelope) -> QueryResult:
        rtype = envelope.result_type
        url = self.endpoint.url
        data: dict[str, Any] = {"result_type": rtype, "warnings": envelope.warnings, "infos": envelope.infos}
        if rtype in {"vector", "matrix"}:
            data[rtype] = raw if raw is not None else []
        elif rtype == "scalar":
            data["scalar"] = (
                (float(raw[0]), float(raw[1])) if isinstance(raw, list) and len(raw) == 2 else raw
            )
        elif rtype == "string":
            data["string"] = raw
        else:
            raise BackendError(BACKEND, FailureKind.WRONG_SHAPE, f"unknown resultType {rtype!r}", url=url)
        result: QueryResult = self._parse(QueryResult, data, "query result", url)
        return result

    # -- API ----------------------------------------------------------------------------------

    async def query(
        self, promql: str, at: float | None = None, *, eval_timeout: float | None = None
    ) -> QueryResult:
        """Instant query at ``at`` (unix seconds; server "now" when omitted)."""
        params: dict[str, Any] = {}
        if at is not None:
            params["time"] = f"{at:.3f}"
        if eval_timeout is not None:
            params["timeout"] = f"{eval_timeout:g}s"
        if len(promql) > MAX_GET_QUERY_CHARS:
            return await self._form_query("api/v1/query", {"query": promql, **params})
        raw, envelope = await self._call("query", lambda: self._api.custom_query(promql, params=params))
        return self._result(raw, envelope)

    async def query_range(self, promql: str, start: float, end: float, step: float) -> QueryResult:
        """Range query; ``step`` in seconds (see :mod:`opsconsole.core.query_step`)."""
        if end < start:
            raise ValueError("end must not be before start")
        if len(promql) > MAX_GET_QUERY_CHARS:
            form = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
            return await self._form_query("api/v1/query_range", form)
        start_dt = datetime.fromtimestamp(start, UTC)
        end_dt = datetime.fromtimestamp(end, UTC)
        raw, envelope = await self._call(
            "query_range", lambda: self._api.custom_query_range(promql, start_dt, end_dt, f"{step:g}")
        )
        return self._result(raw, envelope)

    async def _form_query(self, path: str, form: Mapping[str, str]) -> QueryResult:
        def post() -> Any:
            response = self._session.post(
                f"{self.endpoint.url}/{path}", data=form, timeout=self.endpoint.timeout
            )
            return response.json()["data"]["result"]

        raw, envelope = await self._call(path, post)
        return self._result(raw, envelope)

    async def alerts(self) -> list[PrometheusAlert]:
        """Alerts pending or firing in this Prometheus (no Alertmanager silences here)."""
        data, _ = await self._call("alerts", lambda: self._get("api/v1/alerts"))
        alerts = data.get("alerts", []) if isinstance(data, dict) else data
        parsed: list[PrometheusAlert] = self._parse(
            adapter_for(list[PrometheusAlert]), alerts, "alerts", self.endpoint.url
        )
        return parsed

    async def rules(self, rule_type: str | None = None) -> list[RuleGroup]:
        """Rule groups; ``rule_type`` is ``alert`` or ``record`` to filter."""
        params = {"type": rule_type} if rule_type else None
        data, _ = await self._call("rules", lambda: self._get("api/v1/rules", params))
        groups = data.get("groups", []) if isinstance(data, dict) else data
        parsed: list[RuleGroup] = self._parse(
            adapter_for(list[RuleGroup]), groups, "rules", self.endpoint.url
        )
        return parsed

    async def targets(self, state: str = "active") -> Targets:
        """Scrape targets (``active``, ``dropped`` or ``any``)."""
        data, _ = await self._call("targets", lambda: self._api.get_targets(state=state))
        parsed: Targets = self._parse(Targets, data, "targets", self.endpoint.url)
        return parsed

    async def labels(self, start: float, end: float, match: Sequence[str] = ()) -> list[str]:
        """Label names seen in ``start..end``.

        Always send a window: without one the whole TSDB is scanned.
        """
        params: dict[str, Any] = {"start": f"{start:.3f}", "end": f"{end:.3f}"}
        if match:
            params["match[]"] = list(match)
        data, _ = await self._call("labels", lambda: self._api.get_label_names(params=params))
        return self._strings(data, "labels")

    async def label_values(self, name: str, start: float, end: float, match: Sequence[str] = ()) -> list[str]:
        """Values of label ``name`` in ``start..end``."""
        params: dict[str, Any] = {"start": f"{start:.3f}", "end": f"{end:.3f}"}
        if match:
            params["match[]"] = list(match)
        label = quote(name, safe="")
        data, _ = await self._call("label values", lambda: self._api.get_label_values(label, params=params))
        return self._strings(data, "label values")

    def _strings(self, data: Any, what: str) -> list[str]:
        parsed: list[str] = self._parse(adapter_for(list[str]), data or [], what, self.endpoint.url)
        return parsed

    async def series(self, match: Sequence[str], start: float, end: float) -> list[dict[str, str]]:
        """Label sets of the series matching any selector in ``match``."""
        if not match:
            raise ValueError("series() needs at least one selector")
        start_dt = datetime.fromtimestamp(start, UTC)
        end_dt = datetime.fromtimestamp(end, UTC)
        data, _ = await self._call(
            "series", lambda: self._api.get_series(start_dt, end_dt, params={"match[]": list(match)})
        )
        parsed: list[dict[str, str]] = self._parse(
            adapter_for(list[dict[str, str]]), data or [], "series", self.endpoint.url
        )
        return parsed

    async def metadata(self, metric: str | None = None) -> dict[str, list[MetricMetadata]]:
        """Metric metadata keyed by family name."""
        params = {"metric": metric} if metric else None
        data, _ = await self._call("metadata", lambda: self._get("api/v1/metadata", params))
        parsed: dict[str, list[MetricMetadata]] = self._parse(
            adapter_for(dict[str, list[MetricMetadata]]), data or {}, "metadata", self.endpoint.url
        )
        return parsed

    async def buildinfo(self) -> BuildInfo:
        """Server build information (empty for engines that do not report it)."""
        data, _ = await self._call("buildinfo", lambda: self._get("api/v1/status/buildinfo"))
        parsed: BuildInfo = self._parse(BuildInfo, data or {}, "buildinfo", self.endpoint.url)
        return parsed

    async def status_config(self) -> str:
        """The loaded configuration as YAML (``/api/v1/status/config``; Prometheus serves it,
        Thanos, Mimir and VictoriaMetrics mostly do not)."""
        data, _ = await self._call("status config", lambda: self._get("api/v1/status/config"))
        if not isinstance(data, dict) or not isinstance(data.get("yaml"), str):
            raise BackendError(
                BACKEND, FailureKind.WRONG_SHAPE, "status/config without a yaml field", url=self.endpoint.url
            )
        text: str = data["yaml"]
        return text

    async def probe(self) -> BackendInfo:
        """Reachability and version for ``opsconsole check``."""
        info = await self.buildinfo()
        result = await self.query("vector(1)")
        engine = "Prometheus-compatible"
        if info.version is None:
            engine = "Prometheus-compatible (no buildinfo; VictoriaMetrics?)"
        summary = f"{engine}, query OK" if not result.is_empty else f"{engine}, query returned no data"
        return BackendInfo(info.version, summary)

    async def aclose(self) -> None:
        """Close connections."""
        await asyncio.to_thread(self._session.close)
