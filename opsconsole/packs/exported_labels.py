"""Labels Prometheus renamed ``exported_<name>``, which make a pack's selectors find nothing.

When a scrape job's target carries a label the exporter also sets (Kubernetes service discovery
gives every target ``namespace``, ``pod``, ``container``, ``service``; every target has ``job`` and
``instance``) and the job lacks ``honor_labels: true``, Prometheus keeps the target's value and
renames the exporter's to ``exported_<name>``. kube-state-metrics behind a ServiceMonitor without
``honorLabels`` then reports every pod in the monitoring namespace; an OpenTelemetry Collector's
exporter reports every service as the collector. The fix is in the scrape config, and the message
says so.

Pure functions: the console runs :func:`probe_queries` every few minutes and turns what they find
into notices with :func:`notice`; ``packs doctor`` can do the same, or call
:func:`renamed_in_series` on label sets from ``/api/v1/series``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from opsconsole.core.promql_strings import any_of, label_name
from opsconsole.core.promql_text import parse_tree, walk

# Labels a scrape target sets itself (and so may clash with an exporter's own).
TARGET_LABELS = ("job", "instance", "namespace", "pod", "container", "service", "node", "endpoint")

# Where a renamed label usually comes from, for the message.
LIKELY_SOURCE = {
    "job": "an OpenTelemetry Collector's exporter or a federated Prometheus",
    "instance": "an OpenTelemetry Collector's exporter or a federated Prometheus",
    "namespace": "kube-state-metrics (or another exporter describing other pods)",
    "pod": "kube-state-metrics (or another exporter describing other pods)",
    "container": "kube-state-metrics (or another exporter describing other pods)",
}


def matched_labels(promql_texts: Iterable[str]) -> dict[str, set[str]]:
    """For each target label the queries select on (``namespace=~"..."``), the metrics they read
    through it."""
    found: dict[str, set[str]] = {}
    for text in promql_texts:
        tree = parse_tree(text)
        if tree is None:
            continue
        for node in walk(tree):
            if type(node).__name__ != "VectorSelector" or not node.name:
                continue
            for matcher in node.matchers.matchers:
                if matcher.name in TARGET_LABELS:
                    found.setdefault(matcher.name, set()).add(node.name)
    return found


def probe_queries(matched: Mapping[str, set[str]]) -> dict[str, str]:
    """One cheap query per label: which of its metrics carry ``exported_<label>`` at all."""
    out = {}
    for label, metrics in sorted(matched.items()):
        exported = label_name(f"exported_{label}")
        out[label] = f'count by (__name__) ({{__name__=~{any_of(metrics)}, {exported}!=""}})'
    return out


def notice(label: str, metrics: Iterable[str]) -> str:
    """What to tell the user when ``metrics`` carry ``exported_<label>``."""
    shown = sorted(metrics)
    listed = ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")
    source = LIKELY_SOURCE.get(label, "its exporter")
    return (
        f"{listed} carry exported_{label}, not {label}: Prometheus renamed the exporter's {label} "
        f"label because the scrape job sets its own ({source}); set honor_labels: true on that "
        f"job (honorLabels: true in a ServiceMonitor), or the pack's {label} filters find nothing"
    )


def renamed_in_series(series: Iterable[Mapping[str, str]], label: str) -> set[str]:
    """Metric names among ``series`` (label sets with ``__name__``) that carry ``exported_<label>``."""
    return {s.get("__name__", "") for s in series if s.get(f"exported_{label}")}
