"""From a kube context to backend endpoints: list services, choose, probe through the proxy.

The result is ordinary :class:`~opsconsole.config.ContextSettings` whose URLs are API-server
service-proxy paths carrying the user's kube credentials, so the rest of the console does not
know it is talking through Kubernetes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.config import ContextSettings, EndpointSettings
from opsconsole.kube.apiserver import KubeApi, service_proxy_url
from opsconsole.kube.choices import ChoiceStore
from opsconsole.kube.credentials import KubeCredentials
from opsconsole.kube.discovery import KINDS, BackendKind, Candidate, ServiceInfo, find_candidates

# What a working backend answers to a GET, through the proxy.
HEALTH_PATHS: dict[BackendKind, str] = {
    "prometheus": "api/v1/status/buildinfo",
    "alertmanager": "api/v2/status",
    "loki": "loki/api/v1/labels",
    "jaeger": "api/services",
}
# Where installs usually live, tried when listing services cluster-wide is forbidden.
USUAL_NAMESPACES = (
    "monitoring",
    "observability",
    "prometheus",
    "loki",
    "logging",
    "tracing",
    "jaeger",
    "victoria-metrics",
    "kube-prometheus-stack",
)

Chooser = Callable[[BackendKind, list[Candidate]], Candidate | None]


@dataclass(frozen=True)
class BackendChoice:
    """What discovery decided for one backend kind."""

    kind: BackendKind
    candidates: list[Candidate]
    chosen: Candidate | None
    how: str  # "only match", "remembered", "chosen", "best match (several found)", "none found"
    url: str | None = None
    probe: str = "not checked"  # "ok", or the diagnosis of the failed GET
    proxy_refused: bool = False


@dataclass
class DiscoveryReport:
    """Everything ``--discover`` prints and the console connects with."""

    credentials: KubeCredentials
    scope: str
    choices: dict[BackendKind, BackendChoice] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def endpoints(self, timeout: float = 10.0) -> dict[BackendKind, EndpointSettings]:
        """Proxy endpoints for every backend that was found and is not refused by the proxy."""
        return {
            kind: self.credentials.endpoint(choice.url, timeout=timeout)
            for kind, choice in self.choices.items()
            if choice.url and not choice.proxy_refused
        }

    def context_settings(self, fallback: ContextSettings | None = None) -> ContextSettings:
        """Settings with the discovered endpoints; ``fallback``'s explicit URLs fill the gaps.

        ``fallback`` is the config-file context of the same name: its other settings (pack,
        read-only, author, variables) are kept, and its URLs are used for any backend the proxy
        refused or discovery did not find.
        """
        base = fallback or ContextSettings()
        found = self.endpoints()
        update: dict[str, object] = {}
        for kind in ("prometheus", "loki", "jaeger"):
            if kind in found:
                update[kind] = found[kind]
        if "alertmanager" in found:
            update["alertmanagers"] = [found["alertmanager"]]
        return base.model_copy(update=update)


async def _list_services(
    api: KubeApi, credentials: KubeCredentials
) -> tuple[list[ServiceInfo], str, list[str]]:
    """Services to look at, the scope that was searched, and notes on what could not be listed."""
    if credentials.namespace_from_flag:
        return await api.services(credentials.namespace), f"namespace {credentials.namespace}", []
    try:
        return await api.services(None), "all namespaces", []
    except BackendError as exc:
        if exc.kind != FailureKind.FORBIDDEN:
            raise
    notes = ["listing services in all namespaces is forbidden; searched the usual namespaces instead"]
    services: list[ServiceInfo] = []
    searched = []
    for namespace in dict.fromkeys((credentials.namespace, *USUAL_NAMESPACES)):
        try:
            services.extend(await api.services(namespace))
            searched.append(namespace)
        except BackendError as exc:
            if exc.kind not in (FailureKind.FORBIDDEN, FailureKind.NOT_FOUND):
                raise
    return services, f"namespaces {', '.join(searched) or '(none readable)'}", notes


def _decide(
    kind: BackendKind,
    candidates: list[Candidate],
    context: str,
    store: ChoiceStore,
    chooser: Chooser | None,
    ask_again: bool,
) -> tuple[Candidate | None, str]:
    if not candidates:
        return None, "none found"
    if len(candidates) == 1:
        return candidates[0], "only match"
    remembered = None if ask_again else store.get(context, kind)
    for candidate in candidates:
        if candidate.ref == remembered:
            return candidate, "remembered"
    picked = chooser(kind, candidates) if chooser else None
    if picked is not None:
        store.put(context, kind, picked.ref)
        return picked, "chosen"
    return candidates[0], "best match (several found; --choose to pick)"


async def _probe(api: KubeApi, kind: BackendKind, url: str) -> tuple[str, bool]:
    client = api.client_for(url, timeout=10.0)
    try:
        await client.request("GET", HEALTH_PATHS[kind])
    except BackendError as exc:
        # The API server says who may not use services/proxy; a 403 from the backend itself does not.
        refused = exc.kind == FailureKind.FORBIDDEN and "services/proxy" in exc.detail
        return (f"{exc.diagnosis}: {exc.detail}" if exc.detail else exc.diagnosis), refused
    finally:
        await client.aclose()
    return "ok", False


async def discover(
    credentials: KubeCredentials,
    *,
    store: ChoiceStore | None = None,
    chooser: Chooser | None = None,
    ask_again: bool = False,
    probe: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DiscoveryReport:
    """Find each backend's service, decide which to use, and check it answers through the proxy."""
    store = store or ChoiceStore()
    api = KubeApi(credentials, transport=transport)
    try:
        services, scope, notes = await _list_services(api, credentials)
        report = DiscoveryReport(credentials, scope, notes=notes)
        found = find_candidates(services)
        for kind in KINDS:
            chosen, how = _decide(kind, found[kind], credentials.context, store, chooser, ask_again)
            url = service_proxy_url(credentials.server, chosen) if chosen else None
            report.choices[kind] = BackendChoice(kind, found[kind], chosen, how, url)
        if probe:
            kinds = [k for k in KINDS if report.choices[k].url]
            results = await asyncio.gather(*(_probe(api, k, report.choices[k].url or "") for k in kinds))
            for kind, (diagnosis, refused) in zip(kinds, results, strict=True):
                choice = report.choices[kind]
                report.choices[kind] = BackendChoice(
                    kind, choice.candidates, choice.chosen, choice.how, choice.url, diagnosis, refused
                )
        return report
    finally:
        await api.aclose()
