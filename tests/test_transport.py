"""The shared transport policy: retries, timeouts, bounded reads, error mapping, auth, TLS, read-only."""

from __future__ import annotations

import base64
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.backends.transport import (
    BackendHttp,
    InsecureTLSWarning,
    RetryPolicy,
    build_requests_session,
    tls_context_for,
)
from opsconsole.config import EndpointSettings
from tests.support.loopback_http import Received, Reply, ScriptedServer, scripted_server
from tests.support.real_servers import free_port

FAST = RetryPolicy(attempts=3, backoff_factor=0.01, max_backoff=0.05, jitter=0.0)


def http(url: str, **kwargs: object) -> BackendHttp:
    # Tests of timeouts set their own; elsewhere the timeout is not under test, and a starved test
    # process (a loaded machine, nice 19) must not turn a 503 or a 400 into a timeout.
    timeout = kwargs.pop("timeout", 30)
    endpoint = kwargs.pop("endpoint", None) or EndpointSettings(url=url, timeout=timeout)  # type: ignore[arg-type]
    kwargs.setdefault("retry", FAST)
    return BackendHttp("loki", endpoint, **kwargs)  # type: ignore[arg-type]


def recorded(server: ScriptedServer, at_least: int, within: float = 10.0) -> int:
    """How many requests the server has read, once it has read ``at_least`` (or ``within`` passed)."""
    deadline = time.monotonic() + within
    while len(server.received) < at_least and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(server.received)


async def test_get_is_retried_on_503_then_succeeds() -> None:
    answers = iter([Reply(503, "busy"), Reply(503, "busy"), Reply(200, '{"ok": true}')])
    with scripted_server(lambda r: next(answers)) as server:
        assert await http(server.url).get_json("x") == {"ok": True}
        assert len(server.received) == 3


async def test_retries_give_up_with_a_typed_server_error() -> None:
    with scripted_server(lambda r: Reply(503, "still busy", {"Content-Type": "text/plain"})) as server:
        with pytest.raises(BackendError) as err:
            await http(server.url).get_json("x")
        assert len(server.received) == 3
    assert err.value.kind is FailureKind.SERVER_ERROR
    assert err.value.diagnosis == "503: server error"
    assert err.value.detail == "still busy"


async def test_post_is_never_retried() -> None:
    with scripted_server(lambda r: Reply(503, "busy")) as server:
        with pytest.raises(BackendError):
            await http(server.url).request("POST", "api/v2/silences", json_body={"a": 1})
        assert len(server.received) == 1


async def test_400_is_not_retried() -> None:
    with scripted_server(lambda r: Reply(400, "bad query", {"Content-Type": "text/plain"})) as server:
        with pytest.raises(BackendError) as err:
            await http(server.url).get_json("x")
        assert len(server.received) == 1
    assert err.value.kind is FailureKind.BAD_REQUEST


async def test_429_is_retried_and_diagnosed() -> None:
    with scripted_server(
        lambda r: Reply(429, "slow down", {"Content-Type": "text/plain", "Retry-After": "0"})
    ) as server:
        with pytest.raises(BackendError) as err:
            await http(server.url).get_json("x")
        assert len(server.received) == 3
    assert err.value.diagnosis == "429: rate limited"


async def test_connection_refused() -> None:
    with pytest.raises(BackendError) as err:
        await http(f"http://127.0.0.1:{free_port()}").get_json("x")
    assert err.value.kind is FailureKind.CONNECTION_REFUSED
    assert err.value.retryable


async def test_dns_failure() -> None:
    with pytest.raises(BackendError) as err:
        await http("http://no-such-host.invalid:3100").get_json("x")
    assert err.value.kind is FailureKind.DNS


async def test_server_that_never_answers_times_out() -> None:
    with scripted_server(lambda r: Reply(200, "{}", delay=3)) as server:
        with pytest.raises(BackendError) as err:
            await http(server.url, timeout=0.5).get_json("x")
        # The client may give up before the server's thread has even read the request (on a loaded
        # machine the 0.5 s pass before it runs): wait for the request it sent, then count.
        assert recorded(server, 1) == 1, "read timeouts are not retried"
    assert err.value.kind is FailureKind.TIMEOUT
    assert err.value.diagnosis == "timeout: no answer within 0.5s"


async def test_slow_answer_just_under_the_timeout_succeeds() -> None:
    with scripted_server(lambda r: Reply(200, '{"ok": 1}', delay=0.3)) as server:
        assert await http(server.url, timeout=1.0).get_json("x") == {"ok": 1}


async def test_enormous_body_is_cut_off() -> None:
    big = b"[" + b"1," * 600_000 + b"1]"
    with scripted_server(lambda r: Reply(200, big)) as server:
        with pytest.raises(BackendError) as err:
            await http(server.url, max_body_bytes=1_000_000).get_json("x")
    assert err.value.kind is FailureKind.TOO_LARGE


async def test_malformed_and_html_bodies() -> None:
    with scripted_server(lambda r: Reply(200, '{"status": "succ')) as server:
        with pytest.raises(BackendError) as bad:
            await http(server.url).get_json("x")
    assert bad.value.kind is FailureKind.MALFORMED
    with scripted_server(lambda r: Reply(200, "<html>login</html>", {"Content-Type": "text/html"})) as server:
        with pytest.raises(BackendError) as html:
            await http(server.url).get_json("x")
    assert html.value.kind is FailureKind.WRONG_SHAPE
    assert "is this a Loki URL?" in html.value.diagnosis


@pytest.mark.parametrize(
    ("status", "token", "diagnosis"),
    [
        (401, None, "401: authentication required (no credentials set)"),
        (401, "t0k3n", "401: token rejected"),
        (403, "t0k3n", "403: forbidden (credentials lack permission)"),
        (404, None, "404: is this a Loki URL?"),
        (500, None, "500: server error"),
    ],
)
async def test_status_diagnoses(
    status: int, token: str | None, diagnosis: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T", token or "")
    with scripted_server(lambda r: Reply(status, "nope", {"Content-Type": "text/plain"})) as server:
        auth = {"bearer_token_env": "T"} if token else {}
        endpoint = EndpointSettings.model_validate({"url": server.url, "auth": auth})
        with pytest.raises(BackendError) as err:
            await http(server.url, endpoint=endpoint, retry=RetryPolicy(attempts=1)).get_json("x")
    assert err.value.diagnosis == diagnosis
    assert "t0k3n" not in err.value.message


async def test_auth_headers_reach_the_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    monkeypatch.setenv("PW", "s3cret")
    with scripted_server(lambda r: Reply(200, "{}")) as server:
        bearer = EndpointSettings.model_validate(
            {
                "url": server.url,
                "auth": {
                    "bearer_token_file": str(token_file),
                    "tenant_id": "team-a",
                    "headers": {"X-Extra": "1"},
                },
            }
        )
        basic = EndpointSettings.model_validate(
            {"url": server.url, "auth": {"username": "ops", "password_env": "PW"}}
        )
        await http(server.url, endpoint=bearer).get_json("a")
        await http(server.url, endpoint=basic).get_json("b")
        first, second = server.received
    assert first.headers["Authorization"] == "Bearer from-file"
    assert first.headers["X-Scope-OrgID"] == "team-a"
    assert first.headers["X-Extra"] == "1"
    assert second.headers["Authorization"] == "Basic b3BzOnMzY3JldA=="


@pytest.mark.parametrize("password", ["pässword", "p€ss", "plain"])
async def test_both_stacks_send_the_same_basic_auth_header(password: str) -> None:
    """UTF-8 on both: requests alone encoded Latin-1 (another header for ä, none for €)."""
    with scripted_server(lambda r: Reply(200, "{}")) as server:
        endpoint = EndpointSettings.model_validate(
            {"url": server.url, "auth": {"username": "ops", "password": password}}
        )
        await http(server.url, endpoint=endpoint).get_json("a")
        session, _ = build_requests_session("prometheus", endpoint, read_only=True)
        session.get(f"{server.url}/b", timeout=30)
        sent = [r.headers.get("Authorization") for r in server.received]
    expected = "Basic " + base64.b64encode(f"ops:{password}".encode()).decode()
    assert sent == [expected, expected]


async def test_rotated_token_file_is_picked_up_by_both_stacks(tmp_path: Path) -> None:
    """Service-account tokens and refreshed kube credentials change in place during a session."""
    token_file = tmp_path / "token"
    token_file.write_text("first\n")
    with scripted_server(lambda r: Reply(200, '{"status":"success","data":{}}')) as server:
        endpoint = EndpointSettings.model_validate(
            {"url": server.url, "auth": {"bearer_token_file": str(token_file)}}
        )
        client = http(server.url, endpoint=endpoint)
        session, has_credentials = build_requests_session("prometheus", endpoint, read_only=True)
        await client.get_json("a")
        session.get(f"{server.url}/b", timeout=5)
        token_file.write_text("second-and-longer\n")
        await client.get_json("c")
        session.get(f"{server.url}/d", timeout=5)
        token_file.unlink()  # a rotation caught mid-way: the last good token is kept
        await client.get_json("e")
        seen = [(r.path, r.headers.get("Authorization")) for r in server.received]
    assert has_credentials
    assert seen == [
        ("/a", "Bearer first"),
        ("/b", "Bearer first"),
        ("/c", "Bearer second-and-longer"),
        ("/d", "Bearer second-and-longer"),
        ("/e", "Bearer second-and-longer"),
    ]


async def test_base_url_prefix_is_kept() -> None:
    with scripted_server(lambda r: Reply(200, "{}")) as server:
        await http(f"{server.url}/prometheus").get_json("api/v1/query")
        assert server.paths() == ["/prometheus/api/v1/query"]


async def test_read_only_refuses_mutations_before_sending() -> None:
    with scripted_server(lambda r: Reply(200, "{}")) as server:
        client = http(server.url, read_only=True)
        for method in ("POST", "DELETE", "PUT", "PATCH"):
            with pytest.raises(ReadOnlyViolation):
                await client.request(method, "api/v2/silences", json_body={})
        with pytest.raises(ReadOnlyViolation):
            await client.client.post("api/v2/silences", json={})  # the transport guard, below request()
        assert server.received == []
        assert await client.get_json("api/v2/alerts") == {}
        assert [r.method for r in server.received] == ["GET"]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """HTTPS on loopback with a certificate signed by a throwaway CA."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to make the test CA"
    d = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(d / "ca.key"),
        "-out",
        str(d / "ca.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=opsconsole test CA",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(d / "srv.key"),
        "-out",
        str(d / "srv.csr"),
        "-subj",
        "/CN=127.0.0.1",
    )
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    run(
        "x509",
        "-req",
        "-in",
        str(d / "srv.csr"),
        "-CA",
        str(d / "ca.pem"),
        "-CAkey",
        str(d / "ca.key"),
        "-CAcreateserial",
        "-out",
        str(d / "srv.pem"),
        "-days",
        "2",
        "-extfile",
        str(d / "ext.cnf"),
    )

    with _https_server(d) as url:
        yield url, d / "ca.pem"


@contextmanager
def _https_server(d: Path, client_ca: Path | None = None, clients: list[str] | None = None) -> Iterator[str]:
    """HTTPS on loopback with the certificate made in ``d``, answering ``{"ok": true}``; with
    ``client_ca``, a client certificate it signed is required and its CN added to ``clients``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if clients is not None:
                peer = self.connection.getpeercert()  # type: ignore[attr-defined]
                clients.append(dict(x[0] for x in peer["subject"])["commonName"])
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(d / "srv.pem", d / "srv.key")
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def test_tls_unknown_ca_then_trusted_with_ca_file(tls_server: tuple[str, Path]) -> None:
    url, ca = tls_server
    with pytest.raises(BackendError) as err:
        await http(url).get_json("x")
    assert err.value.kind is FailureKind.TLS
    assert err.value.diagnosis.startswith("TLS: unknown CA")
    trusted = EndpointSettings.model_validate({"url": url, "tls": {"ca_file": str(ca)}})
    assert await http(url, endpoint=trusted).get_json("x") == {"ok": True}


def test_the_endpoints_ca_file_beats_requests_ca_bundle_in_the_environment(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests alone would verify against REQUESTS_CA_BUNDLE and refuse the endpoint's own CA."""
    url, ca = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ssl.get_default_verify_paths().openssl_cafile)
    endpoint = EndpointSettings.model_validate({"url": url, "tls": {"ca_file": str(ca)}})
    session, _ = build_requests_session("prometheus", endpoint, read_only=True)
    assert session.get(f"{url}/x", timeout=5).status_code == 200


async def test_both_stacks_trust_the_cas_the_system_trusts(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a CA of the endpoint's own, both stacks verify against the CAs OpenSSL finds
    (``SSL_CERT_FILE`` here stands for a company CA installed system-wide). requests alone used
    certifi's bundle: Alertmanager trusted the company CA and Prometheus refused it."""
    url, ca = tls_server
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert await http(url).get_json("x") == {"ok": True}
    session, _ = build_requests_session("prometheus", EndpointSettings(url=url), read_only=True)
    assert session.get(f"{url}/x", timeout=30).status_code == 200


async def test_both_stacks_trust_a_ca_directory_beside_a_ca_file(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """OpenSSL reads ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` both; requests, given one CA path,
    took the file only and refused a CA found in the directory."""
    url, ca = tls_server
    openssl = shutil.which("openssl")
    assert openssl
    subject_hash = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(ca)], check=True, capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / f"{subject_hash}.0").write_bytes(ca.read_bytes())
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", ssl.get_default_verify_paths().openssl_cafile)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert await http(url).get_json("x") == {"ok": True}
    session, _ = build_requests_session("prometheus", EndpointSettings(url=url), read_only=True)
    assert session.get(f"{url}/x", timeout=30).status_code == 200


async def test_both_stacks_present_the_client_certificate(
    tls_server: tuple[str, Path], tmp_path: Path
) -> None:
    """A server that requires a client certificate accepts the endpoint's on both stacks."""
    _, ca = tls_server
    openssl = shutil.which("openssl")
    assert openssl

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    key, csr, cert = tmp_path / "client.key", tmp_path / "client.csr", tmp_path / "client.pem"
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=ops")
    run(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca.parent / "ca.key"),
        "-CAcreateserial", "-out", str(cert), "-days", "2",
    )  # fmt: skip
    seen: list[str] = []
    with _https_server(ca.parent, client_ca=ca, clients=seen) as url:
        endpoint = EndpointSettings.model_validate(
            {"url": url, "tls": {"ca_file": str(ca), "cert_file": str(cert), "key_file": str(key)}}
        )
        assert await http(url, endpoint=endpoint).get_json("x") == {"ok": True}
        session, _ = build_requests_session("prometheus", endpoint, read_only=True)
        assert session.get(f"{url}/x", timeout=30).status_code == 200
    assert seen == ["ops", "ops"]


async def test_insecure_skip_verify_warns(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    insecure = EndpointSettings.model_validate({"url": url, "tls": {"insecure_skip_verify": True}})
    with pytest.warns(UserWarning, match="TLS verification is OFF"):
        assert await http(url, endpoint=insecure).get_json("x") == {"ok": True}


def test_skipping_verification_warns_once_per_endpoint_not_per_request(tls_server: tuple[str, Path]) -> None:
    """urllib3 adds a warning of its own at every unverified request: a snapshot printed one per
    query on top of ours."""
    url, _ = tls_server
    insecure = EndpointSettings.model_validate({"url": url, "tls": {"insecure_skip_verify": True}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session, _ = build_requests_session("prometheus", insecure, read_only=True)
        for _ in range(3):
            assert session.get(f"{url}/x", timeout=30).status_code == 200
    assert [w.category for w in caught] == [InsecureTLSWarning], [str(w.message) for w in caught]


def test_a_plain_http_endpoints_context_refuses_any_certificate(tls_server: tuple[str, Path]) -> None:
    """Plain http loads no CA bundle (tls_context_for), but verification stays on: a handshake
    through that context, were one ever made, fails, while an https endpoint's trusts its CA."""
    url, ca = tls_server
    host, port = url.removeprefix("https://").split(":")
    plain = tls_context_for(EndpointSettings(url=f"http://{host}:{port}"))
    assert plain.cert_store_stats()["x509_ca"] == 0  # nothing loaded: the point of it
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            plain.wrap_socket(raw, server_hostname=host)
    trusted = tls_context_for(EndpointSettings.model_validate({"url": url, "tls": {"ca_file": str(ca)}}))
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        trusted.wrap_socket(raw, server_hostname=host).close()


def test_received_type_is_exported() -> None:
    assert Received.__name__ == "Received"


async def test_a_missing_ca_file_reads_the_same_on_both_stacks(tmp_path: Path) -> None:
    """Before: "network error: Could not find a suitable TLS CA certificate bundle, invalid path"
    (requests) against "network error: [Errno 2] No such file or directory" (httpx)."""
    from opsconsole.backends.alertmanager import AlertmanagerClient
    from opsconsole.backends.prometheus import PrometheusClient

    missing = tmp_path / "ca.pem"
    endpoint = EndpointSettings.model_validate(
        {"url": "https://127.0.0.1:9", "timeout": 30, "tls": {"ca_file": str(missing)}}
    )
    prometheus, alertmanager = PrometheusClient(endpoint), AlertmanagerClient(endpoint)
    try:
        with pytest.raises(BackendError) as first:
            await prometheus.query("up", 1.0)
        with pytest.raises(BackendError) as second:
            await alertmanager.alerts()
    finally:
        await prometheus.aclose()
        await alertmanager.aclose()
    words = f"TLS: cannot use tls.ca_file {missing}: No such file or directory"
    assert (first.value.kind, first.value.diagnosis) == (FailureKind.TLS, words)
    assert (second.value.kind, second.value.diagnosis) == (FailureKind.TLS, words)
