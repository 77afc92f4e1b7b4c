"""One transport policy for every backend.

Both HTTP stacks the clients use are built here from the same
:class:`~opsconsole.config.EndpointSettings`, so auth, TLS, headers, tenant,
timeouts, retries and the read-only guard behave identically:

* :class:`BackendHttp` wraps ``httpx.AsyncClient`` (Alertmanager, Loki, Jaeger);
* :func:`build_requests_session` makes the ``requests.Session`` that
  prometheus-api-client runs on.

Policy: one overall deadline per request, the endpoint's ``timeout``, covering every attempt,
every wait and the body; retries with exponential backoff and jitter only for reads
(:func:`is_read`) and only on connect errors, 429 and 5xx; a ``Retry-After`` honoured up to a
cap, beyond which the error is shown at once; bounded concurrency per backend; bounded
response size; every failure becomes a typed :class:`~opsconsole.backends.errors.BackendError`;
in read-only mode anything but a read is refused before it leaves the process.

The retry loop is ours rather than urllib3's or httpx-retries': neither has an overall deadline
that gives up, with the server's answer, when the next wait would not fit in it, and urllib3
honours any ``Retry-After`` (prometheus-api-client mounts such an adapter; the session here
routes around it).
"""

from __future__ import annotations

import asyncio
import codecs
import json
import random
import re
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import requests
import requests.adapters
import requests.auth
from urllib3.exceptions import ConnectTimeoutError, InsecureRequestWarning, NewConnectionError
from urllib3.util.retry import Retry as Urllib3Retry

from opsconsole import __version__
from opsconsole.backends.environment_proxy import UnusableProxy, proxy_for
from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.backends.token_file import TokenFile, TokenFileHttpxAuth, TokenFileRequestsAuth
from opsconsole.config import EndpointSettings, resolve_credentials, token_file_in_force
from opsconsole.core.durations import format_duration
from opsconsole.core.untrusted_text import excerpt

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs

USER_AGENT = f"opsconsole/{__version__}"
# The only requests besides GET that a read-only context sends: the query endpoints that take a
# form-encoded POST (for a query too long for a URL) and only read. Paths are relative to the
# endpoint's URL and compared exactly, still percent-encoded, so no path trick reaches another.
READ_ONLY_POSTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "prometheus": frozenset({"api/v1/query", "api/v1/query_range", "api/v1/series", "api/v1/labels"}),
        "loki": frozenset({"loki/api/v1/query", "loki/api/v1/query_range"}),
    }
)


# URLs beyond this many characters of query are cut by servers and proxies: Prometheus and Loki
# queries longer than this go as a form POST to their query endpoint, in read-only mode too.
MAX_GET_QUERY_CHARS = 6000


def is_read(backend: str, method: str, path: str) -> bool:
    """Whether a request only reads: a GET, or a POST to one of the backend's query endpoints.

    ``path`` is relative to the endpoint's URL, without the query string. Everything else,
    HEAD and OPTIONS included (the console never sends them), counts as a change.
    """
    verb = method.upper()
    if verb == "GET":
        return True
    return verb == "POST" and path.lstrip("/") in READ_ONLY_POSTS.get(backend, frozenset())


def path_under(endpoint_url: str, url: str) -> str:
    """``url``'s path relative to the endpoint's URL, still percent-encoded ("" if not under it)."""
    base = urlsplit(endpoint_url).path.rstrip("/") + "/"
    path = urlsplit(url).path
    return path[len(base) :] if path.startswith(base) else ""


def retry_after_seconds(value: str, now: float) -> float | None:
    """A ``Retry-After`` header in seconds (delta-seconds or an HTTP date); None if unreadable."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)


class InsecureTLSWarning(UserWarning):
    """TLS verification was switched off for an endpoint."""


@dataclass(frozen=True)
class RetryPolicy:
    """When and how reads are retried, always within the request's overall deadline."""

    attempts: int = 3
    backoff_factor: float = 0.25
    max_backoff: float = 4.0
    jitter: float = 0.5  # share of each wait taken off at random, so clients do not retry in step
    max_retry_after: float = 4.0  # a server asking for a longer pause gets its error shown at once
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be at least 0 and below 1")

    def backoff(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry`` (1 is the first retry)."""
        base = min(self.max_backoff, self.backoff_factor * 2.0 ** (retry - 1))
        return base * (1 - self.jitter * draw())

    def wait_before(
        self, retry: int, remaining: float, retry_after: str | None = None, now: float | None = None
    ) -> float | None:
        """Seconds to wait before retry number ``retry``, or None to give up now.

        It gives up when the attempts are used up, when the server asks for a pause longer than
        ``max_retry_after`` (retrying sooner than asked would only be refused again), or when
        the wait would not leave time before the deadline, ``remaining`` seconds away.
        """
        if retry >= self.attempts:
            return None
        wait = self.backoff(retry)
        if retry_after:
            asked = retry_after_seconds(retry_after, time.time() if now is None else now)
            if asked is not None:
                if asked > self.max_retry_after:
                    return None
                wait = max(wait, asked)
        return wait if wait < remaining else None


@dataclass
class Deadline:
    """The end of one request's time: every attempt and wait, and the body, must fit before it."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    ends: float = field(init=False)

    def __post_init__(self) -> None:
        self.ends = self.clock() + self.seconds

    def remaining(self) -> float:
        """Seconds left (0 once past)."""
        return max(0.0, self.ends - self.clock())


DEFAULT_RETRY = RetryPolicy()
MAX_BODY_BYTES = 64 * 1024 * 1024


class TlsFilesError(OSError):
    """An endpoint's ``tls`` files cannot be used (missing, unreadable, not PEM): said the same way
    by every client, with the field and path (the contents are never quoted)."""


def ssl_context_for(endpoint: EndpointSettings, *, warn: bool = True) -> ssl.SSLContext:
    """The TLS context an endpoint asks for (verification on unless explicitly skipped); both HTTP
    stacks and the live tail use it. Raises :class:`TlsFilesError`."""
    tls = endpoint.tls
    try:
        ctx = ssl.create_default_context(cafile=str(tls.ca_file.expanduser()) if tls.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise TlsFilesError(f"cannot use tls.ca_file {tls.ca_file}: {_file_problem(exc)}") from None
    if tls.cert_file:
        try:
            ctx.load_cert_chain(
                str(tls.cert_file.expanduser()), str(tls.key_file.expanduser()) if tls.key_file else None
            )
        except (OSError, ssl.SSLError) as exc:
            files = f"{tls.cert_file}" + (f" / tls.key_file {tls.key_file}" if tls.key_file else "")
            raise TlsFilesError(f"cannot use tls.cert_file {files}: {_file_problem(exc)}") from None
    if tls.insecure_skip_verify:
        if warn:
            warn_insecure(endpoint)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _file_problem(exc: OSError | ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLError):
        return f"not a usable PEM file ({exc.reason or 'SSL error'})"
    return exc.strerror or type(exc).__name__


def tls_context_for(endpoint: EndpointSettings) -> ssl.SSLContext:
    """The TLS context an endpoint's httpx client is built with.

    A plain-http endpoint never makes a TLS handshake (its client follows no redirect), so it
    gets a context that verifies and trusts no CA: loading the system's CA bundle costs about
    45 ms of CPU per client, a good part of a one-shot command's time on the network side.
    Were that context ever used, it would refuse every certificate.
    """
    if endpoint.url.startswith("https"):
        return ssl_context_for(endpoint)
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def warn_insecure(endpoint: EndpointSettings) -> None:
    """Say loudly that certificates are not checked for this endpoint."""
    warnings.warn(
        f"TLS verification is OFF for {endpoint.url} (insecure_skip_verify): "
        "anyone on the path can read and change this traffic",
        InsecureTLSWarning,
        stacklevel=3,
    )


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from or during, and the exceptions libraries keep in their
    arguments instead (urllib3 wraps the ssl module's error in its own without chaining it)."""
    found: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
        reason = getattr(current, "reason", None)  # urllib3's MaxRetryError keeps its cause here
        if isinstance(reason, BaseException):
            todo.append(reason)
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        elif current.__context__ is not None:
            todo.append(current.__context__)
    return found


def _exception_chain_text(exc: BaseException) -> str:
    return " | ".join(f"{type(current).__name__}: {current}" for current in _chain(exc))


def _first_words(exc: BaseException) -> str:
    """The first non-empty text along the chain (httpx's ReadError over a reset has none)."""
    for current in _chain(exc):
        if str(current).strip():
            return str(current)
    return " | ".join(type(current).__name__ for current in _chain(exc))


_SSL_LOCATION = re.compile(r"\s*\(_ssl\.c:\d+\)$")
_SSL_PREFIX = re.compile(r"^(\[Errno -?\d+\]\s*)?(\[SSL(: [A-Z0-9_]+)?\]\s*)?")
SSL_ALERT_DIAGNOSES = {
    # TLS 1.3's alert for a handshake without the client certificate the server asks for.
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "TLS: the server requires a client certificate (set tls.cert_file)",
}
HUNG_UP_IN_HANDSHAKE = "TLS: the server closed the connection during the handshake"
# Only where a package opsconsole depends on is missing (a distribution's own packaging).
SOCKS_UNSUPPORTED = (
    "SOCKS proxies need the Python packages socksio, PySocks and python-socks, and one is missing: "
    "reinstall opsconsole, or set an http:// proxy in HTTPS_PROXY/HTTP_PROXY/ALL_PROXY"
)


def ssl_error_in(exc: BaseException) -> ssl.SSLError | None:
    """The ssl module's error under ``exc`` (however a library wrapped it), if there is one."""
    return next((e for e in _chain(exc) if isinstance(e, ssl.SSLError)), None)


def is_tls_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is a certificate or handshake failure: asking again cannot mend it, so it
    is never retried (httpx raises it as a ConnectError, requests as an SSLError). A handshake
    the peer hung up on is not one (:func:`hung_up_in_handshake`)."""
    return ssl_error_in(exc) is not None and not hung_up_in_handshake(exc)


def hung_up_in_handshake(exc: BaseException) -> bool:
    """Whether the peer closed the connection during the TLS handshake: a load balancer with no
    backend to hand it to does that, and the next connection may well get one."""
    return any(isinstance(e, ssl.SSLEOFError | ssl.SSLZeroReturnError) for e in _chain(exc))


def _ssl_words(error: ssl.SSLError) -> str:
    """The ssl module's words without its ``[SSL: REASON]`` prefix and ``(_ssl.c:N)`` location."""
    return _SSL_PREFIX.sub("", _SSL_LOCATION.sub("", str(error)))


def _is_socks_unsupported(exc: BaseException) -> bool:
    # requests: InvalidSchema("Missing dependencies for SOCKS support."); httpx: ImportError (socksio).
    return any(
        "socks" in str(e).lower() and isinstance(e, ImportError | requests.exceptions.InvalidSchema)
        for e in _chain(exc)
    )


SOCKS_LOGIN_REFUSED = (
    "the SOCKS proxy refused the login: check the user and password in its URL "
    "(ALL_PROXY, HTTPS_PROXY or HTTP_PROXY)"
)
# How each SOCKS library words a refused login (PySocks, socksio under httpx, python-socks).
_SOCKS_LOGIN_WORDS = (
    "authentication failed",
    "username/password",
    "authentication failure",
    "no acceptable",
    "methods were rejected",
)
# The SOCKS5 replies (RFC 1928) other than "connection refused", which reads as a direct refusal.
_SOCKS_REPLIES = (
    "general socks server failure",
    "connection not allowed by ruleset",
    "network unreachable",
    "host unreachable",
    "ttl expired",
    "command not supported",
    "address type not supported",
)


def _socks_failure(url: str, low: str) -> tuple[FailureKind, str] | None:
    """A SOCKS proxy's refusal in one wording for the three libraries that speak SOCKS (each
    has its own), or None when ``url`` goes through no SOCKS proxy or this is not one."""
    try:  # ``url`` as errors show it: "http://host:9090 (query)"
        proxy = proxy_for(url.split(" ", 1)[0]) or ""
    except ValueError:  # UnusableProxy too: that is not a SOCKS proxy's answer
        return None
    if not proxy.lower().startswith("socks"):
        return None
    if any(words in low for words in _SOCKS_LOGIN_WORDS):
        return FailureKind.PROXY, SOCKS_LOGIN_REFUSED
    reply = next((words for words in _SOCKS_REPLIES if words in low), None)
    if reply is not None:
        return FailureKind.NETWORK, f"the SOCKS proxy could not connect: {reply}"
    return None


def _is_reset(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionResetError) for e in _chain(exc))


def _cut_mid_response(exc: BaseException) -> bool:
    """Whether the answer had begun when the connection ended (the two stacks' words for it)."""
    return any(
        isinstance(e, requests.exceptions.ChunkedEncodingError | httpx.RemoteProtocolError)
        or "incomplete" in str(e).lower()
        or "connection broken" in str(e).lower()
        for e in _chain(exc)
    )


def closed_mid_response(backend: str, url: str) -> BackendError:
    """The connection ended after the answer began: both stacks' one wording.

    Not a malformed answer: the server (or a proxy, a load balancer) hung up, and asking again
    may well get the whole of it, so the screen offers to. The transport does not ask again by
    itself as it does when nothing was sent: a change cut off may have been made."""
    return BackendError(backend, FailureKind.INTERRUPTED, "connection closed mid-response", url=url)


def classify_exception(backend: str, url: str, exc: BaseException, timeout: float) -> BackendError:
    """Map a low-level network exception (httpx or requests) to a typed error.

    The same fault reads the same from either stack: a TLS failure in the ssl module's words
    (not urllib3's pool wrapper's), a reset as a reset, and never an empty message.
    """
    text = _exception_chain_text(exc)
    low = text.lower()
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, TlsFilesError):
        return BackendError(backend, FailureKind.TLS, f"TLS: {exc}", url=url)
    if isinstance(exc, UnusableProxy):
        return BackendError(backend, FailureKind.PROXY, str(exc), url=url)
    if _is_socks_unsupported(exc):
        return BackendError(backend, FailureKind.PROXY, SOCKS_UNSUPPORTED, url=url)
    socks = _socks_failure(url, low)
    if socks is not None:
        kind, diagnosis = socks
        return BackendError(backend, kind, diagnosis, url=url)
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
    if hung_up_in_handshake(exc):  # asked again already (nothing was sent): it keeps hanging up
        return BackendError(backend, FailureKind.TLS, HUNG_UP_IN_HANDSHAKE, url=url)
    tls = ssl_error_in(exc)
    if tls is not None or "sslerror" in low:
        known = next((words for reason, words in SSL_ALERT_DIAGNOSES.items() if reason.lower() in low), None)
        if known is not None:
            return BackendError(backend, FailureKind.TLS, known, url=url)
        words = _ssl_words(tls) if tls is not None else str(exc)
        return BackendError(
            backend,
            FailureKind.TLS,
            f"TLS handshake failed: {excerpt(words or _first_words(exc), 120)}",
            url=url,
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
    if "remoteprotocolerror" in low or "chunkedencodingerror" in low or _cut_mid_response(exc):
        return closed_mid_response(backend, url)
    if _is_reset(exc):
        return BackendError(backend, FailureKind.NETWORK, "connection reset by the server", url=url)
    return BackendError(
        backend, FailureKind.NETWORK, f"network error: {excerpt(_first_words(exc), 160)}", url=url
    )


DISPLAY_NAMES = {
    "prometheus": "Prometheus",
    "alertmanager": "Alertmanager",
    "loki": "Loki",
    "jaeger": "Jaeger",
}


def _named(backend: str) -> str:
    """``a Prometheus``, ``an Alertmanager``: the backend's display name with its article."""
    name = DISPLAY_NAMES.get(backend, backend)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


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


def unauthorised_diagnosis(has_credentials: bool, token_file: TokenFile | None = None) -> str:
    """What a 401 means given what was sent: never "no credentials set" when a token file is
    configured (it names the file and what is wrong with it), never the token itself."""
    if token_file is None:
        if has_credentials:
            return "401: token rejected"
        return "401: authentication required (no credentials set)"
    problem = token_file.problem()
    if not problem:
        return f"401: token rejected (token from {token_file.path})"
    if token_file.authorization() is not None:  # unreadable now: the token read before was sent
        return f"401: token rejected (token file {token_file.path} {problem}; its earlier token was sent)"
    return f"401: authentication required (token file {token_file.path} {problem})"


def error_for_status(
    backend: str,
    url: str,
    status: int,
    body: str,
    *,
    has_credentials: bool,
    server_message: str | None = None,
    retry_after: str | None = None,
    token_file: TokenFile | None = None,
) -> BackendError:
    """A typed error for a non-success HTTP status with a one-line diagnosis.

    A 429's ``Retry-After`` beyond a few seconds is named, so the pause the server asked for is
    known ("429: rate limited, the server asks for a pause of 1h"). A 401 with a token file in force
    (``token_file``) is explained by that file as it is now: empty, unreadable, or its token rejected.
    """
    detail = server_message if server_message is not None else generic_error_message(body)
    if status == 401:
        diagnosis = unauthorised_diagnosis(has_credentials, token_file)
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
            f"404: is this {_named(backend)} URL?",
            url=url,
            status=status,
            detail=detail,
        )
    if status == 429:
        pause = retry_after_seconds(retry_after, time.time()) if retry_after else None
        diagnosis = "429: rate limited"
        if pause is not None and pause >= 5:
            diagnosis += f", the server asks for a pause of {format_duration(pause)}"
        return BackendError(
            backend, FailureKind.RATE_LIMITED, diagnosis, url=url, status=status, detail=detail
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


def json_body(backend: str, url: str, text: str, *, status: int | None = None) -> Any:
    """``text`` as JSON, or a MALFORMED error in the same words from either HTTP stack."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackendError(
            backend,
            FailureKind.MALFORMED,
            f"malformed JSON in response ({exc.msg} at char {exc.pos})",
            url=url,
            status=status,
            detail=excerpt(text, 120),
        ) from None


def decode_body(content: bytes, content_type: str) -> str:
    """A body as text: in the charset its Content-Type declares, else UTF-8; undecodable bytes
    are replaced. (requests would read a text/* body without a charset as ISO-8859-1.)"""
    charset = ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    try:
        codecs.lookup(charset or "utf-8")
    except LookupError:
        charset = ""
    return content.decode(charset or "utf-8", errors="replace")


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
            raise BackendError(
                backend,
                FailureKind.WRONG_SHAPE,
                f"got an HTML page, not JSON (a login page or proxy? is this {_named(backend)} URL?)",
                url=self.url,
                status=self.status,
            )
        return json_body(backend, self.url, self.text, status=self.status)


class _ReadOnlyGuard(httpx.AsyncBaseTransport):
    """Refuses every request but a read (:func:`is_read`) before it reaches the network."""

    def __init__(self, inner: httpx.AsyncBaseTransport, backend: str, endpoint_url: str) -> None:
        self._inner = inner
        self._backend = backend
        self._endpoint_url = endpoint_url

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if not is_read(self._backend, request.method, path_under(self._endpoint_url, url)):
            raise ReadOnlyViolation(self._backend, request.method, url)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


ErrorParser = Callable[[int, str], str]


@dataclass
class BackendHttp:
    """httpx client for one endpoint with the project's transport policy applied.

    ``transport`` replaces the network layer (tests); the read-only guard, the deadline and
    the retry policy still apply.
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
    _token_file: TokenFile | None = field(default=None, init=False, repr=False)
    _headers: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def _build(self) -> httpx.AsyncClient:
        creds = resolve_credentials(self.endpoint.auth, self.environ)
        self._has_credentials = bool(creds.basic) or "Authorization" in creds.headers
        stack = self.transport or httpx.AsyncHTTPTransport(
            verify=tls_context_for(self.endpoint),
            limits=httpx.Limits(
                max_connections=self.concurrency * 2, max_keepalive_connections=self.concurrency
            ),
            proxy=proxy_for(self.endpoint.url),  # as requests does for Prometheus
        )
        if self.read_only:
            stack = _ReadOnlyGuard(stack, self.backend, self.endpoint.url)
        headers = {"User-Agent": USER_AGENT, **creds.headers}
        auth: httpx.Auth | None = httpx.BasicAuth(*creds.basic) if creds.basic else None
        if token_path := token_file_in_force(self.endpoint.auth):
            headers.pop("Authorization", None)
            self._token_file = TokenFile(token_path)
            auth = TokenFileHttpxAuth(self._token_file)
        self._headers = headers
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

    def request_headers(self) -> dict[str, str]:
        """The headers a request to this endpoint carries now, ``Authorization`` as the client sends
        it: a token file's current token (its last good one while the file is briefly unreadable)
        or basic auth (a URL's user and password were moved there by the config). The live tail
        opens its websocket with these, so it authenticates exactly as Loki's other requests do."""
        client = self.client
        request = client.build_request("GET", "")
        auth = client.auth
        if auth is not None:
            request = next(auth.sync_auth_flow(request))
        headers = {k: v for k, v in self._headers.items() if k.lower() != "authorization"}
        if value := request.headers.get("Authorization"):
            headers["Authorization"] = value
        return headers

    def error_for(self, url: str, status: int, body: str, retry_after: str | None = None) -> BackendError:
        """The typed error for a non-success ``status`` answered to a request this client sent
        (the live tail's refused upgrade too): a 401 is worded by the credentials sent."""
        message = self.error_parser(status, body) if self.error_parser else None
        return error_for_status(
            self.backend,
            url,
            status,
            body,
            has_credentials=self._has_credentials,
            server_message=message,
            retry_after=retry_after,
            token_file=self._token_file,
        )

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
        """Send one request; return the reply or raise a typed ``BackendError``.

        Reads are retried (see :class:`RetryPolicy`); the whole exchange, retries and waits
        included, ends within the endpoint's ``timeout``.
        """
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        url = self.url_for(path)
        read = is_read(self.backend, method, urlsplit(path).path)
        if self.read_only and not read:
            raise ReadOnlyViolation(self.backend, method.upper(), url)
        async with self._semaphore:
            deadline = Deadline(self.endpoint.timeout)
            retries = 0
            while True:
                try:
                    async with asyncio.timeout(deadline.remaining()):
                        reply = await self._attempt(method, path, url, deadline, params, json_body, form)
                except TimeoutError:
                    raise self._timed_out(url) from None
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    can_retry = read and not is_tls_failure(exc)
                    wait = self.retry.wait_before(retries + 1, deadline.remaining()) if can_retry else None
                    if wait is None:
                        raise classify_exception(self.backend, url, exc, self.endpoint.timeout) from None
                    retries += 1
                    await asyncio.sleep(wait)
                    continue
                except BackendError:
                    raise
                except (httpx.HTTPError, OSError, ssl.SSLError, ImportError, UnusableProxy) as exc:
                    # ImportError: httpx builds a SOCKS proxy's transport only with its extras.
                    raise classify_exception(self.backend, url, exc, self.endpoint.timeout) from None
                if read and reply.status in self.retry.statuses:
                    asked = reply.headers.get("retry-after")
                    wait = self.retry.wait_before(retries + 1, deadline.remaining(), asked)
                    if wait is not None:
                        retries += 1
                        await asyncio.sleep(wait)
                        continue
                break
        if reply.status not in ok_statuses:
            raise self.error_for(url, reply.status, reply.text, reply.headers.get("retry-after"))
        return reply

    async def _attempt(
        self,
        method: str,
        path: str,
        url: str,
        deadline: Deadline,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
        json_body: Any,
        form: Mapping[str, Any] | None,
    ) -> HttpReply:
        started = time.perf_counter()
        async with self.client.stream(
            method,
            path.lstrip("/"),
            params=params,
            json=json_body,
            data=form,
            timeout=httpx.Timeout(max(deadline.remaining(), 0.001)),
        ) as response:
            body = await self._read_bounded(response, url)
            return HttpReply(
                response.status_code, dict(response.headers), body, url, time.perf_counter() - started
            )

    def _timed_out(self, url: str) -> BackendError:
        return BackendError(
            self.backend,
            FailureKind.TIMEOUT,
            f"timeout: no answer within {self.endpoint.timeout:g}s",
            url=url,
        )

    async def _read_bounded(self, response: httpx.Response, url: str) -> str:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large(url)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise self._too_large(url)
                chunks.append(chunk)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A reset once the answer has begun is what requests calls a broken body: same words.
            raise closed_mid_response(self.backend, url) from None
        return decode_body(b"".join(chunks), response.headers.get("content-type", ""))

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


def _connect_failed(exc: requests.ConnectionError) -> bool:
    """Whether requests failed to connect at all (nothing was sent, so a retry is safe)."""
    if isinstance(exc, requests.ConnectTimeout) or hung_up_in_handshake(exc):
        return True
    if is_tls_failure(exc):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _within(timeout: Any, deadline: Deadline) -> Any:
    """A requests timeout (None, seconds or a (connect, read) pair) cut to what the deadline leaves."""
    left = max(deadline.remaining(), 0.001)
    if isinstance(timeout, tuple):
        return tuple(left if part is None else min(part, left) for part in timeout)
    return left if timeout is None else min(float(timeout), left)


class PolicyAdapter(requests.adapters.HTTPAdapter):
    """Sends each request with the retry policy, within one overall deadline (the endpoint's
    ``timeout``); urllib3 itself never retries."""

    def __init__(self, backend: str, endpoint: EndpointSettings, retry: RetryPolicy, pool_size: int) -> None:
        # The very TLS context the httpx clients get (CAs, client certificate, verification),
        # made at the first https request as theirs is: a missing file is that request's error.
        self.tls_context: ssl.SSLContext | None = None
        self._tls_lock = threading.Lock()
        self._pool_size = pool_size
        super().__init__(
            max_retries=Urllib3Retry(0, read=False), pool_connections=pool_size, pool_maxsize=pool_size
        )
        self.backend = backend
        self.endpoint = endpoint
        self.retry = retry
        self._pool_keys: dict[tuple[Any, ...], tuple[_HostParams, _PoolKwargs]] = {}

    def _with_tls_context(self) -> None:
        """Make :attr:`tls_context` (once it can be) and pool with it. Raises TlsFilesError."""
        if self.tls_context is not None or not self.endpoint.url.startswith("https"):
            return
        with self._tls_lock:
            if self.tls_context is None:
                context = ssl_context_for(self.endpoint, warn=False)  # build_requests_session warned
                self.tls_context = context
                self.init_poolmanager(self._pool_size, self._pool_size)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """urllib3's pools use :attr:`tls_context` (requests would make its own per connection)."""
        if self.tls_context is not None:
            kwargs["ssl_context"] = self.tls_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """Through a proxy too."""
        if self.tls_context is not None:
            proxy_kwargs["ssl_context"] = self.tls_context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """With :attr:`tls_context`, nothing is loaded per connection: its CAs and client
        certificate are in it (requests would add certifi's bundle, or ``REQUESTS_CA_BUNDLE``)."""
        if self.tls_context is None:
            super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        """requests' pool key, worked out once per origin, CA and client certificate.

        requests works it out again before every request, http ones included (an idle console
        sends some 26 a refresh). With :attr:`tls_context`, CA and certificate paths a caller
        passes are dropped: what to trust and present is in that context, loaded once.
        """
        parts = urlsplit(request.url or "")
        key = (parts.scheme.lower(), parts.hostname, parts.port, verify, cert)
        known = self._pool_keys.get(key)
        if known is None:
            known = super().build_connection_pool_key_attributes(request, verify, cert)
            if self.tls_context is not None:  # all of it is in the context already
                for name in ("ca_certs", "ca_cert_dir", "cert_file", "key_file"):
                    known[1].pop(name, None)  # type: ignore[misc]
            self._pool_keys[key] = known
        host_params, pool_kwargs = known
        return host_params.copy(), pool_kwargs.copy()  # urllib3 is handed its own copies

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send, retrying reads on connect errors and retryable statuses while time is left."""
        self._with_tls_context()
        deadline = Deadline(self.endpoint.timeout)
        path = path_under(self.endpoint.url, request.url or "")
        read = is_read(self.backend, request.method or "GET", path)
        retries = 0
        while True:
            try:
                response = super().send(
                    request,
                    stream=stream,
                    timeout=_within(timeout, deadline),
                    verify=verify,
                    cert=cert,
                    proxies=dict(proxies) if proxies is not None else None,
                )
            except requests.ConnectionError as exc:
                can_retry = read and _connect_failed(exc)
                wait = self.retry.wait_before(retries + 1, deadline.remaining()) if can_retry else None
                if wait is None:
                    raise
                retries += 1
                time.sleep(wait)
                continue
            if read and response.status_code in self.retry.statuses:
                asked = response.headers.get("Retry-After")
                wait = self.retry.wait_before(retries + 1, deadline.remaining(), asked)
                if wait is not None:
                    response.close()
                    retries += 1
                    time.sleep(wait)
                    continue
            return response


class _ContextCredentialsOnly(requests.auth.AuthBase):
    """The auth of a session whose context sets no basic auth: sends nothing, so requests does
    not fall back to ``~/.netrc`` (headers such as a bearer token are the session's own)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


_CONTEXT_CREDENTIALS_ONLY = _ContextCredentialsOnly()


def _utf8_basic(username: str, password: str) -> requests.auth.HTTPBasicAuth:
    """Basic auth encoded as UTF-8, as httpx and the live tail encode it: requests encodes a
    ``str`` as Latin-1 (another header for ``pässword``, none at all for ``p€ss``), bytes as given."""
    return requests.auth.HTTPBasicAuth(username.encode(), password.encode())


class PolicySession(requests.Session):
    """A requests session that sends everything through its :class:`PolicyAdapter` and, when
    read-only, refuses anything but a read before it is sent."""

    def __init__(self, backend: str, endpoint: EndpointSettings, adapter: PolicyAdapter, read_only: bool):
        super().__init__()
        self._backend = backend
        self._endpoint_url = endpoint.url
        self._adapter = adapter
        self._read_only = read_only
        self.token_file: TokenFile | None = None  # the bearer token file in force, for 401 diagnoses
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_adapter(self, url: str) -> requests.adapters.BaseAdapter:
        """Our adapter for every http(s) URL, whatever a library mounted on the session
        (prometheus-api-client mounts its own, which honours any Retry-After)."""
        if url.lower().startswith(("http://", "https://")):
            return self._adapter
        return super().get_adapter(url)

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        """requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` decide what to verify against
        (psf/requests#3829); the adapter's TLS context, the httpx clients' own, decides. The
        environment's proxy is :func:`proxy_for`'s, as for the other clients (``socks5://`` as
        ``socks5h://``, a scheme none can use refused)."""
        explicit = bool(proxies)  # a caller's own (before requests adds the environment's to them)
        settings: Any = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None:
            settings["verify"] = self.verify
        if isinstance(url, str) and not explicit:  # from the environment: every client's one rule
            proxy = proxy_for(url)
            settings["proxies"] = {urlsplit(url).scheme: proxy} if proxy else {}
        return settings

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method = (request.method or "GET").upper()
        url = str(request.url)
        if self._read_only and not is_read(self._backend, method, path_under(self._endpoint_url, url)):
            raise ReadOnlyViolation(self._backend, method, url)
        return super().send(request, **kwargs)


def build_requests_session(
    backend: str,
    endpoint: EndpointSettings,
    *,
    read_only: bool,
    retry: RetryPolicy = DEFAULT_RETRY,
    environ: Mapping[str, str] | None = None,
    pool_size: int = 4,
) -> tuple[PolicySession, bool]:
    """A requests session with the same auth/TLS/headers/retries/deadline as :class:`BackendHttp`.

    Returns the session and whether credentials are set (for 401 diagnoses, with the session's
    ``token_file`` when one is in force).
    """
    creds = resolve_credentials(endpoint.auth, environ)
    session = PolicySession(backend, endpoint, PolicyAdapter(backend, endpoint, retry, pool_size), read_only)
    session.headers.update({"User-Agent": USER_AGENT, **creds.headers})
    # Credentials come from the context alone: requests reads ~/.netrc (or $NETRC) for a request
    # without auth of its own, httpx does not. An auth that adds nothing keeps it from looking.
    session.auth = _utf8_basic(*creds.basic) if creds.basic else _CONTEXT_CREDENTIALS_ONLY
    if token_path := token_file_in_force(endpoint.auth):
        session.headers.pop("Authorization", None)
        session.token_file = TokenFile(token_path)
        session.auth = TokenFileRequestsAuth(session.token_file)
    # TLS (CAs, client certificate, verification) is the adapter's context, the httpx clients' own;
    # urllib3 sets the context's verify mode from this.
    session.verify = not endpoint.tls.insecure_skip_verify
    if endpoint.tls.insecure_skip_verify:
        warn_insecure(endpoint)
        # Said once per endpoint above; urllib3 would say it again at every request.
        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
    return session, bool(creds.basic) or "Authorization" in creds.headers
