"""Both HTTP stacks against a real Prometheus serving https with client certificates required.

Prometheus is reached through requests (prometheus-api-client) and the other backends through
httpx; both now use one TLS context per endpoint (opsconsole/backends/transport.py). The stand-in
servers of test_transport.py show the mechanism; this shows it on the server users run.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import BackendHttp
from opsconsole.config import EndpointSettings
from tests.support.real_servers import CURRENT, RunningServer, start_prometheus

pytestmark = pytest.mark.real_backend

NEEDS_A_CLIENT_CERTIFICATE = "TLS: the server requires a client certificate (set tls.cert_file)"
UNKNOWN_CA = "TLS: unknown CA (set tls.ca_file to the CA that signed the server certificate)"


class Pki:
    """A throwaway CA, the server's certificate for 127.0.0.1 and a client's, as PEM files."""

    def __init__(self, folder: Path) -> None:
        ca = trustme.CA()
        self.ca = folder / "ca.pem"
        ca.cert_pem.write_to_path(self.ca)
        self.server_cert, self.server_key = folder / "server.pem", folder / "server.key"
        server = ca.issue_cert("127.0.0.1")
        server.cert_chain_pems[0].write_to_path(self.server_cert)
        server.private_key_pem.write_to_path(self.server_key)
        self.client_cert, self.client_key = folder / "client.pem", folder / "client.key"
        client = ca.issue_cert("opsconsole-test-client")
        client.cert_chain_pems[0].write_to_path(self.client_cert)
        client.private_key_pem.write_to_path(self.client_key)


@pytest.fixture(scope="module")
def tls_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, Pki]]:
    folder = tmp_path_factory.mktemp("prometheus-tls")
    pki = Pki(folder)
    web = (
        "tls_server_config:\n"
        f"  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
        f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {pki.ca}\n"
    )
    context = ssl.create_default_context(cafile=str(pki.ca))
    context.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    with httpx.Client(verify=context) as ready:
        server = start_prometheus(
            folder / "prometheus",
            "global:\n  scrape_interval: 15s\n",
            release=CURRENT,
            web_config=web,
            ready_client=ready,
        )
    try:
        yield server, pki
    finally:
        server.stop()


def _endpoint(url: str, **tls: object) -> EndpointSettings:
    return EndpointSettings.model_validate({"url": url, "timeout": 30, "tls": tls})


async def _both(endpoint: EndpointSettings) -> list[object]:
    """What each stack makes of one instant query: its answer's type, or its error."""
    prometheus = PrometheusClient(endpoint)
    httpx_stack = BackendHttp("prometheus", endpoint)
    outcomes: list[object] = []
    try:
        for ask in (
            lambda: prometheus.query("vector(1)", None),
            lambda: httpx_stack.get_json("api/v1/query", {"query": "vector(1)"}),
        ):
            try:
                outcomes.append(type(await ask()).__name__)
            except BackendError as exc:
                outcomes.append((exc.kind, exc.diagnosis))
    finally:
        await prometheus.aclose()
        await httpx_stack.aclose()
    return outcomes


async def test_both_stacks_present_the_client_certificate(tls_prometheus: tuple[RunningServer, Pki]) -> None:
    server, pki = tls_prometheus
    assert server.url.startswith("https://")
    endpoint = _endpoint(
        server.url, ca_file=str(pki.ca), cert_file=str(pki.client_cert), key_file=str(pki.client_key)
    )
    assert await _both(endpoint) == ["QueryResult", "dict"]
    prometheus = PrometheusClient(endpoint)
    try:
        assert (await prometheus.probe()).version == server.version
        (sample,) = (await prometheus.query("vector(1)", None)).vector
        assert sample.value == 1.0
    finally:
        await prometheus.aclose()


async def test_both_stacks_say_a_client_certificate_is_needed(
    tls_prometheus: tuple[RunningServer, Pki],
) -> None:
    server, pki = tls_prometheus
    outcome = (FailureKind.TLS, NEEDS_A_CLIENT_CERTIFICATE)
    assert await _both(_endpoint(server.url, ca_file=str(pki.ca))) == [outcome, outcome]


async def test_both_stacks_refuse_an_unknown_ca_and_trust_the_systems(
    tls_prometheus: tuple[RunningServer, Pki], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, pki = tls_prometheus
    certificate = {"cert_file": str(pki.client_cert), "key_file": str(pki.client_key)}
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    outcome = (FailureKind.TLS, UNKNOWN_CA)
    assert await _both(_endpoint(server.url, **certificate)) == [outcome, outcome]
    # The CA installed where OpenSSL looks (SSL_CERT_FILE stands for the system's store): both trust
    # it; REQUESTS_CA_BUNDLE, which requests alone would have read, names another bundle.
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ssl.get_default_verify_paths().openssl_cafile)
    assert await _both(_endpoint(server.url, **certificate)) == ["QueryResult", "dict"]
