"""A small Kubernetes API server on loopback: HTTPS, token and client-certificate auth, a
services list, and the service proxy (HTTP and websocket) forwarding to real upstreams.

It plays the parts of the API server that ``kubectl opsconsole`` uses, with the same paths,
Status error bodies and RBAC refusals, so discovery, authentication and proxying are tested
end to end against the demo stack. Generated kubeconfigs point at it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import trustme
from aiohttp import web

CLIENT_CERT_USER = "opsconsole-cert-user"
USER = web.RequestKey("user", str)


@dataclass
class FakeService:
    """A Service the fake cluster has, and where its proxy forwards to (None: no endpoints)."""

    namespace: str
    name: str
    labels: dict[str, str]
    ports: list[dict[str, Any]]
    upstream: str | None = None
    headless: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "metadata": {"namespace": self.namespace, "name": self.name, "labels": self.labels},
            "spec": {"clusterIP": "None" if self.headless else "10.0.0.1", "ports": self.ports},
        }


@dataclass
class ApiRequest:
    """One request as the fake API server saw it."""

    method: str
    path: str
    user: str | None
    websocket: bool = False


@dataclass
class FakeApiServer:
    """State and knobs of the running fake."""

    url: str
    ca: trustme.CA
    ca_file: Path
    services: list[FakeService]
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user
    forbid_cluster_list: bool = False
    forbid_proxy: set[str] = field(default_factory=set)  # namespaces where services/proxy is denied
    received: list[ApiRequest] = field(default_factory=list)

    def client_cert_files(self, directory: Path) -> tuple[Path, Path]:
        """A client certificate the server accepts, as PEM files."""
        cert = self.ca.issue_cert(CLIENT_CERT_USER)
        cert_file, key_file = directory / "client.crt", directory / "client.key"
        cert_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        key_file.write_bytes(cert.private_key_pem.bytes())
        return cert_file, key_file


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason}
    return web.json_response(body, status=code)


def _app(state: FakeApiServer) -> web.Application:
    def user_of(request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return state.tokens.get(header.removeprefix("Bearer "))
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        if peer:
            for rdn in peer.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return str(value)
            for kind, value in peer.get("subjectAltName", ()):
                if kind == "DNS":
                    return str(value)
        return None

    @web.middleware
    async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
        user = user_of(request)
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        state.received.append(ApiRequest(request.method, request.path_qs, user, upgrade))
        if user is None:
            return _status(401, "Unauthorized", "Unauthorized")
        request[USER] = user
        response: web.StreamResponse = await handler(request)
        return response

    async def list_all(request: web.Request) -> web.Response:
        if state.forbid_cluster_list:
            return _status(
                403,
                "Forbidden",
                f'services is forbidden: User "{request[USER]}" cannot list resource "services" '
                'in API group "" at the cluster scope',
            )
        return web.json_response({"kind": "ServiceList", "items": [s.as_json() for s in state.services]})

    async def list_namespace(request: web.Request) -> web.Response:
        namespace = request.match_info["ns"]
        items = [s.as_json() for s in state.services if s.namespace == namespace]
        return web.json_response({"kind": "ServiceList", "items": items})

    async def proxy(request: web.Request) -> web.StreamResponse:
        namespace, target = request.match_info["ns"], request.match_info["svc"]
        parts = target.split(":")
        name = parts[1] if parts[0] in {"http", "https"} else parts[0]
        if namespace in state.forbid_proxy:
            return _status(
                403,
                "Forbidden",
                f'services "{name}" is forbidden: User "{request[USER]}" cannot get resource '
                f'"services/proxy" in API group "" in the namespace "{namespace}"',
            )
        service = next((s for s in state.services if s.namespace == namespace and s.name == name), None)
        if service is None:
            return _status(404, "NotFound", f'services "{name}" not found')
        if service.upstream is None:
            return _status(503, "ServiceUnavailable", f'no endpoints available for service "{name}"')
        rest = request.match_info["rest"]
        upstream = f"{service.upstream}{rest}"
        if request.query_string:
            upstream += f"?{request.query_string}"
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await _proxy_websocket(request, upstream)
        async with aiohttp.ClientSession() as session:
            async with session.request(request.method, upstream, data=await request.read()) as reply:
                body = await reply.read()
                return web.Response(
                    status=reply.status, body=body, content_type=reply.content_type or "application/json"
                )

    app = web.Application(middlewares=[authenticate])
    app.router.add_get("/api/v1/services", list_all)
    app.router.add_get("/api/v1/namespaces/{ns}/services", list_namespace)
    app.router.add_route("*", "/api/v1/namespaces/{ns}/services/{svc}/proxy{rest:.*}", proxy)
    return app


async def _proxy_websocket(request: web.Request, upstream: str) -> web.StreamResponse:
    outside = web.WebSocketResponse()
    await outside.prepare(request)
    async with aiohttp.ClientSession() as session:
        try:
            inside = await session.ws_connect(upstream.replace("http", "ws", 1))
        except aiohttp.WSServerHandshakeError:
            await outside.close(code=1011)
            return outside

        async def downstream() -> None:
            async for message in inside:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await outside.send_str(message.data)
            await outside.close()

        task = asyncio.ensure_future(downstream())
        async for _ in outside:
            pass  # clients of the tail send nothing
        task.cancel()
        await inside.close()
    return outside


@contextmanager
def fake_apiserver(tmp: Path, services: list[FakeService]) -> Iterator[FakeApiServer]:
    """Run the fake on a free loopback port over HTTPS for the block."""
    ca = trustme.CA()
    ca_file = tmp / "ca.crt"
    ca.cert_pem.write_to_path(str(ca_file))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    ca.configure_trust(server_ctx)
    server_ctx.verify_mode = ssl.CERT_OPTIONAL  # client certificates, when sent, must be ours
    state = FakeApiServer(url="", ca=ca, ca_file=ca_file, services=services)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(_app(state))

    async def start() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
        await site.start()
        return f"https://127.0.0.1:{runner.addresses[0][1]}"

    state.url = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield state
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def write_kubeconfig(
    path: Path,
    server: FakeApiServer,
    *,
    user: dict[str, Any],
    context: str = "fake",
    namespace: str | None = None,
    inline_ca: bool = False,
    user_name: str = "fake-user",
) -> Path:
    """A kubeconfig with one cluster/user/context pointing at the fake."""
    cluster: dict[str, Any] = {"server": server.url}
    if inline_ca:
        cluster["certificate-authority-data"] = base64.b64encode(server.ca_file.read_bytes()).decode()
    else:
        cluster["certificate-authority"] = str(server.ca_file)
    ctx: dict[str, Any] = {"cluster": "fake-cluster", "user": user_name}
    if namespace:
        ctx["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake-cluster", "cluster": cluster}],
        "users": [{"name": user_name, "user": user}],
        "contexts": [{"name": context, "context": ctx}],
        "current-context": context,
    }
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def exec_plugin_user(
    directory: Path, token: str, counter: Path, expires_in: float | None = None
) -> dict[str, Any]:
    """A kubeconfig user whose credentials come from an exec plugin (a tiny Python script).

    Each run appends a line to ``counter``; with ``expires_in`` the credential carries an
    ``expirationTimestamp`` that far in the future, and each run hands out ``<token>-<run>``.
    """
    script = directory / "credential-plugin.py"
    script.write_text(
        "import datetime, json, sys\n"
        f"counter = {str(counter)!r}\n"
        "with open(counter, 'a') as f: f.write('run\\n')\n"
        "runs = sum(1 for _ in open(counter))\n"
        f"token = {token!r} if {expires_in!r} is None else f'{token}-{{runs}}'\n"
        "status = {'token': token}\n"
        f"if {expires_in!r} is not None:\n"
        "    when = datetime.datetime.now(datetime.timezone.utc) + "
        f"datetime.timedelta(seconds={expires_in!r})\n"
        "    status['expirationTimestamp'] = when.strftime('%Y-%m-%dT%H:%M:%SZ')\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
        "'kind': 'ExecCredential', 'status': status}))\n",
        encoding="utf-8",
    )
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": [str(script)],
            "interactiveMode": "Never",
        }
    }
