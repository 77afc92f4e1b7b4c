"""The network stack BackendHttp builds when no test transport replaces it: the endpoint's TLS
choice and the connection limits reach httpx's pool (the loopback tests in test_transport.py
prove the handshakes; these check the same settings in-process, so the mutation run of the
transport can afford them, since its other in-process tests all pass their own transport)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme

from opsconsole.backends.transport import BackendHttp, InsecureTLSWarning
from opsconsole.config import EndpointSettings


def _pool(url: str, concurrency: int = 4, **tls: Any) -> Any:
    endpoint = EndpointSettings.model_validate({"url": url, "timeout": 7, "tls": tls})
    http = BackendHttp("loki", endpoint, concurrency=concurrency)
    return http.client._transport._pool  # type: ignore[attr-defined]


def test_an_https_endpoint_verifies_against_its_own_ca(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    context: ssl.SSLContext = _pool("https://loki.example", ca_file=str(ca_file))._ssl_context
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    [loaded] = context.get_ca_certs()  # the endpoint's CA, and only it
    assert dict(part[0] for part in loaded["subject"])["organizationName"].startswith("trustme")


def test_an_https_endpoint_that_skips_verification_says_so_and_checks_nothing() -> None:
    with pytest.warns(InsecureTLSWarning):
        context: ssl.SSLContext = _pool("https://loki.example", insecure_skip_verify=True)._ssl_context
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)


def test_the_pool_holds_twice_the_concurrency_and_keeps_the_concurrency_alive() -> None:
    pool = _pool("http://loki.example", concurrency=3)
    assert (pool._max_connections, pool._max_keepalive_connections) == (6, 3)
