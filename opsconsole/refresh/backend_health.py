"""When each backend last answered and what its last failure was (the header's backend list)."""

from __future__ import annotations

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.core.dashboard import BackendStatus
from opsconsole.refresh.backends_set import BackendSet


def error_text(exc: BaseException) -> str:
    """A failure as the screen says it: the backend's own words, or the exception's."""
    if isinstance(exc, BackendError):
        return f"{exc.backend}: {exc.message}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


# What to mend when asking again cannot help, by what failed (retryable failures get "r tries again").
_NEXT_STEPS = {
    FailureKind.AUTH: "check the context's {backend} auth (token, password) in the config",
    FailureKind.FORBIDDEN: "the context's {backend} credentials need read access",
    FailureKind.NOT_FOUND: "check the context's {backend} url, path prefix included",
    FailureKind.DNS: "check the host in the context's {backend} url",
    FailureKind.TLS: "check the context's {backend} tls settings (ca_file)",
    FailureKind.BAD_REQUEST: "the server refused the query: `opsconsole packs doctor` shows which and why",
    FailureKind.MALFORMED: "that is not a {backend} answer: check the context's {backend} url",
    FailureKind.WRONG_SHAPE: "that is not a {backend} answer: check the context's {backend} url",
    FailureKind.PROXY: "the proxy settings (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) need mending",
    FailureKind.NOT_CONFIGURED: "set a {backend} url in the context's config (or --{backend})",
}


def next_step(exc: BackendError) -> str:
    """What on-call does about a failure that asking again will not mend ("" if retrying can)."""
    if exc.retryable:
        return ""
    step = _NEXT_STEPS.get(exc.kind, "")
    return step.format(backend=exc.backend)


def what_to_do(exc: BackendError) -> str:
    """The next step after a failure: what to mend, else "r tries again" where asking again can
    help, else "" (the diagnosis says it all, as "narrow the query" does)."""
    return next_step(exc) or ("r tries again" if exc.retryable else "")


class BackendHealth:
    """The last good answer and the last error of each named backend."""

    def __init__(self) -> None:
        self.ok_at: dict[str, float] = {}
        self.errors: dict[str, str] = {}

    def mark(self, backend: str, ok_at: float | None, error: BaseException | None) -> None:
        """Record an answer at ``ok_at`` (clears the error) or a failure (keeps the last good time)."""
        if error is None and ok_at is not None:
            self.ok_at[backend] = ok_at
            self.errors.pop(backend, None)
        elif error is not None:
            self.errors[backend] = error_text(error)

    def note(self, backend: str, ok_at: float | None, error: str | None) -> None:
        """Record what someone else saw of ``backend`` (the live log tail), in its own words."""
        if error:
            self.errors[backend] = error
        elif ok_at is not None:
            self.ok_at[backend] = ok_at
            self.errors.pop(backend, None)

    def statuses(
        self,
        backends: BackendSet,
        *,
        loki_asked: bool = True,
        prometheus_asked: bool = True,
        alertmanager_asked: bool = True,
    ) -> list[BackendStatus]:
        """Every configured backend with its last answer and error. Loki is listed once something
        asks it (the refresh's log poll, ``loki_asked``, or a live tail): the wallboard reads no
        logs, and a green "loki" there would vouch for a server nobody asked. Prometheus and the
        Alertmanagers likewise (a wallboard showing only the alerts page asks Prometheus nothing,
        one showing only the contexts page asks this context nothing): never answering, they would
        raise the stale banner."""
        named: list[tuple[str, str, str]] = []
        known = {*self.ok_at, *self.errors}
        if backends.prometheus and (prometheus_asked or "prometheus" in known):
            named.append(("prometheus", "prometheus", backends.prometheus.endpoint.url))
        named += [
            (f"alertmanager {am.name}", "alertmanager", am.endpoint.url)
            for am in backends.alertmanagers
            if alertmanager_asked or f"alertmanager {am.name}" in known
        ]
        if backends.loki and (loki_asked or "loki" in known):
            named.append(("loki", "loki", backends.loki.endpoint.url))
        return [
            BackendStatus(name, kind, url, self.ok_at.get(name), self.errors.get(name))
            for name, kind, url in named
        ]
