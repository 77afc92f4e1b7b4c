"""The standard exporters the simulated Prometheus scrapes beside the world: the one place they
are registered.

The world (``demo/world.py``) serves the seeds' own application metrics; the built-in packs for
Kubernetes, OpenTelemetry HTTP servers and the monitoring stack read the standard exporters'
names, which come from here: kube-state-metrics, cAdvisor and node-exporter
(:mod:`~opsconsole.demo.kube_cluster`), OpenTelemetry HTTP servers
(:mod:`~opsconsole.demo.otel_services`), and Prometheus', Alertmanager's and Loki's own metrics plus
each target's scrape series (:mod:`~opsconsole.demo.stack_metrics`). A series the world already
serves is never served twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opsconsole.core.durations import parse_duration
from opsconsole.demo.kube_cluster import KubernetesCluster
from opsconsole.demo.otel_services import OtelHttpServices
from opsconsole.demo.scraped import ScrapedSeries
from opsconsole.demo.stack_metrics import StackSelfMetrics
from opsconsole.demo.world import World

# Jobs scraped with honor_labels: true (their series carry the labels of what they describe).
HONOR_LABELS = ("kube-state-metrics", "otel-collector")


def _identity(series: Any) -> tuple[str, frozenset[tuple[str, str]]]:
    return series.name, frozenset(dict(series.labels).items())


class StandardExporters:
    """Every standard exporter's series for ``world``, built once (values are functions of time)."""

    def __init__(self, world: World) -> None:
        self.world = world
        world_series: Sequence[Any] = world.series()
        stack = StackSelfMetrics(world, self.everything)
        own: list[ScrapedSeries] = [
            *KubernetesCluster(world, world_series).series(),
            *OtelHttpServices(world).series(),
            *stack.series(),
        ]
        # A series the world serves already (kube-state-metrics' own `up`: 000 scrapes it too) is
        # served once, as the world's.
        taken = {_identity(s) for s in world_series}
        own = [s for s in own if _identity(s) not in taken]
        ups = [s for s in [*world_series, *own] if s.name == "up"]
        scrape = [s for s in stack.scrape_series(ups) if _identity(s) not in taken]
        self._series: list[ScrapedSeries] = [*own, *scrape]
        self._everything: list[Any] = [*world_series, *self._series]

    def series(self) -> list[ScrapedSeries]:
        """The standard exporters' series (not the world's)."""
        return self._series

    def everything(self) -> list[Any]:
        """The world's series and these (what ``prometheus_tsdb_head_series`` counts)."""
        return self._everything

    def jobs(self) -> dict[str, float | None]:
        """Every scrape job (from the ``up`` series) with its own interval (None: the global one)."""
        out: dict[str, float | None] = {}
        for inst in self.world.instances:  # the seeds' jobs, with the intervals their configs set
            if inst.target is not None:
                out.setdefault(inst.job, parse_duration(inst.target.job.scrape_interval))
        for series in self._everything:
            if series.name == "up":
                job = dict(series.labels).get("job", "")
                out.setdefault(job, getattr(series, "scrape_interval", None))
        return out

    def targets(self) -> list[ScrapedSeries]:
        """The ``up`` series of the standard exporters' targets."""
        return [s for s in self._series if s.name == "up"]
