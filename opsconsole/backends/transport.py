"""One transport policy for every backend.

Both HTTP stacks the clients use are built here from the same
:class:`~opsconsole.config.EndpointSettings`, so auth, TLS, headers, tenant,
timeouts, retries and the read-only guard behave identically:

* :class:`BackendHttp` wraps ``httpx.AsyncClient`` (Alertmanager, Loki, Jaeger);
* :func:`build_requests_session` makes the ``requests.Session`` that
  prometheus-api-client runs on.

Policy: retries with exponential backoff and jitter only for idempotent reads
(GET/HEAD) and only on connect errors, 429 and 5xx; bounded concurrency per
backend; bounded response size; every failure becomes a typed
:class:`~opsconsole.backends.errors.BackendError`; in read-only mode any
non-GET request is refused before it leaves the process.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import requests.adapters
from httpx_retries import Retry as HttpxRetry
from httpx_retries import RetryTransport
from urllib3.util.retry import Retry as Urllib3Retry

from opsconsole import __version__
from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.backends.token_file import TokenFile, TokenFileHttpxAuth, TokenFileRequestsAuth
from opsconsole.config import EndpointSettings, resolve_credentials, token_file_in_force
from opsconsole.core.untrusted_text import excerpt

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USER_AGENT = f"opsconsole/{__version__}"


class InsecureTLSWarning(UserWarning):
    """TLS verification was switched off for an endpoint."""


@dataclass(frozen=True)
class RetryPolicy:
    """When and how idempotent reads are retried."""

    attempts: int = 3
    backoff_factor: float = 0.25
    max_backoff: float = 4.0
    jitter: float = 1.0
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def for_httpx(self) -> HttpxRetry:
        """The policy as an httpx-retries ``Retry``."""
        return HttpxRetry(
            total=self.attempts - 1,
            allowed_methods=sorted(SAFE_METHODS),
            status_forcelist=sorted(self.statuses),
            # Read timeouts are not retried: a slow query retried makes a slow server slower.
            retry_on_exceptions=[httpx.ConnectError, httpx.ConnectTimeout],
            backoff_factor=self.backoff_factor,
            max_backoff_wait=self.max_backoff,
            backoff_jitter=self.jitter,
        )

    def for_urllib3(self) -> Urllib3Retry:
        """The policy as a urllib3 ``Retry`` (for requests / prometheus-api-client)."""
        return Urllib3Retry(
            total=self.attempts - 1,
            connect=self.attempts - 1,
            read=0,
            other=0,
            status=self.attempts - 1,
            allowed_methods=SAFE_METHODS,
            status_forcelist=self.statuses,
            backoff_factor=self.backoff_factor,
            backoff_max=self.max_backoff,
            backoff_jitter=self.jitter,
            raise_on_status=False,
            respect_retry_after_header=True,
        )


DEFAULT_RETRY = RetryPolicy()
MAX_BODY_BYTES = 64 * 1024 * 1024


def ssl_context_for(endpoint: EndpointSettings) -> ssl.SSLContext:
    """The TLS context an endpoint asks for (verification on unless explicitly skipped)."""
    tls = endpoint.tls
    ctx = ssl.create_default_context(cafile=str(tls.ca_file.expanduser()) if tls.ca_file else None)
    if tls.cert_file:
        ctx.load_cert_chain(
            str(tls.cert_file.expanduser()), str(tls.key_file.expanduser()) if tls.key_file else None
        )
    if tls.insecure_skip_verify:
        warn_insecure(endpoint)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def warn_insecure(endpoint: EndpointSettings) -> None:
    """Say loudly that certificates are not checked for this endpoint."""
    warnings.warn(
        f"TLS verification is OFF for {endpoint.url} (insecure_skip_verify): "
        "anyone on the path can read and change this traffic",
        InsecureTLSWarning,
        stacklevel=3,
    )


def _exception_chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return " | ".join(parts)


def classify_exception(backend: str, url: str, exc: BaseException, timeout: float) -> BackendError:
    """Map a low-level network exception (httpx or requests) to a typed error."""
    text = _exception_chain_text(exc)
    low = text.lower()
    if isinstance(exc, BackendError):
        return exc
    if "certificate_verify_failed" in low or "certificate verify failed" in low:
        if "hostname mismatch" in low or "doesn't match" in low or "ip address mismatch" in low:
            diagnosis = "TLS: certificate does not match the host name"
        elif "expired" in low:
            diagnosis = "TLS: certificate has expired"
        else:
            diagnosis = "TLS: unknown CA (set tls.ca_file to the CA that signed the server certificate)"
        return BackendError(backend, FailureKind.TLS, diagnosis, url=url)
    if "ssl" in low and ("wrong version number" in low or "record layer failure" in low):
        return BackendError(
            backend, FailureKind.TLS, "TLS: server does not speak TLS (use http://?)", url=url
        )
    if isinstance(exc, ssl.SSLError) or "sslerror" in low:
        return BackendError(
            backend, FailureKind.TLS, f"TLS handshake failed: {excerpt(str(exc), 120)}", url=url
        )
    if (
        "name or service not known" in low
        or "temporary failure in name resolution" in low
        or "nodename nor servname" in low
        or "gaierror" in low
        or "no address associated" in low
        or "name resolution" in low
    ):
        return BackendError(backend, FailureKind.DNS, "DNS: cannot resolve the host name", url=url)
    if isinstance(exc, httpx.TimeoutException | requests.Timeout) or "timed out" in low or "timeout" in low:
        return BackendError(backend, FailureKind.TIMEOUT, f"timeout: no answer within {timeout:g}s", url=url)
    if "connection refused" in low or "errno 111" in low:
        return BackendError(backend, FailureKind.CONNECTION_REFUSED, "connection refused", url=url)
    if "remoteprotocolerror" in low or "incomplete" in low or "chunkedencodingerror" in low:
        return BackendError(backend, FailureKind.MALFORMED, "connection closed mid-response", url=url)
    return BackendError(backend, FailureKind.NETWORK, f"network error: {excerpt(str(exc), 160)}", url=url)


DISPLAY_NAMES = {
    "prometheus": "Prometheus",
    "alertmanager": "Alertmanager",
    "loki": "Loki",
    "jaeger": "Jaeger",
}


def generic_error_message(body: str) -> str:
    """The server's own error text from a JSON or plain-text error body."""
    try:
        payload = json.loads(body)
    except ValueError:
        return excerpt(body.splitlines()[0] if body.strip() else "", 300)
    if isinstance(payload, str):
        return excerpt(payload, 300)
    if isinstance(payload, dict):
        for key in ("error", "message", "msg"):
            value = payload.get(key)
            if isinstance(value, str) and value:
                return excerpt(value, 300)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return excerpt(value["message"], 300)
        errors = payload.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return excerpt(str(errors[0].get("msg", "")), 300)
    return excerpt(body, 300)


def error_for_status(
    backend: str,
    url: str,
    status: int,
    body: str,
    *,
    has_credentials: bool,
    server_message: str | None = None,
) -> BackendError:
    """A typed error for a non-success HTTP status with a one-line diagnosis."""
    detail = server_message if server_message is not None else generic_error_message(body)
    name = DISPLAY_NAMES.get(backend, backend)
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if status == 401:
        diagnosis = (
            "401: token rejected" if has_credentials else "401: authentication required (no credentials set)"
        )
        return BackendError(backend, FailureKind.AUTH, diagnosis, url=url, status=status, detail=detail)
    if status == 403:
        return BackendError(
            backend,
            FailureKind.FORBIDDEN,
            "403: forbidden (credentials lack permission)",
            url=url,
            status=status,
            detail=detail,
        )
    if status == 404:
        return BackendError(
            backend,
            FailureKind.NOT_FOUND,
            f"404: is this {article} {name} URL?",
            url=url,
            status=status,
            detail=detail,
        )
    if status == 429:
        return BackendError(
            backend, FailureKind.RATE_LIMITED, "429: rate limited", url=url, status=status, detail=detail
        )
    if status >= 500:
        return BackendError(
            backend,
            FailureKind.SERVER_ERROR,
            f"{status}: server error",
            url=url,
            status=status,
            detail=detail,
        )
    if 400 <= status < 500:
        return BackendError(
            backend,
            FailureKind.BAD_REQUEST,
            f"{status}: request rejected",
            url=url,
            status=status,
            detail=detail,
        )
    return BackendError(
        backend, FailureKind.HTTP, f"unexpected HTTP {status}", url=url, status=status, detail=detail
    )


@dataclass(frozen=True)
class HttpReply:
    """A completed HTTP exchange whose body has been read (within the size bound)."""

    status: int
    headers: Mapping[str, str]
    text: str
    url: str
    elapsed: float

    def json(self, backend: str) -> Any:
        """The body as JSON, or a typed error naming what came back instead."""
        ctype = self.headers.get("content-type", "")
        if "html" in ctype.lower():
            name = DISPLAY_NAMES.get(backend, backend)
            raise BackendError(
                backend,
                FailureKind.WRONG_SHAPE,
                f"got an HTML page, not JSON (a login page or proxy? is this a {name} URL?)",
                url=self.url,
                status=self.status,
            )
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise BackendError(
                backend,
                FailureKind.MALFORMED,
                f"malformed JSON in response ({exc.msg} at char {exc.pos})",
                url=self.url,
                status=self.status,
                detail=excerpt(self.text, 120),
            ) from None


class _ReadOnlyGuard(httpx.AsyncBaseTransport):
    """Refuses every non-GET request before it reaches the network."""

    def __init__(self, inner: httpx.AsyncBaseTransport, backend: str) -> None:
        self._inner = inner
        self._backend = backend

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method.upper() not in SAFE_METHODS:
            raise ReadOnlyViolation(self._backend, request.method, str(request.url))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


ErrorParser = Callable[[int, str], str]


@dataclass
class BackendHttp:
    """httpx client for one endpoint with the project's transport policy applied.

    ``transport`` replaces the network layer (tests); the read-only guard and retry
    policy still wrap it.
    """

    backend: str
    endpoint: EndpointSettings
    read_only: bool = False
    retry: RetryPolicy = DEFAULT_RETRY
    max_body_bytes: int = MAX_BODY_BYTES
    concurrency: int = 4
    transport: httpx.AsyncBaseTransport | None = None
    environ: Mapping[str, str] | None = None
    error_parser: ErrorParser | None = None
    _client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, init=False, repr=False)
    _has_credentials: bool = field(default=False, init=False, repr=False)

    def _build(self) -> httpx.AsyncClient:
        creds = resolve_credentials(self.endpoint.auth, self.environ)
        self._has_credentials = bool(creds.basic) or "Authorization" in creds.headers
        inner = self.transport or httpx.AsyncHTTPTransport(
            verify=ssl_context_for(self.endpoint) if self.endpoint.url.startswith("https") else True,
            limits=httpx.Limits(
                max_connections=self.concurrency * 2, max_keepalive_connections=self.concurrency
            ),
        )
        stack: httpx.AsyncBaseTransport = RetryTransport(transport=inner, retry=self.retry.for_httpx())
        if self.read_only:
            stack = _ReadOnlyGuard(stack, self.backend)
        headers = {"User-Agent": USER_AGENT, **creds.headers}
        auth: httpx.Auth | None = httpx.BasicAuth(*creds.basic) if creds.basic else None
        if token_path := token_file_in_force(self.endpoint.auth):
            headers.pop("Authorization", None)
            auth = TokenFileHttpxAuth(TokenFile(token_path))
        return httpx.AsyncClient(
            base_url=self.endpoint.url + "/",
            headers=headers,
            auth=auth,
            timeout=httpx.Timeout(self.endpoint.timeout),
            transport=stack,
            follow_redirects=False,
        )

    @property
    def client(self) -> httpx.AsyncClient:
        """The underlying client (built on first use)."""
        if self._client is None:
            self._client = self._build()
        return self._client

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path`` under the endpoint's base URL (prefix kept)."""
        return f"{self.endpoint.url}/{path.lstrip('/')}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        ok_statuses: frozenset[int] = frozenset({200}),
    ) -> HttpReply:
        """Send one request; return the reply or raise a typed ``BackendError``."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        url = self.url_for(path)
        if self.read_only and method.upper() not in SAFE_METHODS:
            raise ReadOnlyViolation(self.backend, method.upper(), url)
        async with self._semaphore:
            started = time.perf_counter()
            try:
                async with self.client.stream(
                    method, path.lstrip("/"), params=params, json=json_body, data=form
                ) as response:
                    body = await self._read_bounded(response, url)
                    reply = HttpReply(
                        response.status_code, dict(response.headers), body, url, time.perf_counter() - started
                    )
            except BackendError:
                raise
            except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
                raise classify_exception(self.backend, url, exc, self.endpoint.timeout) from None
        if reply.status not in ok_statuses:
            message = self.error_parser(reply.status, reply.text) if self.error_parser else None
            raise error_for_status(
                self.backend,
                url,
                reply.status,
                reply.text,
                has_credentials=self._has_credentials,
                server_message=message,
            )
        return reply

    async def _read_bounded(self, response: httpx.Response, url: str) -> str:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large(url)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large(url)
            chunks.append(chunk)
        return b"".join(chunks).decode(response.encoding or "utf-8", errors="replace")

    def _too_large(self, url: str) -> BackendError:
        return BackendError(
            self.backend,
            FailureKind.TOO_LARGE,
            f"response larger than {self.max_body_bytes // (1024 * 1024)} MiB; narrow the query",
            url=url,
        )

    async def get_json(
        self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None
    ) -> Any:
        """GET ``path`` and return its JSON body."""
        return (await self.request("GET", path, params=params)).json(self.backend)

    async def aclose(self) -> None:
        """Close connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class ReadOnlySession(requests.Session):
    """A requests session that refuses non-GET requests when read-only."""

    def __init__(self, backend: str, read_only: bool) -> None:
        super().__init__()
        self._backend = backend
        self._read_only = read_only

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        """requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override the session's own CA
        (psf/requests#3829); the endpoint's ``ca_file`` or explicit skip must win, as with httpx."""
        settings: Any = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method = (request.method or "GET").upper()
        if self._read_only and method not in SAFE_METHODS:
            raise ReadOnlyViolation(self._backend, method, str(request.url))
        return super().send(request, **kwargs)


def build_requests_session(
    backend: str,
    endpoint: EndpointSettings,
    *,
    read_only: bool,
    retry: RetryPolicy = DEFAULT_RETRY,
    environ: Mapping[str, str] | None = None,
    pool_size: int = 4,
) -> tuple[ReadOnlySession, bool]:
    """A requests session with the same auth/TLS/headers/retries as :class:`BackendHttp`.

    Returns the session and whether credentials are set (for 401 diagnoses).
    """
    creds = resolve_credentials(endpoint.auth, environ)
    session = ReadOnlySession(backend, read_only)
    session.headers.update({"User-Agent": USER_AGENT, **creds.headers})
    if creds.basic:
        session.auth = creds.basic
    if token_path := token_file_in_force(endpoint.auth):
        session.headers.pop("Authorization", None)
        session.auth = TokenFileRequestsAuth(TokenFile(token_path))
    tls = endpoint.tls
    if tls.insecure_skip_verify:
        warn_insecure(endpoint)
        session.verify = False
    elif tls.ca_file:
        session.verify = str(tls.ca_file.expanduser())
    if tls.cert_file:
        session.cert = (
            (str(tls.cert_file.expanduser()), str(tls.key_file.expanduser()))
            if tls.key_file
            else str(tls.cert_file.expanduser())
        )
    adapter = requests.adapters.HTTPAdapter(
        max_retries=retry.for_urllib3(), pool_connections=pool_size, pool_maxsize=pool_size
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, bool(creds.basic) or "Authorization" in creds.headers
