"""Which Kubernetes services are Prometheus, Alertmanager, Loki or Jaeger. Pure logic.

The rules follow the labels and names the common installs give their services:
kube-prometheus-stack / prometheus-operator, the prometheus-community charts, Loki's
single-binary and gateway deployments (and the older loki-stack), the Jaeger operator and
all-in-one, and VictoriaMetrics (single, cluster vmselect, operator). Each match carries the
install it recognised and a score, so when several services match the best comes first and
the user can see why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

BackendKind = Literal["prometheus", "alertmanager", "loki", "jaeger"]
KINDS: tuple[BackendKind, ...] = ("prometheus", "alertmanager", "loki", "jaeger")


class ServicePort(BaseModel):
    """One port of a Service."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    port: int
    protocol: str = "TCP"
    app_protocol: str | None = Field(None, alias="appProtocol")


class ServiceInfo(BaseModel):
    """The parts of a Service that discovery looks at."""

    model_config = ConfigDict(extra="ignore")

    namespace: str
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    ports: list[ServicePort] = Field(default_factory=list)
    headless: bool = False

    @property
    def ref(self) -> str:
        """``namespace/name``: how choices are shown and remembered."""
        return f"{self.namespace}/{self.name}"


def parse_service_list(payload: Any) -> list[ServiceInfo]:
    """Services from a ``v1 ServiceList`` body; raises ``ValueError`` on another shape."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("items"), list):
        raise ValueError("expected a ServiceList with an items array")
    services = []
    for item in payload["items"]:
        if not isinstance(item, Mapping):
            continue
        meta = item.get("metadata") or {}
        spec = item.get("spec") or {}
        try:
            services.append(
                ServiceInfo(
                    namespace=str(meta.get("namespace") or "default"),
                    name=str(meta["name"]),
                    labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
                    ports=[ServicePort.model_validate(p) for p in spec.get("ports") or []],
                    headless=spec.get("clusterIP") == "None",
                )
            )
        except (KeyError, TypeError, AttributeError, ValidationError):
            continue  # one odd object must not hide every other service
    return services


@dataclass(frozen=True)
class Candidate:
    """A service that looks like one backend, with the port and path prefix to use."""

    kind: BackendKind
    service: ServiceInfo
    port: ServicePort
    install: str  # what it was recognised as, e.g. "kube-prometheus-stack"
    score: int
    path_prefix: str = ""

    @property
    def ref(self) -> str:
        """``namespace/name``."""
        return self.service.ref

    def describe(self) -> str:
        """One line for ``--discover`` and the chooser."""
        port = self.port.name or str(self.port.port)
        return f"{self.ref}:{port}{self.path_prefix} ({self.install})"


@dataclass(frozen=True)
class _Rule:
    kind: BackendKind
    install: str
    score: int
    labels: Mapping[str, str | None]  # None: the label must exist with any value
    ports: tuple[int | str, ...]  # preferred ports, by number or name
    name_suffix: str = ""
    path_prefix: str = ""


_NAME = "app.kubernetes.io/name"
_COMPONENT = "app.kubernetes.io/component"

# Higher scores for the service users query (not the operator's headless governing service).
RULES: tuple[_Rule, ...] = (
    # kube-prometheus-stack (prometheus-operator): "<release>-kube-prometheus-prometheus"
    _Rule(
        "prometheus",
        "kube-prometheus-stack",
        90,
        {"app": None, "release": None},
        (9090, "http-web", "web"),
        "-prometheus",
    ),
    _Rule("prometheus", "prometheus-operator", 60, {"operated-prometheus": "true"}, ("web", 9090)),
    _Rule(
        "prometheus", "prometheus chart", 80, {_NAME: "prometheus", _COMPONENT: "server"}, (80, 9090, "http")
    ),
    _Rule(
        "prometheus",
        "prometheus chart (legacy labels)",
        75,
        {"app": "prometheus", "component": "server"},
        (80, 9090, "http"),
    ),
    _Rule("prometheus", "Thanos query", 85, {_NAME: "thanos", _COMPONENT: "query"}, (9090, "http", 10902)),
    _Rule("prometheus", "VictoriaMetrics single", 80, {_NAME: "victoria-metrics-single"}, (8428, "http")),
    _Rule("prometheus", "VictoriaMetrics single (operator)", 80, {_NAME: "vmsingle"}, (8429, 8428, "http")),
    _Rule(
        "prometheus",
        "VictoriaMetrics cluster",
        85,
        {_NAME: "vmselect"},
        (8481, "http"),
        "",
        "/select/0/prometheus",
    ),
    _Rule(
        "prometheus",
        "VictoriaMetrics cluster (chart)",
        85,
        {_NAME: "victoria-metrics-cluster", _COMPONENT: "vmselect"},
        (8481, "http"),
        "",
        "/select/0/prometheus",
    ),
    _Rule(
        "alertmanager",
        "kube-prometheus-stack",
        90,
        {"app": None, "release": None},
        (9093, "http-web", "web"),
        "-alertmanager",
    ),
    _Rule("alertmanager", "prometheus-operator", 60, {"operated-alertmanager": "true"}, ("web", 9093)),
    _Rule("alertmanager", "alertmanager chart", 80, {_NAME: "alertmanager"}, (9093, "http")),
    _Rule(
        "alertmanager",
        "prometheus chart (legacy labels)",
        75,
        {"app": "prometheus", "component": "alertmanager"},
        (80, 9093, "http"),
    ),
    _Rule("loki", "Loki gateway", 90, {_NAME: "loki", _COMPONENT: "gateway"}, (80, "http", "http-metrics")),
    _Rule(
        "loki",
        "Loki single binary",
        85,
        {_NAME: "loki", _COMPONENT: "single-binary"},
        (3100, "http-metrics", "http"),
    ),
    _Rule("loki", "Loki read path", 70, {_NAME: "loki", _COMPONENT: "read"}, (3100, "http-metrics")),
    _Rule(
        "loki",
        "Loki query frontend",
        75,
        {_NAME: "loki", _COMPONENT: "query-frontend"},
        (3100, "http-metrics", "http"),
    ),
    _Rule("loki", "loki-stack", 80, {"app": "loki"}, (3100, "http-metrics")),
    _Rule("loki", "Loki", 60, {_NAME: "loki"}, (3100, "http-metrics", "http")),
    _Rule("jaeger", "Jaeger operator", 90, {_COMPONENT: "service-query"}, (16686, "http-query")),
    _Rule("jaeger", "Jaeger chart", 85, {_NAME: "jaeger", _COMPONENT: "query"}, (16686, 80, "http-query")),
    _Rule("jaeger", "Jaeger all-in-one", 70, {_NAME: "jaeger"}, (16686, "http-query")),
    _Rule("jaeger", "Jaeger all-in-one (legacy labels)", 65, {"app": "jaeger"}, (16686, "http-query")),
)

# Services that carry the backend's labels but do not serve its query API.
_NOT_QUERY_SERVICES = (
    "-headless",
    "-memberlist",
    "-canary",
    "-discovery",
    "-operator",
    "-agent",
    "-collector",
    "-thanos-discovery",
    "-kubelet",
    "-config-reloader",
)
# Ports that are known to be the query API whatever the labels say (a port named like this wins).
_WELL_KNOWN_PORTS: Mapping[int, BackendKind] = {
    9090: "prometheus",
    9093: "alertmanager",
    3100: "loki",
    16686: "jaeger",
}


def _labels_match(service: ServiceInfo, wanted: Mapping[str, str | None]) -> bool:
    for key, value in wanted.items():
        if key not in service.labels:
            return False
        if value is not None and service.labels[key] != value:
            return False
    return True


def _pick_port(service: ServiceInfo, preferred: tuple[int | str, ...]) -> ServicePort | None:
    tcp = [p for p in service.ports if p.protocol.upper() == "TCP"]
    for want in preferred:
        for port in tcp:
            if port.port == want or port.name == want:
                return port
    return None


def _rule_matches(rule: _Rule, service: ServiceInfo) -> bool:
    if not _labels_match(service, rule.labels):
        return False
    if rule.name_suffix and not service.name.endswith(rule.name_suffix):
        return False
    if rule.kind == "prometheus" and rule.install == "kube-prometheus-stack":
        return service.labels.get("app", "").endswith("-prometheus")
    if rule.kind == "alertmanager" and rule.install == "kube-prometheus-stack":
        return service.labels.get("app", "").endswith("-alertmanager")
    return True


def _excluded(service: ServiceInfo, rule: _Rule) -> bool:
    if rule.install == "prometheus-operator":
        return False  # prometheus-operated / alertmanager-operated are headless by design
    return service.headless or service.name.endswith(_NOT_QUERY_SERVICES)


def find_candidates(services: list[ServiceInfo]) -> dict[BackendKind, list[Candidate]]:
    """Every service that looks like each backend, best first (then by namespace/name)."""
    found: dict[BackendKind, dict[str, Candidate]] = {kind: {} for kind in KINDS}
    for service in services:
        for rule in RULES:
            if not _rule_matches(rule, service) or _excluded(service, rule):
                continue
            port = _pick_port(service, rule.ports)
            if port is None:
                continue
            best = found[rule.kind].get(service.ref)
            if best is None or best.score < rule.score:
                found[rule.kind][service.ref] = Candidate(
                    rule.kind, service, port, rule.install, rule.score, rule.path_prefix
                )
        # Unlabelled installs: a well-known port on a service whose name says what it is.
        for port in service.ports:
            kind = _WELL_KNOWN_PORTS.get(port.port)
            if kind and kind in service.name and service.ref not in found[kind] and not service.headless:
                found[kind][service.ref] = Candidate(kind, service, port, "name and port", 40)
    return {kind: sorted(found[kind].values(), key=lambda c: (-c.score, c.ref)) for kind in KINDS}
