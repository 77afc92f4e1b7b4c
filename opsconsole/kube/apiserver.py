"""The few Kubernetes API calls discovery needs, and the service-proxy URL scheme.

Everything goes through :class:`~opsconsole.backends.transport.BackendHttp` in read-only
mode: discovery only ever reads, and the user's credentials get the same TLS and retry
policy as the backends.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.transport import BackendHttp, generic_error_message
from opsconsole.core.untrusted_text import excerpt
from opsconsole.kube.credentials import KubeCredentials
from opsconsole.kube.discovery import Candidate, ServiceInfo, parse_service_list

BACKEND = "kubernetes"


def kube_status_message(status: int, body: str) -> str:
    """The ``message`` of a Kubernetes ``Status`` error body (RBAC denials say who and what)."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("kind") == "Status" and payload.get("message"):
        return excerpt(str(payload["message"]), 200)
    return generic_error_message(body)


def service_proxy_url(server: str, candidate: Candidate) -> str:
    """The API server's proxy URL for the candidate's service port, path prefix included.

    ``/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy``: the API server forwards with the
    user's own RBAC, so no port-forward and no local port are needed.
    """
    port = candidate.port
    scheme = "https:" if port.port == 443 or (port.name or "").startswith("https") else ""
    target = f"{scheme}{candidate.service.name}:{port.name or port.port}"
    namespace = quote(candidate.service.namespace, safe="")
    service = quote(target, safe=":")
    return f"{server}/api/v1/namespaces/{namespace}/services/{service}/proxy{candidate.path_prefix}"


class KubeApi:
    """Read-only client for the API server of one kube context."""

    def __init__(
        self, credentials: KubeCredentials, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.credentials = credentials
        self._transport = transport
        self.http = self.client_for(credentials.server)

    def client_for(self, url: str, timeout: float = 10.0) -> BackendHttp:
        """A read-only client for ``url`` (the API server or a proxy path) with the user's credentials."""
        return BackendHttp(
            BACKEND,
            self.credentials.endpoint(url, timeout=timeout),
            read_only=True,
            transport=self._transport,
            error_parser=kube_status_message,
        )

    async def services(self, namespace: str | None = None) -> list[ServiceInfo]:
        """Services in one namespace, or in all when ``namespace`` is None."""
        path = f"api/v1/namespaces/{quote(namespace, safe='')}/services" if namespace else "api/v1/services"
        payload = await self.http.get_json(path)
        try:
            return parse_service_list(payload)
        except ValueError as exc:
            message = f"unexpected services list: {exc}"
            url = self.http.url_for(path)
            raise BackendError(BACKEND, FailureKind.WRONG_SHAPE, message, url=url) from None

    async def aclose(self) -> None:
        """Close connections."""
        await self.http.aclose()
