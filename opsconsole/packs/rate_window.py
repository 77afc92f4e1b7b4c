"""``$rate_window`` from the server's real scrape intervals, the way Grafana's ``$__rate_interval`` works.

``rate()`` needs two samples inside its range. With one scrape every S seconds a range of 4 × S
survives a failed scrape and scrape jitter; a range query with step T also needs T + S, or steps
fall between samples (an instant query refreshed every T seconds likewise). So the window is
``max(4 × S, T + S)``.

S comes from the Prometheus the query runs on (``/api/v1/status/config``: the global
``scrape_interval`` and each scrape job's own). A query that selects its series by ``job`` uses
the interval of the jobs it names; any other query uses the largest interval on the server, which
is never too short for any of its series. Where the server does not say (Thanos, Mimir,
VictoriaMetrics or a proxy refuse the endpoint), Prometheus' own default of one minute is
assumed, and the drill-down says so. ``--var rate_window=…`` or ``--var scrape_interval=…`` (or a
context's ``variables``) override all of this.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opsconsole.core.durations import parse_duration, prometheus_duration
from opsconsole.core.promql_text import PARSE_CACHE_SIZE, parse_tree, walk
from opsconsole.core.query_step import rate_window as window_seconds

# Prometheus' default when a config sets no global scrape_interval; also what is assumed when
# the server does not serve its config.
PROMETHEUS_DEFAULT_INTERVAL = 60.0


@dataclass(frozen=True)
class ScrapeIntervals:
    """Scrape intervals one Prometheus reports: the global default and each job's own (seconds)."""

    default: float
    jobs: Mapping[str, float] = field(default_factory=dict)
    source: str = "from /api/v1/status/config"
    problem: str = ""  # why the server's own intervals are not known ("" when they are)

    @property
    def where(self) -> str:
        """Where the intervals come from, with the reason when they are assumed."""
        if not self.problem:
            return self.source
        return f"{self.source}: {self.problem}; set --var scrape_interval=… if yours differs"

    def of(self, job: str) -> float:
        """The interval of ``job`` (the global default for a job the config does not list)."""
        return self.jobs.get(job, self.default)

    def largest(self) -> float:
        """The longest interval of any job (or the default)."""
        return max([self.default, *self.jobs.values()])


def assumed(problem: str, seconds: float = PROMETHEUS_DEFAULT_INTERVAL) -> ScrapeIntervals:
    """Intervals when the server did not tell: Prometheus' default, with the reason kept."""
    return ScrapeIntervals(seconds, {}, "Prometheus' default, assumed", problem)


def overridden(seconds: float) -> ScrapeIntervals:
    """One interval for every job, set by ``--var scrape_interval`` or the context."""
    return ScrapeIntervals(seconds, {}, "set by the scrape_interval variable")


class ConfigUnreadable(ValueError):
    """The served config is not YAML of the expected shape."""


def _seconds(value: Any, where: str) -> float:
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise ConfigUnreadable(f"{where}: {exc}") from None


def parse_scrape_config(text: str) -> ScrapeIntervals:
    """The intervals in a Prometheus config (the ``yaml`` of ``/api/v1/status/config``).

    Prometheus serves its config with every default filled in, but a hand-written config (or a
    compatible engine) may leave ``global.scrape_interval`` out: then it is Prometheus' default.
    """
    # Machine-written YAML that can run to thousands of lines and needs no line numbers: PyYAML's
    # libyaml loader reads it in milliseconds where a pure-Python parser takes a good part of a second.
    import yaml  # here: the first refresh needs it, the first frame does not

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        doc = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, chosen above
    except yaml.YAMLError as exc:
        raise ConfigUnreadable(f"not YAML: {str(exc).splitlines()[0]}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigUnreadable("not a mapping")
    global_section = doc.get("global") or {}
    if not isinstance(global_section, dict):
        raise ConfigUnreadable("global: not a mapping")
    default = PROMETHEUS_DEFAULT_INTERVAL
    if global_section.get("scrape_interval") is not None:
        default = _seconds(global_section["scrape_interval"], "global.scrape_interval")
    jobs: dict[str, float] = {}
    scrape_configs = doc.get("scrape_configs") or []
    if not isinstance(scrape_configs, list):
        raise ConfigUnreadable("scrape_configs: not a list")
    for index, job in enumerate(scrape_configs):
        if not isinstance(job, dict) or not isinstance(job.get("job_name"), str):
            raise ConfigUnreadable(f"scrape_configs[{index}]: no job_name")
        interval = job.get("scrape_interval")
        jobs[job["job_name"]] = default if interval is None else _seconds(interval, job["job_name"])
    return ScrapeIntervals(default, jobs)


@dataclass(frozen=True)
class RateWindow:
    """The ``$rate_window`` one query gets, and why."""

    text: str
    seconds: float
    scrape_interval: float
    reason: str

    def describe(self) -> str:
        """``$rate_window = 2m: …`` for the drill-down."""
        return f"$rate_window = {self.text}: {self.reason}"


def ranged_selectors(promql: str) -> list[tuple[str, list[tuple[str, str]]]] | None:
    """For every selector read over a range (``x[5m]``, a subquery): its metric name ("" when it
    has none) and its ``job`` matchers as ``(operator, value)``; None when the text does not parse."""
    found = _ranged_selectors(promql)
    return None if found is None else [(name, list(matchers)) for name, matchers in found]


# Every refresh asks this of the same queries (the parse is the cost); see promql_text.PARSE_CACHE_SIZE.
@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _ranged_selectors(promql: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...] | None:
    tree = parse_tree(promql)
    if tree is None:
        return None
    found: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for node in walk(tree):
        kind = type(node).__name__
        if kind == "MatrixSelector":
            selectors = [node.vector_selector]
        elif kind == "SubqueryExpr":
            selectors = [n for n in walk(node.expr) if type(n).__name__ == "VectorSelector"]
        else:
            continue
        for selector in selectors:
            matchers = tuple(
                (str(m.op).rsplit(".", 1)[-1], str(m.value))
                for m in selector.matchers.matchers
                if m.name == "job"
            )
            found.append((str(selector.name or ""), matchers))
    return tuple(found)


def ranged_metrics(promql: str) -> set[str]:
    """Names of the metrics ``promql`` reads over a range."""
    return {name for name, _ in ranged_selectors(promql) or [] if name}


def _selects(operator: str, value: str, job: str) -> bool:
    if operator == "Equal":
        return job == value
    if operator == "NotEqual":
        return job != value
    try:
        hit = re.fullmatch(value, job) is not None
    except re.error:
        return True  # Prometheus would reject the query anyway; do not narrow on it
    return hit if operator == "Re" else not hit


def _jobs_selected(matchers: list[tuple[str, str]], intervals: ScrapeIntervals) -> list[str] | None:
    """The configured jobs a selector's ``job`` matchers select; None when it names no job or
    none of the configured jobs (then the largest interval is the safe choice)."""
    if not matchers:
        return None
    chosen = [job for job in intervals.jobs if all(_selects(op, value, job) for op, value in matchers)]
    if not chosen and all(op == "Equal" for op, _ in matchers):
        # A job the config does not list (e.g. one pushed remotely): the global default applies.
        return [matchers[0][1]]
    return chosen or None


def choose_window(
    promql: str,
    intervals: ScrapeIntervals,
    step: float,
    metric_jobs: Mapping[str, set[str]] | None = None,
) -> RateWindow:
    """The rate window for ``promql`` (expanded, with any placeholder range) refreshed or stepped
    every ``step`` seconds. ``metric_jobs`` (metric name -> jobs whose series carry it, when
    known) narrows a selector that names no job to the jobs that really serve its metric."""
    ranged = ranged_selectors(promql) or []
    named: list[str] = []
    whole_server = not ranged
    for metric, matchers in ranged:
        jobs = _jobs_selected(matchers, intervals)
        if jobs is None and metric_jobs and metric_jobs.get(metric):
            jobs = sorted(metric_jobs[metric])
        if jobs is None:
            whole_server = True
        else:
            named.extend(j for j in jobs if j not in named)
    if whole_server:
        scrape = intervals.largest()
        who = "the largest scrape interval on the server" if intervals.jobs else "the scrape interval"
    else:
        scrape = max(intervals.of(job) for job in named)
        slowest = [j for j in named if intervals.of(j) == scrape]
        more = " …" if len(slowest) > 3 else ""
        who = f"the scrape interval of job {', '.join(slowest[:3])}{more}"
    seconds = window_seconds(step, scrape)
    shown = prometheus_duration(scrape)
    basis = f"4 × {shown}" if seconds == 4 * scrape else f"{prometheus_duration(step)} step + {shown}"
    reason = f"{basis}, {who} ({intervals.where})"
    return RateWindow(prometheus_duration(seconds), seconds, scrape, reason)


def fixed_window(text: str) -> RateWindow:
    """A window set by ``--var rate_window`` or the context."""
    seconds = parse_duration(text)
    return RateWindow(text, seconds, seconds / 4, "set by the rate_window variable")
