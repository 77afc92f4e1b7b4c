"""The monitoring stack's own metrics, for the ``meta`` pack: what Prometheus, Alertmanager and Loki
expose about themselves on ``/metrics``, under their own names and labels.

- Prometheus (job ``prometheus``): ``prometheus_http_requests_total{handler, code}``,
  ``prometheus_http_request_duration_seconds`` (its buckets), ``prometheus_rule_evaluation_failures_total
  {rule_group}``, ``prometheus_notifications_dropped_total``, ``prometheus_tsdb_head_series``, and the
  series every scrape adds: ``scrape_duration_seconds`` and ``scrape_samples_scraped`` per target.
- Alertmanager (job ``alertmanager``, one instance, clustering off as in the seeds):
  ``alertmanager_notifications_total`` / ``alertmanager_notifications_failed_total{integration}``
  (0.27+ adds ``reason``), ``alertmanager_cluster_enabled``.
- Loki (job ``loki``): ``loki_request_duration_seconds{method, route, status_code, ws}`` and
  ``loki_discarded_samples_total{reason, tenant}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from opsconsole.demo.scraped import EXPORTER_AGE, LatencyMix, ScrapedSeries, diurnal_integral, labels, le_text
from opsconsole.demo.world import World

PROMETHEUS = {"job": "prometheus", "instance": "prometheus-0:9090"}
ALERTMANAGER = {"job": "alertmanager", "instance": "alertmanager-0:9093"}
LOKI = {"job": "loki", "instance": "loki-0:3100"}
PROMETHEUS_BUCKETS = (0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120, math.inf)
LOKI_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, math.inf)
# (handler or route, requests/s, share answered 5xx, median seconds)
PROMETHEUS_HANDLERS = (
    ("/api/v1/query", 4.0, 0.002, 0.02),
    ("/api/v1/query_range", 1.5, 0.004, 0.15),
    ("/api/v1/series", 0.2, 0.0, 0.01),
)
LOKI_ROUTES = (
    ("loki_api_v1_push", "POST", 20.0, 0.001, 0.004),
    ("loki_api_v1_query_range", "GET", 0.8, 0.01, 0.4),
    ("loki_api_v1_tail", "GET", 0.01, 0.0, 30.0),
)
INTEGRATIONS = ("email", "pagerduty", "slack", "webhook")


def _const(value: float) -> Callable[[float], float]:
    return lambda t: value


def _while_up(up: Any, value: float) -> Callable[[float], float | None]:
    """``value`` while the target behind ``up`` answers its scrapes, else no sample."""

    def sample(t: float) -> float | None:
        return value if up.value(t) == 1.0 else None

    return sample


class StackSelfMetrics:
    """Self-metrics of the demo's Prometheus, Alertmanager and Loki."""

    def __init__(self, world: World, scraped: Callable[[], Sequence[Any]]) -> None:
        self.born = world.start - EXPORTER_AGE
        self._scraped = scraped  # every series the server holds (for per-target scrape series)

    def _counter(self, base: dict[str, str], name: str, rate: float, phase: float = 0.0) -> ScrapedSeries:
        def value(t: float) -> float:
            return round(diurnal_integral(t, self.born, rate, phase, 0.2))

        return ScrapedSeries(name, labels(base), value, "counter")

    def series(self) -> list[ScrapedSeries]:
        """Every self-metric (the scrape series of each target come from :meth:`scrape_series`)."""
        out = [ScrapedSeries("up", labels(base), _const(1.0)) for base in (PROMETHEUS, ALERTMANAGER, LOKI)]
        requests = "prometheus_http_requests_total"
        for handler, rps, errors, median in PROMETHEUS_HANDLERS:
            where = {**PROMETHEUS, "handler": handler}
            out.append(self._counter({**where, "code": "200"}, requests, rps * (1 - errors), 0.4))
            out.append(self._counter({**where, "code": "400"}, requests, rps * 0.01, 0.4))
            if errors:
                out.append(self._counter({**where, "code": "503"}, requests, rps * errors, 0.4))
            out += self._histogram(
                where, "prometheus_http_request_duration_seconds", PROMETHEUS_BUCKETS, rps, median
            )
        for group in ("/etc/prometheus/rules/agents.yml;agents", "/etc/prometheus/rules/stack.yml;stack"):
            failures = labels(PROMETHEUS, rule_group=group)
            out.append(
                ScrapedSeries("prometheus_rule_evaluation_failures_total", failures, _const(0.0), "counter")
            )
        out.append(
            ScrapedSeries(
                "prometheus_notifications_dropped_total", labels(PROMETHEUS), _const(0.0), "counter"
            )
        )

        def head_series(t: float) -> float:
            return float(len(self._scraped()))

        out.append(ScrapedSeries("prometheus_tsdb_head_series", labels(PROMETHEUS), head_series))
        for integration in INTEGRATIONS:
            sent = 0.02 if integration in ("pagerduty", "slack") else 0.0
            where = {**ALERTMANAGER, "integration": integration}
            out.append(self._counter(where, "alertmanager_notifications_total", sent))
            for reason in ("clientError", "serverError", "other"):
                failing = sent * 0.05 if (integration, reason) == ("slack", "serverError") else 0.0
                out.append(
                    self._counter(
                        {**where, "reason": reason}, "alertmanager_notifications_failed_total", failing
                    )
                )
        out.append(ScrapedSeries("alertmanager_cluster_enabled", labels(ALERTMANAGER), _const(0.0)))
        for route, method, rps, errors, median in LOKI_ROUTES:
            where = {
                **LOKI,
                "method": method,
                "route": route,
                "ws": "true" if route.endswith("tail") else "false",
            }
            name = "loki_request_duration_seconds"
            out += self._histogram(
                {**where, "status_code": "200"}, name, LOKI_BUCKETS, rps * (1 - errors), median
            )
            if errors:
                out += self._histogram(
                    {**where, "status_code": "500"}, name, LOKI_BUCKETS, rps * errors, median * 3
                )
        discarded = {**LOKI, "reason": "rate_limited", "tenant": "fake"}
        out.append(self._counter(discarded, "loki_discarded_samples_total", 0.05))
        return out

    def scrape_series(self, targets: Sequence[Any]) -> list[ScrapedSeries]:
        """``scrape_duration_seconds`` and ``scrape_samples_scraped`` of each target (given as its
        ``up`` series), as every Prometheus scrape records them; absent while the target is down."""
        out = []
        for up in targets:
            label_set = tuple(up.labels)
            instance = dict(label_set).get("instance", "")
            size = 200 + 37 * (sum(map(ord, instance)) % 40)
            interval = getattr(up, "scrape_interval", None)
            out.append(
                ScrapedSeries(
                    "scrape_duration_seconds", label_set, _while_up(up, 0.004 + size / 1e5), "gauge", interval
                )
            )
            out.append(
                ScrapedSeries(
                    "scrape_samples_scraped", label_set, _while_up(up, float(size)), "gauge", interval
                )
            )
        return out

    def _histogram(
        self, base: dict[str, str], name: str, buckets: Sequence[float], rps: float, median: float
    ) -> list[ScrapedSeries]:
        mix = LatencyMix(median)

        def total(t: float) -> float:
            return diurnal_integral(t, self.born, rps * mix.mean, 0.0, 0.2)

        out = [
            self._counter(base, f"{name}_count", rps),
            ScrapedSeries(f"{name}_sum", labels(base), total, "counter"),
        ]
        out += [
            self._counter({**base, "le": le_text(bound)}, f"{name}_bucket", rps * mix.share(bound))
            for bound in buckets
        ]
        return out
