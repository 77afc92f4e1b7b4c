"""The one exception family every backend client raises.

Anything that can go wrong between the console and a backend ends up as a
:class:`BackendError` carrying a short human diagnosis (shown on a pane or by
``opsconsole check``) and, where there was one, the HTTP status and an excerpt of
the body, all of it terminal-safe (see :mod:`opsconsole.core.untrusted_text`).
Callers never need to catch httpx, requests or pydantic exceptions.
"""

from __future__ import annotations

import enum

from opsconsole.core.untrusted_text import clean


class FailureKind(enum.StrEnum):
    """What broke, coarse enough to drive UI and retry decisions."""

    CONNECTION_REFUSED = "connection_refused"
    DNS = "dns"
    TIMEOUT = "timeout"
    TLS = "tls"
    NETWORK = "network"
    INTERRUPTED = "interrupted"  # the answer had begun when the connection ended
    PROXY = "proxy"  # the proxy the environment names cannot be used (its scheme, a refused login)
    AUTH = "auth"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    BAD_REQUEST = "bad_request"
    SERVER_ERROR = "server_error"
    HTTP = "http"
    MALFORMED = "malformed"
    WRONG_SHAPE = "wrong_shape"
    TOO_LARGE = "too_large"
    READ_ONLY = "read_only"
    NOT_CONFIGURED = "not_configured"


class BackendError(Exception):
    """A failed call to a backend, with a one-line diagnosis for humans.

    ``diagnosis`` is what a pane or ``opsconsole check`` prints; ``detail`` is the
    (already sanitised, truncated) server message when the server sent one.
    """

    def __init__(
        self,
        backend: str,
        kind: FailureKind,
        diagnosis: str,
        *,
        url: str = "",
        status: int | None = None,
        detail: str = "",
    ) -> None:
        self.backend = backend
        self.kind = kind
        # Diagnoses quote servers and URLs, details are their words: clean wherever they are shown.
        self.diagnosis = clean(diagnosis)
        self.url = clean(url)
        self.status = status
        self.detail = clean(detail)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Diagnosis plus the server's own words, on one line."""
        if self.detail and self.detail not in self.diagnosis:
            return f"{self.diagnosis}: {self.detail}"
        return self.diagnosis

    @property
    def retryable(self) -> bool:
        """Whether trying the same idempotent read again later could succeed."""
        return self.kind in {
            FailureKind.CONNECTION_REFUSED,
            FailureKind.TIMEOUT,
            FailureKind.NETWORK,
            FailureKind.INTERRUPTED,
            FailureKind.RATE_LIMITED,
            FailureKind.SERVER_ERROR,
        }


class ReadOnlyViolation(BackendError):
    """A mutating request was refused before it left the process."""

    def __init__(self, backend: str, method: str, url: str) -> None:
        super().__init__(
            backend,
            FailureKind.READ_ONLY,
            f"read-only mode: refused {method} {url} (nothing was sent)",
            url=url,
        )
        self.method = method
