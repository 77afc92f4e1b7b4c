"""The transport's policy as pure functions, one rule per test (no server: these cost milliseconds,
so the mutation run can afford them for every mutant): what counts as a read, paths under an
endpoint, Retry-After, the retry schedule and its deadline, how exceptions and statuses become
typed errors, and the server's own words taken from an error body."""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import requests
import trustme
import urllib3

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.transport import (
    DEFAULT_RETRY,
    MAX_BODY_BYTES,
    READ_ONLY_POSTS,
    USER_AGENT,
    Deadline,
    InsecureTLSWarning,
    RetryPolicy,
    TlsFilesError,
    _connect_failed,
    classify_exception,
    error_for_status,
    generic_error_message,
    is_read,
    path_under,
    retry_after_seconds,
    ssl_context_for,
)
from opsconsole.config import EndpointSettings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("backend", "method", "path", "read"),
    [
        ("loki", "GET", "anything/at/all", True),
        ("loki", "get", "x", True),
        ("prometheus", "POST", "api/v1/query", True),
        ("prometheus", "post", "/api/v1/query_range", True),
        ("prometheus", "POST", "api/v1/series", True),
        ("prometheus", "POST", "api/v1/labels", True),
        ("loki", "POST", "loki/api/v1/query", True),
        ("loki", "POST", "loki/api/v1/query_range", True),
        ("prometheus", "POST", "api/v1/admin/tsdb/delete_series", False),
        ("prometheus", "POST", "api/v1/query/../admin", False),
        ("loki", "POST", "api/v1/query", False),  # Prometheus' path on Loki
        ("alertmanager", "POST", "api/v2/silences", False),
        ("jaeger", "POST", "api/v1/query", False),
        ("prometheus", "PUT", "api/v1/query", False),
        ("prometheus", "DELETE", "api/v1/query", False),
        ("loki", "HEAD", "x", False),
        ("loki", "OPTIONS", "x", False),
    ],
)
def test_what_counts_as_a_read(backend: str, method: str, path: str, read: bool) -> None:
    assert is_read(backend, method, path) is read


def test_the_read_only_post_list_is_exactly_the_query_endpoints() -> None:
    assert dict(READ_ONLY_POSTS) == {
        "prometheus": frozenset({"api/v1/query", "api/v1/query_range", "api/v1/series", "api/v1/labels"}),
        "loki": frozenset({"loki/api/v1/query", "loki/api/v1/query_range"}),
    }


@pytest.mark.parametrize(
    ("endpoint", "url", "path"),
    [
        ("http://h:9090", "http://h:9090/api/v1/query?x=1", "api/v1/query"),
        ("http://h/prom/", "http://h/prom/api/v1/query", "api/v1/query"),
        ("http://h/prom", "http://h/prom/api/v1/query", "api/v1/query"),
        ("http://h/prom", "http://h/promx/api/v1/query", ""),
        ("http://h/prom", "http://h/other/api", ""),
        ("http://h/prom", "http://h/prom/api/v1/%71uery", "api/v1/%71uery"),  # still encoded
    ],
)
def test_paths_are_taken_relative_to_the_endpoint(endpoint: str, url: str, path: str) -> None:
    assert path_under(endpoint, url) == path


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("10", 10.0),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("٣", None),  # an Arabic-Indic digit: not ASCII, not a number of seconds
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True), 90.0),
        (format_datetime(datetime.fromtimestamp(NOW - 90, UTC), usegmt=True), 0.0),  # in the past
        ("Mon, 30 Nov 2026 12:02:00", 120.0),  # no zone: read as UTC
    ],
)
def test_retry_after_in_seconds_or_as_a_date(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_a_retry_policy_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError) as attempts:
        RetryPolicy(attempts=0)
    assert str(attempts.value) == "attempts must be at least 1"
    RetryPolicy(attempts=1)
    with pytest.raises(ValueError) as jitter:
        RetryPolicy(jitter=1.0)
    assert str(jitter.value) == "jitter must be at least 0 and below 1"
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=-0.1)
    RetryPolicy(jitter=0.0)
    RetryPolicy(jitter=0.99)


def test_the_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.attempts, policy.backoff_factor, policy.max_backoff) == (3, 0.25, 4.0)
    assert (policy.jitter, policy.max_retry_after) == (0.5, 4.0)
    assert policy.statuses == frozenset({429, 500, 502, 503, 504})
    assert policy == DEFAULT_RETRY
    assert MAX_BODY_BYTES == 64 * 1024 * 1024
    assert USER_AGENT.startswith("opsconsole/")


def test_backoff_doubles_up_to_its_cap_and_jitter_only_shortens_it() -> None:
    policy = RetryPolicy(backoff_factor=0.5, max_backoff=3.0, jitter=0.5)
    assert [policy.backoff(n, lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.backoff(2, lambda: 1.0) == 0.5  # half taken off at most
    assert policy.backoff(2, lambda: 0.5) == 0.75
    assert RetryPolicy(jitter=0.0).backoff(1, lambda: 1.0) == 0.25


def test_a_retry_waits_its_backoff_while_attempts_and_time_are_left() -> None:
    policy = RetryPolicy(attempts=3, backoff_factor=1.0, jitter=0.0)
    assert policy.wait_before(1, remaining=10) == 1.0
    assert policy.wait_before(2, remaining=10) == 2.0
    assert policy.wait_before(3, remaining=10) is None  # three attempts made
    assert policy.wait_before(2, remaining=2.0) is None  # the wait would use up the deadline
    assert policy.wait_before(2, remaining=2.01) == 2.0


def test_retry_after_lengthens_the_wait_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff_factor=1.0, jitter=0.0, max_retry_after=4.0)
    assert policy.wait_before(1, 10, "3", now=NOW) == 3.0
    assert policy.wait_before(1, 10, "0", now=NOW) == 1.0  # never shorter than the backoff
    assert policy.wait_before(1, 10, "4", now=NOW) == 4.0  # the cap itself is honoured
    assert policy.wait_before(1, 10, "5", now=NOW) is None  # beyond the cap: give up now
    assert policy.wait_before(1, 10, "3600", now=NOW) is None
    assert policy.wait_before(1, 3.5, "3", now=NOW) == 3.0
    assert policy.wait_before(1, 3.0, "3", now=NOW) is None  # no time left after the pause
    assert policy.wait_before(1, 10, "whenever", now=NOW) == 1.0  # unreadable: the backoff
    assert policy.wait_before(1, 10, "", now=NOW) == 1.0
    later = format_datetime(datetime.fromtimestamp(NOW + 2, UTC), usegmt=True)
    assert policy.wait_before(1, 10, later, now=NOW) == 2.0


def test_retry_after_as_a_date_is_read_against_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import opsconsole.backends.transport as transport

    monkeypatch.setattr(transport.time, "time", lambda: NOW)
    policy = RetryPolicy(backoff_factor=1.0, jitter=0.0)
    later = format_datetime(datetime.fromtimestamp(NOW + 3, UTC), usegmt=True)
    assert policy.wait_before(1, 10, later) == 3.0


def test_a_deadline_counts_down_on_its_clock_and_stops_at_zero() -> None:
    now = [100.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    assert deadline.ends == 105.0
    assert deadline.remaining() == 5.0
    now[0] = 103.5
    assert deadline.remaining() == 1.5
    now[0] = 110.0
    assert deadline.remaining() == 0.0


def test_a_deadline_uses_the_monotonic_clock_by_default() -> None:
    deadline = Deadline(30.0)
    assert 29.0 < deadline.remaining() <= 30.0


def error(cause: str, exc_type: type[BaseException] = OSError) -> BaseException:
    try:
        try:
            raise exc_type(cause)
        except BaseException as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "kind", "diagnosis"),
    [
        (
            error("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer"),
            FailureKind.TLS,
            "TLS: unknown CA (set tls.ca_file to the CA that signed the server certificate)",
        ),
        (
            error("certificate verify failed: Hostname mismatch, certificate is not valid for 'x'"),
            FailureKind.TLS,
            "TLS: certificate does not match the host name",
        ),
        (
            error("certificate verify failed: IP address mismatch"),
            FailureKind.TLS,
            "TLS: certificate does not match the host name",
        ),
        (
            error("CERTIFICATE_VERIFY_FAILED: hostname 'a' doesn't match 'b'"),
            FailureKind.TLS,
            "TLS: certificate does not match the host name",
        ),
        (
            error("certificate verify failed: certificate has expired"),
            FailureKind.TLS,
            "TLS: certificate has expired",
        ),
        (
            error("[SSL: WRONG_VERSION_NUMBER] wrong version number"),
            FailureKind.TLS,
            "TLS: server does not speak TLS (use http://?)",
        ),
        (
            error("[SSL] record layer failure"),
            FailureKind.TLS,
            "TLS: server does not speak TLS (use http://?)",
        ),
        (
            ssl.SSLError(1, "handshake oops"),
            FailureKind.TLS,
            "TLS handshake failed: handshake oops",
        ),
        (error("SSLError: bad"), FailureKind.TLS, "TLS handshake failed: wrapped"),
        (error("[Errno -2] Name or service not known"), FailureKind.DNS, "DNS: cannot resolve the host name"),
        (error("Temporary failure in name resolution"), FailureKind.DNS, "DNS: cannot resolve the host name"),
        (error("nodename nor servname provided"), FailureKind.DNS, "DNS: cannot resolve the host name"),
        (error("x", OSError), FailureKind.NETWORK, "network error: wrapped"),
        (error("gaierror"), FailureKind.DNS, "DNS: cannot resolve the host name"),
        (error("No address associated with hostname"), FailureKind.DNS, "DNS: cannot resolve the host name"),
        (error("name resolution failed"), FailureKind.DNS, "DNS: cannot resolve the host name"),
        (httpx.ReadTimeout("slow"), FailureKind.TIMEOUT, "timeout: no answer within 2.5s"),
        (requests.Timeout("slow"), FailureKind.TIMEOUT, "timeout: no answer within 2.5s"),
        (error("the read timed out"), FailureKind.TIMEOUT, "timeout: no answer within 2.5s"),
        (error("Timeout waiting"), FailureKind.TIMEOUT, "timeout: no answer within 2.5s"),
        (error("[Errno 111] Connection refused"), FailureKind.CONNECTION_REFUSED, "connection refused"),
        (error("errno 111"), FailureKind.CONNECTION_REFUSED, "connection refused"),
        (
            error("RemoteProtocolError: peer closed"),
            FailureKind.INTERRUPTED,
            "connection closed mid-response",
        ),
        (error("IncompleteRead(3 bytes read)"), FailureKind.INTERRUPTED, "connection closed mid-response"),
        (error("ChunkedEncodingError"), FailureKind.INTERRUPTED, "connection closed mid-response"),
        (OSError("\x1b[2Jreset by peer"), FailureKind.NETWORK, "network error: reset by peer"),
    ],
)
def test_exceptions_become_typed_errors(exc: BaseException, kind: FailureKind, diagnosis: str) -> None:
    typed = classify_exception("loki", "http://h/x", exc, 2.5)
    assert (typed.kind, typed.diagnosis, typed.backend, typed.url) == (kind, diagnosis, "loki", "http://h/x")


def test_the_whole_exception_chain_is_read_once_even_when_it_loops() -> None:
    outer = RuntimeError("outer")
    inner = OSError("Connection refused")
    outer.__cause__ = inner
    inner.__context__ = outer  # a loop: must still end
    assert classify_exception("loki", "u", outer, 1).kind is FailureKind.CONNECTION_REFUSED
    context_only = RuntimeError("outer")
    context_only.__context__ = OSError("Name or service not known")
    assert classify_exception("loki", "u", context_only, 1).kind is FailureKind.DNS


def test_a_typed_error_is_passed_through() -> None:
    typed = BackendError("loki", FailureKind.AUTH, "401: token rejected")
    assert classify_exception("prometheus", "u", typed, 1) is typed


def test_a_long_network_error_is_cut() -> None:
    typed = classify_exception("loki", "u", OSError("x" * 500), 1)
    assert typed.diagnosis == "network error: " + "x" * 159 + "…"
    tls = classify_exception("loki", "u", ssl.SSLError(1, "y" * 500), 1)
    assert tls.diagnosis == "TLS handshake failed: " + "y" * 119 + "…"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"status": "error", "error": "bad query"}', "bad query"),
        ('{"message": "no org id"}', "no org id"),
        ('{"msg": "too many"}', "too many"),
        ('{"error": "", "message": "second"}', "second"),
        ('{"error": {"message": "nested"}}', "nested"),
        ('{"error": {"code": 5}, "msg": "after"}', "after"),
        ('{"errors": [{"msg": "jaeger says no"}]}', "jaeger says no"),
        ('{"errors": [{"code": 1}]}', ""),
        ('{"errors": []}', '{"errors": []}'),
        ('{"errors": ["plain"]}', '{"errors": ["plain"]}'),
        ('"a JSON string"', "a JSON string"),
        ("[1, 2]", "[1, 2]"),
        ("upstream connect error\nsecond line", "upstream connect error"),
        ("   ", ""),
        ("", ""),
        ("\x1b[2Jno\x07pe", "no\\x07pe"),
    ],
)
def test_the_servers_own_words_from_an_error_body(body: str, message: str) -> None:
    assert generic_error_message(body) == message


def test_error_words_are_cut_at_300_characters() -> None:
    assert generic_error_message('{"error": "' + "e" * 400 + '"}') == "e" * 299 + "…"
    assert generic_error_message("p" * 400) == "p" * 299 + "…"
    assert generic_error_message('{"error": {"message": "' + "m" * 400 + '"}}') == "m" * 299 + "…"
    assert generic_error_message('{"errors": [{"msg": "' + "j" * 400 + '"}]}') == "j" * 299 + "…"
    assert generic_error_message('"' + "s" * 400 + '"') == "s" * 299 + "…"
    assert generic_error_message('{"a": "' + "z" * 400 + '"}').endswith("z…")


@pytest.mark.parametrize(
    ("backend", "status", "kind", "diagnosis"),
    [
        ("loki", 401, FailureKind.AUTH, "401: authentication required (no credentials set)"),
        ("loki", 403, FailureKind.FORBIDDEN, "403: forbidden (credentials lack permission)"),
        ("loki", 404, FailureKind.NOT_FOUND, "404: is this a Loki URL?"),
        ("alertmanager", 404, FailureKind.NOT_FOUND, "404: is this an Alertmanager URL?"),
        ("prometheus", 404, FailureKind.NOT_FOUND, "404: is this a Prometheus URL?"),
        ("jaeger", 404, FailureKind.NOT_FOUND, "404: is this a Jaeger URL?"),
        ("other", 404, FailureKind.NOT_FOUND, "404: is this an other URL?"),
        ("loki", 429, FailureKind.RATE_LIMITED, "429: rate limited"),
        ("loki", 500, FailureKind.SERVER_ERROR, "500: server error"),
        ("loki", 599, FailureKind.SERVER_ERROR, "599: server error"),
        ("loki", 400, FailureKind.BAD_REQUEST, "400: request rejected"),
        ("loki", 422, FailureKind.BAD_REQUEST, "422: request rejected"),
        ("loki", 499, FailureKind.BAD_REQUEST, "499: request rejected"),
        ("loki", 302, FailureKind.HTTP, "unexpected HTTP 302"),
        ("loki", 204, FailureKind.HTTP, "unexpected HTTP 204"),
    ],
)
def test_statuses_become_typed_errors(backend: str, status: int, kind: FailureKind, diagnosis: str) -> None:
    typed = error_for_status(backend, "http://h/x", status, '{"error": "why"}', has_credentials=False)
    assert (typed.kind, typed.diagnosis, typed.status, typed.detail) == (kind, diagnosis, status, "why")
    assert (typed.backend, typed.url) == (backend, "http://h/x")


def test_a_401_with_credentials_says_the_token_was_rejected() -> None:
    typed = error_for_status("loki", "u", 401, "", has_credentials=True)
    assert typed.diagnosis == "401: token rejected"


def test_the_servers_message_is_taken_when_given() -> None:
    typed = error_for_status(
        "loki", "u", 500, '{"error": "from body"}', has_credentials=False, server_message="own"
    )
    assert typed.detail == "own"
    assert error_for_status("loki", "u", 500, "x", has_credentials=False, server_message="").detail == ""


@pytest.mark.parametrize(
    ("retry_after", "diagnosis"),
    [
        (None, "429: rate limited"),
        ("4", "429: rate limited"),
        ("5", "429: rate limited, the server asks for a pause of 5s"),
        ("3600", "429: rate limited, the server asks for a pause of 1h"),
        ("soon", "429: rate limited"),
    ],
)
def test_a_long_pause_asked_by_a_429_is_named(retry_after: str | None, diagnosis: str) -> None:
    typed = error_for_status("loki", "u", 429, "", has_credentials=False, retry_after=retry_after)
    assert typed.diagnosis == diagnosis


def test_verification_is_on_unless_skipped_and_skipping_warns(tmp_path: Path) -> None:
    strict = ssl_context_for(EndpointSettings(url="https://h"))
    assert (strict.verify_mode, strict.check_hostname) == (ssl.CERT_REQUIRED, True)
    loose_endpoint = EndpointSettings.model_validate(
        {"url": "https://h", "tls": {"insecure_skip_verify": True}}
    )
    with pytest.warns(
        InsecureTLSWarning, match=r"TLS verification is OFF for https://h \(insecure_skip_verify\)"
    ):
        loose = ssl_context_for(loose_endpoint)
    assert (loose.verify_mode, loose.check_hostname) == (ssl.CERT_NONE, False)


def test_a_missing_ca_file_is_an_error_not_a_silent_default(tmp_path: Path) -> None:
    endpoint = EndpointSettings.model_validate(
        {"url": "https://h", "tls": {"ca_file": str(tmp_path / "none.pem")}}
    )
    with pytest.raises(OSError):
        ssl_context_for(endpoint)


def test_a_retry_after_date_without_a_zone_is_utc_whatever_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert retry_after_seconds("Mon, 30 Nov 2026 12:02:00", NOW) == 120.0
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_insecure_warning_names_the_risk_and_points_at_the_caller() -> None:
    endpoint = EndpointSettings.model_validate({"url": "https://h", "tls": {"insecure_skip_verify": True}})
    with pytest.warns(InsecureTLSWarning) as caught:
        ssl_context_for(endpoint)
    [warning] = caught.list
    assert str(warning.message) == (
        "TLS verification is OFF for https://h (insecure_skip_verify): "
        "anyone on the path can read and change this traffic"
    )
    # Reported at the code that asked for the context (here, this test), never inside transport.py.
    assert not warning.filename.endswith("transport.py")


def test_a_client_certificate_is_loaded_with_or_without_a_separate_key(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("client.example")
    both = tmp_path / "both.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(both)
    cert = tmp_path / "cert.pem"
    leaf.cert_chain_pems[0].write_to_path(cert)
    key = tmp_path / "key.pem"
    leaf.private_key_pem.write_to_path(key)
    ssl_context_for(EndpointSettings.model_validate({"url": "https://h", "tls": {"cert_file": str(both)}}))
    ssl_context_for(
        EndpointSettings.model_validate(
            {"url": "https://h", "tls": {"cert_file": str(cert), "key_file": str(key)}}
        )
    )
    # A certificate without its key is refused, not ignored, in words naming the field.
    with pytest.raises(TlsFilesError, match=f"cannot use tls.cert_file {cert}: not a usable PEM file"):
        ssl_context_for(
            EndpointSettings.model_validate({"url": "https://h", "tls": {"cert_file": str(cert)}})
        )


@pytest.mark.parametrize(
    ("exc", "connect_failed"),
    [
        (requests.ConnectTimeout("slow connect"), True),
        (
            requests.ConnectionError(
                urllib3.exceptions.MaxRetryError(
                    None, "/x", urllib3.exceptions.NewConnectionError(None, "refused")
                )  # type: ignore[arg-type]
            ),
            True,
        ),
        (
            requests.ConnectionError(
                urllib3.exceptions.MaxRetryError(None, "/x", urllib3.exceptions.ConnectTimeoutError("slow"))  # type: ignore[arg-type]
            ),
            True,
        ),
        (
            requests.ConnectionError(
                urllib3.exceptions.MaxRetryError(None, "/x", urllib3.exceptions.ProtocolError("reset"))  # type: ignore[arg-type]
            ),
            False,
        ),
        (requests.ConnectionError(OSError("reset mid-response")), False),
        (requests.ConnectionError(), False),
    ],
)
def test_only_a_failure_to_connect_is_safe_to_retry(
    exc: requests.ConnectionError, connect_failed: bool
) -> None:
    assert _connect_failed(exc) is connect_failed
