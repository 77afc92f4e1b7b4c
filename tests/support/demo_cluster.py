"""The cluster the kubectl plugin's tests discover: the Services people actually install
(kube-prometheus-stack, Loki, Jaeger, ...), the monitoring ones forwarding to the demo stack."""

from __future__ import annotations

from typing import Any

from opsconsole.demo.stack import DemoUrls
from tests.support.fake_apiserver import FakeService


def fake_service(
    namespace: str, name: str, labels: dict[str, str], ports: list[tuple[str | None, int]], **kw: Any
) -> FakeService:
    """A Service; each port a (name or None, number)."""
    return FakeService(
        namespace,
        name,
        labels,
        [({"name": n} if n else {}) | {"port": p, "protocol": "TCP"} for n, p in ports],
        **kw,
    )


def cluster_services(urls: DemoUrls) -> list[FakeService]:
    """A cluster with the installs people actually have, each forwarding to the demo stack."""
    kps = {"release": "kps", "app.kubernetes.io/instance": "kps"}
    return [
        fake_service("default", "kubernetes", {"component": "apiserver"}, [("https", 443)]),
        fake_service(
            "monitoring",
            "kps-kube-prometheus-stack-prometheus",
            {**kps, "app": "kube-prometheus-stack-prometheus", "self-monitor": "true"},
            [("http-web", 9090), ("reloader-web", 8080)],
            upstream=urls.prometheus,
        ),
        fake_service(
            "monitoring",
            "prometheus-operated",
            {"operated-prometheus": "true"},
            [("web", 9090)],
            upstream=urls.prometheus,
            headless=True,
        ),
        fake_service(
            "monitoring",
            "kps-kube-prometheus-stack-alertmanager",
            {**kps, "app": "kube-prometheus-stack-alertmanager"},
            [("http-web", 9093), ("reloader-web", 8080)],
            upstream=urls.alertmanager,
        ),
        fake_service(
            "monitoring",
            "kps-kube-prometheus-stack-operator",
            {**kps, "app": "kube-prometheus-stack-operator"},
            [("https", 443)],
        ),
        fake_service(
            "loki",
            "loki-gateway",
            {"app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway"},
            [("http-metrics", 80)],
            upstream=urls.loki,
        ),
        fake_service(
            "loki",
            "loki-memberlist",
            {"app.kubernetes.io/name": "loki"},
            [("tcp", 7946)],
            headless=True,
        ),
        fake_service(
            "tracing",
            "jaeger-query",
            {"app.kubernetes.io/name": "jaeger-query", "app.kubernetes.io/component": "service-query"},
            [("http-query", 16686), ("grpc-query", 16685)],
            upstream=urls.jaeger,
        ),
        fake_service(
            "tracing",
            "jaeger-collector",
            {"app.kubernetes.io/name": "jaeger-collector", "app.kubernetes.io/component": "collector"},
            [("http-c-binary-trft", 14268)],
        ),
    ]
