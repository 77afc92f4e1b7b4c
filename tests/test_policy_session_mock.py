"""The requests side of the transport (the session prometheus-api-client runs on) with the network
layer replaced in-process: retries, read-only, timeouts cut to the deadline, auth and TLS settings,
each checked exactly and without a socket (``test_transport_retries.py`` proves the timing on a
real loopback server)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.adapters
import urllib3

from opsconsole.backends.errors import ReadOnlyViolation
from opsconsole.backends.transport import (
    USER_AGENT,
    InsecureTLSWarning,
    PolicyAdapter,
    RetryPolicy,
    build_requests_session,
)
from opsconsole.config import EndpointSettings

QUICK = RetryPolicy(attempts=3, backoff_factor=0.001, max_backoff=0.001, jitter=0.0)
Answer = Callable[[requests.PreparedRequest], requests.Response]


def response(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    reply = requests.Response()
    reply.status_code = status
    reply.headers.update(headers or {})
    reply._content = b"{}"
    reply.raw = io.BytesIO(b"{}")  # closed when a retry drops this answer
    return reply


class Network:
    """Stands in for urllib3 under every HTTPAdapter: records each send and answers from a script."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: requests.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, Any, Any, Any]] = []
        network = self

        def send(adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kw: Any) -> Any:
            network.sent.append(
                (request.method, request.url, kw.get("timeout"), kw.get("verify"), dict(request.headers))
            )
            answer = network.answers.pop(0) if len(network.answers) > 1 else network.answers[0]
            if isinstance(answer, Exception):
                raise answer
            answer.request = request
            return answer

        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)


def session(
    url: str = "http://h/prom", backend: str = "prometheus", read_only: bool = False, **auth: Any
) -> requests.Session:
    endpoint = EndpointSettings.model_validate({"url": url, "timeout": 30, **auth})
    made, _ = build_requests_session(
        backend, endpoint, read_only=read_only, retry=QUICK, environ={"PW": "pw", "TOKEN": "tk"}
    )
    return made


def connect_error(reason: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


def test_reads_are_retried_on_retryable_statuses(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(503), response(502), response(200))
    assert session().get("http://h/prom/api/v1/query", params={"query": "up"}).status_code == 200
    assert len(net.sent) == 3


def test_retries_end_with_the_last_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(503))
    assert session().get("http://h/prom/api/v1/query").status_code == 503
    assert len(net.sent) == 3


def test_a_query_post_is_retried_and_other_posts_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(503), response(200))
    assert session().post("http://h/prom/api/v1/query", data={"query": "up"}).status_code == 200
    assert len(net.sent) == 2
    other = Network(monkeypatch, response(503))
    assert session().post("http://h/prom/api/v1/admin/tsdb/snapshot").status_code == 503
    assert len(other.sent) == 1


def test_a_400_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(400))
    assert session().get("http://h/prom/api/v1/query").status_code == 400
    assert len(net.sent) == 1


def test_a_pause_beyond_the_cap_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(429, {"Retry-After": "3600"}))
    assert session().get("http://h/prom/api/v1/query").status_code == 429
    assert len(net.sent) == 1


def test_a_failed_connect_is_retried_for_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = connect_error(urllib3.exceptions.NewConnectionError(None, "refused"))  # type: ignore[arg-type]
    net = Network(monkeypatch, refused, response(200))
    assert session().get("http://h/prom/api/v1/query").status_code == 200
    assert len(net.sent) == 2
    always = Network(monkeypatch, refused)
    with pytest.raises(requests.ConnectionError):
        session().get("http://h/prom/api/v1/query")
    assert len(always.sent) == 3
    change = Network(monkeypatch, refused)
    with pytest.raises(requests.ConnectionError):
        session().delete("http://h/prom/api/v1/admin/x")
    assert len(change.sent) == 1


def test_a_connection_lost_after_sending_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, connect_error(urllib3.exceptions.ProtocolError("reset")))
    with pytest.raises(requests.ConnectionError):
        session().get("http://h/prom/api/v1/query")
    assert len(net.sent) == 1


def test_each_send_gets_what_the_deadline_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(200))
    made = session()
    made.get("http://h/prom/api/v1/query", timeout=5)
    made.get("http://h/prom/api/v1/query", timeout=(3, None))
    made.get("http://h/prom/api/v1/query", timeout=(3, 60))
    made.get("http://h/prom/api/v1/query")
    plain, pair, capped, unset = (sent[2] for sent in net.sent)
    assert plain == 5.0
    assert pair[0] == 3 and 29 < pair[1] <= 30
    assert capped[0] == 3 and 29 < capped[1] <= 30
    assert 29 < unset <= 30


def test_a_short_deadline_is_never_stretched_by_the_socket_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 0.5 s endpoint: whatever timeout the caller passes, no socket wait may outlast 0.5 s.
    net = Network(monkeypatch, response(200))
    endpoint = EndpointSettings.model_validate({"url": "http://h/prom", "timeout": 0.5})
    made, _ = build_requests_session("prometheus", endpoint, read_only=False, retry=QUICK)
    made.get("http://h/prom/api/v1/query", timeout=5)
    made.get("http://h/prom/api/v1/query", timeout=(3, None))
    made.get("http://h/prom/api/v1/query")
    plain, (connect, read), unset = (sent[2] for sent in net.sent)
    assert 0 < plain <= 0.5 and 0 < connect <= 0.5 and 0 < read <= 0.5 and 0 < unset <= 0.5


def test_read_only_refuses_a_change_before_it_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network(monkeypatch, response(200))
    made = session(read_only=True)
    for method in ("DELETE", "PUT", "HEAD", "OPTIONS"):
        with pytest.raises(ReadOnlyViolation):
            made.request(method, "http://h/prom/api/v1/query")
    with pytest.raises(ReadOnlyViolation):
        made.post("http://h/prom/api/v1/admin/tsdb/snapshot")
    assert net.sent == []
    made.post("http://h/prom/api/v1/query", data={"query": "up"})
    made.get("http://h/prom/api/v1/query")
    assert [s[0] for s in net.sent] == ["POST", "GET"]
    writable = session()
    writable.delete("http://h/prom/api/v1/admin/x")
    assert net.sent[-1][0] == "DELETE"


def test_the_policy_adapter_wins_over_any_mounted_later() -> None:
    made = session()
    ours = made.get_adapter("http://h/x")
    assert isinstance(ours, PolicyAdapter)
    made.mount("http://", requests.adapters.HTTPAdapter())
    made.mount("https://", requests.adapters.HTTPAdapter())
    assert made.get_adapter("http://h/x") is ours
    assert made.get_adapter("HTTPS://h/x") is ours
    with pytest.raises(requests.exceptions.InvalidSchema):
        made.get_adapter("ftp://h/x")


def test_closing_the_session_closes_the_policy_adapters_connections() -> None:
    # PrometheusClient.aclose closes its session: the connections pooled for either scheme go.
    made = session()
    ours = made.get_adapter("http://h/x")
    assert isinstance(ours, PolicyAdapter)
    ours.poolmanager.connection_from_url("http://h/x")
    ours.poolmanager.connection_from_url("https://h/x")
    assert len(ours.poolmanager.pools) == 2
    made.close()
    assert len(ours.poolmanager.pools) == 0


def test_headers_and_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    net = Network(monkeypatch, response(200))
    basic = session(auth={"username": "ops", "password_env": "PW"})
    basic.get("http://h/prom/api/v1/query")
    headers = net.sent[-1][4]
    assert headers["User-Agent"] == USER_AGENT
    assert headers["Authorization"] == "Basic b3BzOnB3"
    bearer = session(auth={"bearer_token_env": "TOKEN", "tenant_id": "t1", "headers": {"X-A": "b"}})
    bearer.get("http://h/prom/api/v1/query")
    headers = net.sent[-1][4]
    assert (headers["Authorization"], headers["X-Scope-OrgID"], headers["X-A"]) == ("Bearer tk", "t1", "b")
    token = tmp_path / "token"
    token.write_text("one\n")
    from_file = session(auth={"bearer_token_file": str(token)})
    from_file.get("http://h/prom/api/v1/query")
    token.write_text("two\n")
    from_file.get("http://h/prom/api/v1/query")
    assert [s[4]["Authorization"] for s in net.sent[-2:]] == ["Bearer one", "Bearer two"]


def test_it_says_whether_credentials_are_set() -> None:
    def has(auth: dict[str, Any]) -> bool:
        endpoint = EndpointSettings.model_validate({"url": "http://h", **auth})
        return build_requests_session(
            "prometheus", endpoint, read_only=False, environ={"PW": "pw", "T": "t"}
        )[1]

    assert has({}) is False
    assert has({"auth": {"username": "ops", "password_env": "PW"}}) is True
    assert has({"auth": {"bearer_token_env": "T"}}) is True
    assert has({"auth": {"tenant_id": "x"}}) is False


def test_tls_settings_reach_the_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CAs and the client certificate are in the adapter's TLS context (the real handshakes
    are in test_transport.py); the session only says whether to verify."""
    ca = tmp_path / "ca.pem"
    assert session("https://h").verify is True
    assert session("https://h", tls={"ca_file": str(ca)}).verify is True
    with pytest.warns(InsecureTLSWarning):
        assert session("https://h", tls={"insecure_skip_verify": True, "ca_file": str(ca)}).verify is False
    # The environment's CA bundle never decides (psf/requests#3829): the context does, as for httpx.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/elsewhere.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/elsewhere.pem")
    for made in (session("https://h"), session("https://h", tls={"ca_file": str(ca)})):
        assert made.merge_environment_settings("https://h/x", {}, None, None, None)["verify"] is True
        assert made.merge_environment_settings("https://h/x", {}, None, False, None)["verify"] is False
