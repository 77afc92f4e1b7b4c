"""Refresh services the tests build: on the demo stack with the built-in pack, and the pack that
reads the scrape-target fixture (``tests/conftest.py``) through a real Prometheus."""

from __future__ import annotations

import functools

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import RetryPolicy
from opsconsole.config import EndpointSettings
from opsconsole.demo.stack import DemoUrls
from opsconsole.packs.loader import load_packs
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from tests.support.demo_fixtures import frozen_clock

NO_RETRY = RetryPolicy(attempts=1)


@functools.cache
def builtin_pack(name: str = "progressive-framework") -> QueryPack:
    """A built-in pack by name, loaded once per process (a frozen model: tests share it unchanged;
    each test's isolated cache dir made every load parse every pack with ruamel again)."""
    return load_packs([(builtin_queries_dir(), "builtin")]).packs[name].pack


def demo_service(urls: DemoUrls, prometheus_url: str | None = None) -> RefreshService:
    """The built-in pack's refresh on the demo stack at the frozen clock; Prometheus asked once."""
    backends = BackendSet(
        prometheus=PrometheusClient(EndpointSettings(url=prometheus_url or urls.prometheus), retry=NO_RETRY),
        alertmanagers=[AlertmanagerClient(EndpointSettings(url=urls.alertmanager))],
        loki=LokiClient(EndpointSettings(url=urls.loki)),
    )
    return RefreshService("demo", builtin_pack(), backends, clock=frozen_clock)


# A pack on the scrape target's opsconsole_test_* metrics and the test rules' always-firing alert.
TEST_PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: fixture, description: the test fixture's scrape target}
health:
  entity: {type_label: job, instance_label: instance}
  up: {query: 'up{job="test-target"}'}
red:
  groups:
    target:
      by: [job]
      rate: {query: 'sum by (job) (rate(opsconsole_test_requests_total[$rate_window]))', unit: req/s}
      errors:
        query: >-
          sum by (job) (rate(opsconsole_test_requests_total{status="error"}[$rate_window]))
          / sum by (job) (rate(opsconsole_test_requests_total[$rate_window]))
        unit: ratio
      duration: {histogram: opsconsole_test_latency_seconds}
alerts:
  matchers: ['alertname="OpsconsoleTestAlwaysFiring"']
slos:
  availability:
    objective: 0.99
    window: 1h
    ratio:
      bad: sum(rate(opsconsole_test_requests_total{status="error"}[$window]))
      total: sum(rate(opsconsole_test_requests_total[$window]))
"""
