"""The scrape jobs of the deployments the demo plays, as their monitoring docs write them.

Progressive Framework v5: ``docs/05-DevOps/Monitoring-Alerting.md``, "Prometheus Architecture
Configuration" (the jobs below, relabel rules copied as written) and ``global.external_labels``.
FreeAgentics: its "Monitoring and Alerting Runbook", "Prometheus Configuration" (static jobs,
no relabelling). ``tests/seed_facts.yaml`` holds the same facts independently, and the tests
check the demo against them.
"""

from __future__ import annotations

from opsconsole.demo.scrape import ScrapeJob

PF_EXTERNAL_LABELS = {"cluster": "progressive-framework-v5", "environment": "production"}

_ADDRESS_FROM_PORT_ANNOTATION = {
    "action": "replace",
    "regex": r"([^:]+)(?::\d+)?;(\d+)",
    "replacement": "$1:$2",
    "target_label": "__address__",
}

PF_CORE = ScrapeJob(
    "progressive-framework-v5",
    (
        {
            "source_labels": ["__meta_kubernetes_service_annotation_prometheus_io_scrape"],
            "action": "keep",
            "regex": "true",
        },
        {
            "source_labels": ["__meta_kubernetes_service_annotation_prometheus_io_path"],
            "action": "replace",
            "target_label": "__metrics_path__",
            "regex": "(.+)",
        },
        {
            **_ADDRESS_FROM_PORT_ANNOTATION,
            "source_labels": ["__address__", "__meta_kubernetes_service_annotation_prometheus_io_port"],
        },
        {"action": "labelmap", "regex": "__meta_kubernetes_service_label_(.+)"},
        {
            "source_labels": ["__meta_kubernetes_namespace"],
            "action": "replace",
            "target_label": "kubernetes_namespace",
        },
        {
            "source_labels": ["__meta_kubernetes_service_name"],
            "action": "replace",
            "target_label": "kubernetes_name",
        },
    ),
)

PF_AGENTS = ScrapeJob(
    "progressive-agents",
    (
        {"source_labels": ["__meta_kubernetes_pod_label_tier"], "action": "keep", "regex": "agents"},
        {
            "source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
            "action": "keep",
            "regex": "true",
        },
        {
            "source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_path"],
            "action": "replace",
            "target_label": "__metrics_path__",
            "regex": "(.+)",
        },
        {
            **_ADDRESS_FROM_PORT_ANNOTATION,
            "source_labels": ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
        },
        {"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(.+)"},
        {
            "source_labels": ["__meta_kubernetes_namespace"],
            "action": "replace",
            "target_label": "kubernetes_namespace",
        },
        {
            "source_labels": ["__meta_kubernetes_pod_name"],
            "action": "replace",
            "target_label": "kubernetes_pod_name",
        },
        {
            "source_labels": ["__meta_kubernetes_pod_label_app"],
            "action": "replace",
            "target_label": "agent_type",
        },
    ),
)

PF_POSTGRES = ScrapeJob("postgres-exporter", scrape_interval="30s")
PF_REDIS = ScrapeJob(
    "redis-exporter",
    ({"source_labels": ["__meta_kubernetes_service_name"], "action": "keep", "regex": "redis-exporter"},),
    scrape_interval="30s",
)
PF_MONGODB = ScrapeJob("mongodb-exporter", scrape_interval="30s")
PF_KUBE_STATE = ScrapeJob("kube-state-metrics", scrape_interval="30s")

FA_NODE = ScrapeJob("node")
FA_API = ScrapeJob("freeagentics-api", scrape_interval="10s")
FA_WORKERS = ScrapeJob("freeagentics-workers", scrape_interval="30s")
