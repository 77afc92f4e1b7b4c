"""Alerting rules of the demo world: the seeds' own rule files, evaluated by the demo engine.

Progressive Framework: the ``prometheus-rules`` ConfigMap of 000 §Comprehensive Alert Rules, the
one its Prometheus Deployment mounts (its ``slo-alerts`` ConfigMap is not mounted, and would fire
forever: it compares an error ratio with 0.988). FreeAgentics: 002 §Alert Rules. Expressions,
``for``, labels and annotations are copied as written, wrong math included (HighErrorRate and
HighAgentFailureRate divide each 5xx series by itself; PostgreSQLHighConnections never matches):
the demo shows what such a deployment shows. Prometheus adds its external labels (000:
``cluster``, ``environment``) to the alerts it sends, not to ``ALERTS``; so does the demo.
``for`` durations are wall-clock seconds divided by ``--speed`` so a compressed incident still pages.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from opsconsole.demo.promql.engine import Engine
from opsconsole.demo.promql.values import Labels, Sample, without_name
from opsconsole.demo.seed_deployment import PF_EXTERNAL_LABELS
from opsconsole.demo.series import Series
from opsconsole.demo.world import SCRAPE_INTERVAL, World

EVALUATION_INTERVAL = SCRAPE_INTERVAL
HISTORY_LIMIT = 6 * 3600.0  # how far back "since when" is searched
RUN_STARTS_KEPT = 200_000  # answers of RuleEvaluator._run_start kept before starting afresh
PF_RUNBOOKS = "https://docs.your-domain.com/runbooks"  # 000's runbook_url host, as written


def _humanize(value: float) -> str:
    """Prometheus' ``humanize``: SI prefixes (``1.2G``)."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.4g}{prefix}"
    return f"{value:.4g}"


_TEMPLATE = re.compile(
    r"\{\{\s*\$(labels\.([A-Za-z_][A-Za-z0-9_]*)|value)\s*(\|\s*(humanize|humanizePercentage))?\s*\}\}"
)


def fill_template(text: str, labels: dict[str, str], value: float) -> str:
    """``{{ $labels.x }}``, ``{{ $value }}``, ``{{ $value | humanize }}`` and
    ``{{ $value | humanizePercentage }}``, the template forms the seeds use."""

    def replace(match: re.Match[str]) -> str:
        if match.group(2):
            return labels.get(match.group(2), "")
        if match.group(4) == "humanize":
            return _humanize(value)
        if match.group(4) == "humanizePercentage":
            return f"{value * 100:.4g}%"
        return f"{value:.4g}"

    return _TEMPLATE.sub(replace, text)


@dataclass(frozen=True)
class AlertRule:
    """One Prometheus alerting rule, and the external labels of the Prometheus that runs it."""

    group: str
    name: str
    expr: str
    for_seconds: float
    labels: dict[str, str]
    annotation_templates: dict[str, str]
    external_labels: dict[str, str] = field(default_factory=dict)

    def annotations(self, sample_labels: dict[str, str], value: float) -> dict[str, str]:
        """Annotations with the rule's templates filled in."""
        return {k: fill_template(v, sample_labels, value) for k, v in self.annotation_templates.items()}


def _pf(group: str, name: str, expr: str, for_: str, labels: dict[str, str], **annotations: str) -> AlertRule:
    return AlertRule(group, name, expr, _seconds(for_), labels, annotations, dict(PF_EXTERNAL_LABELS))


def _fa(name: str, expr: str, for_: str, labels: dict[str, str], **annotations: str) -> AlertRule:
    return AlertRule("freeagentics.rules", name, expr, _seconds(for_), labels, annotations)


def _seconds(duration: str) -> float:
    number, unit = float(duration[:-1]), duration[-1]
    return number * {"s": 1, "m": 60, "h": 3600}[unit]


AGENTS = {"severity": "critical", "team": "ai-team", "service": "context-agents"}
AGENTS_WARN = {"severity": "warning", "team": "ai-team", "service": "context-agents"}

# 000 §Comprehensive Alert Rules (k8s/monitoring/prometheus/alert-rules.yml), as written. Rules on
# series no seed deployment of the demo exports (containers, nodes, Kubernetes nodes) are left out.
PF_RULES: tuple[AlertRule, ...] = (
    _pf(
        "critical-system",
        "SystemDown",
        'up{job="progressive-framework-v5"} == 0',
        "1m",
        {"severity": "critical", "team": "devops", "service": "core-application"},
        summary="Progressive Framework system is down",
        description="Instance {{ $labels.instance }} has been down for more than 1 minute",
        runbook_url=f"{PF_RUNBOOKS}/system-down",
        dashboard_url="https://grafana.your-domain.com/d/system-overview",
    ),
    _pf(
        "critical-system",
        "DatabaseConnectionFailure",
        "progressive_database_connections_active == 0",
        "2m",
        {"severity": "critical", "team": "devops", "service": "database"},
        summary="Database connections failed",
        description="No active database connections for {{ $labels.database_type }}",
        runbook_url=f"{PF_RUNBOOKS}/database-failure",
    ),
    _pf(
        "critical-system",
        "HighErrorRate",
        '(\n  rate(progressive_http_requests_total{status_code=~"5.."}[5m]) /\n'
        "  rate(progressive_http_requests_total[5m])\n) * 100 > 5\n",
        "5m",
        {"severity": "critical", "team": "development", "service": "core-application"},
        summary="High error rate detected",
        description="Error rate is {{ $value }}% for the last 5 minutes",
        runbook_url=f"{PF_RUNBOOKS}/high-error-rate",
    ),
    _pf(
        "context-agents",
        "AgentUnresponsive",
        'up{job="progressive-agents"} == 0',
        "2m",
        AGENTS,
        summary="Context agent is unresponsive",
        description="Agent {{ $labels.agent_type }} on {{ $labels.instance }} is down",
        runbook_url=f"{PF_RUNBOOKS}/agent-failure",
    ),
    _pf(
        "context-agents",
        "AgentHighLatency",
        "histogram_quantile(0.95, \n  rate(progressive_agent_response_time_seconds_bucket[5m])\n) > 10\n",
        "3m",
        AGENTS_WARN,
        summary="Agent response latency is high",
        description="Agent {{ $labels.agent_type }} 95th percentile latency is {{ $value }}s",
    ),
    _pf(
        "context-agents",
        "AgentCoordinationFailure",
        'rate(progressive_agent_errors_total{error_type="coordination_failure"}[5m]) > 0.1',
        "2m",
        AGENTS_WARN,
        summary="Agent coordination failures detected",
        description="Agent coordination failing at {{ $value }} per second",
    ),
    _pf(
        "context-agents",
        "AgentMemoryHigh",
        "progressive_agent_memory_usage_bytes > 1073741824",
        "5m",
        AGENTS_WARN,
        summary="Agent memory usage is high",
        description="Agent {{ $labels.agent_type }} using {{ $value | humanize }}B of memory",
    ),
    _pf(
        "performance",
        "HighResponseTime",
        "histogram_quantile(0.95, \n  rate(progressive_http_request_duration_seconds_bucket[5m])\n) > 2\n",
        "10m",
        {"severity": "warning", "team": "development", "service": "core-application"},
        summary="High response time detected",
        description="95th percentile response time is {{ $value }}s",
    ),
    _pf(
        "database",
        "PostgreSQLDown",
        "pg_up == 0",
        "1m",
        {"severity": "critical", "team": "database", "service": "postgresql"},
        summary="PostgreSQL is down",
        description="PostgreSQL instance {{ $labels.instance }} is down",
    ),
    _pf(
        "database",
        "PostgreSQLHighConnections",
        "(\n  pg_stat_activity_count / \n  pg_settings_max_connections\n) * 100 > 80\n",
        "5m",
        {"severity": "warning", "team": "database", "service": "postgresql"},
        summary="PostgreSQL high connection usage",
        description="PostgreSQL connection usage is {{ $value }}%",
    ),
    _pf(
        "database",
        "RedisDown",
        "redis_up == 0",
        "1m",
        {"severity": "critical", "team": "database", "service": "redis"},
        summary="Redis is down",
        description="Redis instance {{ $labels.instance }} is down",
    ),
    _pf(
        "database",
        "RedisMemoryHigh",
        "(\n  redis_memory_used_bytes / \n  redis_config_maxmemory\n) * 100 > 85\n",
        "5m",
        {"severity": "warning", "team": "database", "service": "redis"},
        summary="Redis memory usage is high",
        description="Redis memory usage is {{ $value }}%",
    ),
    _pf(
        "business-metrics",
        "LowNutritionPlanGeneration",
        'rate(progressive_nutrition_plans_generated_total{success="true"}[1h]) < 0.1\n',
        "15m",
        {"severity": "warning", "team": "product", "service": "nutrition-agent"},
        summary="Low nutrition plan generation rate",
        description="Nutrition plan generation rate is {{ $value }} per hour",
    ),
    _pf(
        "business-metrics",
        "HighAgentFailureRate",
        '(\n  rate(progressive_agent_requests_total{status=~"5.."}[10m]) /\n'
        "  rate(progressive_agent_requests_total[10m])\n) * 100 > 10\n",
        "5m",
        AGENTS_WARN,
        summary="High agent failure rate",
        description="Agent {{ $labels.agent_type }} failure rate is {{ $value }}%",
    ),
    _pf(
        "business-metrics",
        "NoActiveUsers",
        "progressive_active_users_total == 0",
        "30m",
        {"severity": "warning", "team": "product", "service": "user-experience"},
        summary="No active users detected",
        description="No active users for the last 30 minutes",
    ),
    _pf(
        "infrastructure",
        "KubernetesPodCrashLooping",
        "rate(kube_pod_container_status_restarts_total[1h]) > 5",
        "5m",
        {"severity": "warning", "team": "devops", "service": "kubernetes"},
        summary="Pod is crash looping",
        description="Pod {{ $labels.pod }} is restarting {{ $value }} times per hour",
    ),
)

# 002 §Alert Rules (/etc/prometheus/rules/freeagentics.yml), as written.
FA_RULES: tuple[AlertRule, ...] = (
    _fa(
        "HighCPUUsage",
        '(100 - (avg by(instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)) > 80',
        "5m",
        {"severity": "warning"},
        summary="High CPU usage detected",
        description="CPU usage is above 80% for more than 5 minutes",
    ),
    _fa(
        "HighMemoryUsage",
        "(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes)"
        " / node_memory_MemTotal_bytes * 100 > 85",
        "5m",
        {"severity": "warning"},
        summary="High memory usage detected",
        description="Memory usage is above 85% for more than 5 minutes",
    ),
    _fa(
        "DiskSpaceLow",
        "(node_filesystem_free_bytes / node_filesystem_size_bytes) * 100 < 15",
        "5m",
        {"severity": "critical"},
        summary="Low disk space",
        description="Disk space is below 15%",
    ),
    _fa(
        "APIHighErrorRate",
        'rate(freeagentics_requests_total{status=~"5.."}[5m]) > 0.1',
        "2m",
        {"severity": "critical"},
        summary="High API error rate",
        description="API error rate is above 10%",
    ),
    _fa(
        "AgentCoordinationFailures",
        "rate(freeagentics_agent_coordination_failures_total[5m]) > 0.05",
        "3m",
        {"severity": "warning"},
        summary="Agent coordination failures",
        description="Agent coordination failure rate is above 5%",
    ),
)

# Not the seeds': the heartbeat every kube-prometheus install adds (its general.rules), so the meta
# pack and the heartbeat confirmations have the alert they exist for. It runs on the Prometheus of
# 000, so it carries that server's external labels.
STACK_RULES: tuple[AlertRule, ...] = (
    AlertRule(
        "general.rules",
        "Watchdog",
        "vector(1)",
        0.0,
        {"severity": "none"},
        {
            "summary": "Always firing, so a silent pager means a broken alerting pipeline",
            "description": "Alertmanager receives this alert all the time while alerting works.",
        },
        dict(PF_EXTERNAL_LABELS),
    ),
)

SEED_RULES: tuple[AlertRule, ...] = PF_RULES + FA_RULES
RULES: tuple[AlertRule, ...] = SEED_RULES + STACK_RULES


@dataclass(frozen=True)
class RuleAlert:
    """An alert produced by a rule at one evaluation."""

    rule: AlertRule
    labels: dict[str, str]
    annotations: dict[str, str]
    state: str  # pending | firing
    active_at: float
    value: float
    fingerprint: str = field(default="")
    stored_labels: dict[str, str] = field(default_factory=dict)  # as Prometheus' own API shows them


def _rule_labels(rule: AlertRule, labels: dict[str, str], value: float) -> dict[str, str]:
    """The rule's labels, templated like its annotations."""
    return {k: fill_template(v, labels, value) for k, v in rule.labels.items()}


def fingerprint(labels: dict[str, str]) -> str:
    """A stable 16-hex id of a label set (Alertmanager's is a hash of the labels too)."""
    text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RuleEvaluator:
    """Answers "which alerts are pending or firing at t, and since when"."""

    def __init__(self, world: World, engine: Engine, rules: tuple[AlertRule, ...] = RULES) -> None:
        self.world = world
        self.engine = engine
        self.rules = rules
        self._at = lru_cache(maxsize=8192)(self._evaluate_uncached)
        # (rule, labels, grid instant) -> where the run of evaluations holding the labels just
        # before that instant began, searched back no further than HISTORY_LIMIT (see _run_start).
        self._runs: dict[tuple[int, Labels, float], float] = {}

    def _grid(self, t: float) -> float:
        return math.floor(t / EVALUATION_INTERVAL) * EVALUATION_INTERVAL

    def _evaluate_uncached(self, rule_index: int, t: float) -> Mapping[Labels, float]:
        rule = self.rules[rule_index]
        value = self.engine.instant(rule.expr, t)
        if not isinstance(value, list):
            return MappingProxyType({})
        return MappingProxyType({without_name(s.labels): s.value for s in value if isinstance(s, Sample)})

    def _true_at(self, rule_index: int, t: float) -> Mapping[Labels, float]:
        return self._at(rule_index, self._grid(t))

    def _active_since(self, rule_index: int, labels: Labels, t: float) -> float:
        """The earliest evaluation of the run holding ``labels`` up to ``t`` (``t``'s own grid
        instant when the one before did not hold them), no further back than HISTORY_LIMIT."""
        earliest = math.ceil((t - HISTORY_LIMIT) / EVALUATION_INTERVAL) * EVALUATION_INTERVAL
        return max(self._run_start(rule_index, labels, self._grid(t)), earliest)

    def _run_start(self, rule_index: int, labels: Labels, grid: float) -> float:
        """Where the run of evaluations holding ``labels`` just before ``grid`` began (``grid``
        itself when the evaluation before it does not hold them), or any instant at or before
        ``grid - HISTORY_LIMIT`` when the run is longer than that.

        An ALERTS range query asks this at every step of every series, and a standing alert's
        run goes back hours: each answer is kept, so the next step walks back only to the last.
        A kept answer ``v`` for instant ``m`` gives every later instant ``g`` of the same run
        ``max(v, g - HISTORY_LIMIT)``: exact when ``v`` was, else the run is longer than the limit
        there too.
        """
        path = []
        point = grid
        while True:
            known = self._runs.get((rule_index, labels, point))
            if known is not None:
                start = known
                break
            path.append(point)
            before = point - EVALUATION_INTERVAL
            if grid - before > HISTORY_LIMIT:
                # Beyond the limit: nothing further back can matter to ``grid``. Only ``grid``'s
                # own answer is kept; the points between would need the run's true start.
                start = before
                path = [grid]
                break
            if labels not in self._true_at(rule_index, before):
                start = point
                break
            point = before
        if len(self._runs) > RUN_STARTS_KEPT:
            self._runs.clear()
        for kept in path:
            self._runs[(rule_index, labels, kept)] = start
        return max(start, grid - HISTORY_LIMIT)

    def alerts(self, t: float) -> list[RuleAlert]:
        """Pending and firing alerts at ``t``, as Prometheus' rule manager would hold them."""
        out = []
        for index, rule in enumerate(self.rules):
            hold = rule.for_seconds / self.world.speed
            for labels, value in self._true_at(index, t).items():
                since = self._active_since(index, labels, t)
                state = "firing" if t - since >= hold else "pending"
                stored = {**dict(labels), "alertname": rule.name, **_rule_labels(rule, dict(labels), value)}
                # What Prometheus sends to Alertmanager: the external labels added.
                sent = {**rule.external_labels, **stored}
                out.append(
                    RuleAlert(
                        rule,
                        sent,
                        rule.annotations(stored, value),
                        state,
                        since,
                        value,
                        fingerprint(sent),
                        stored,
                    )
                )
        return out

    def alerts_series(self) -> list[Series]:
        """``ALERTS`` / ``ALERTS_FOR_STATE``-style series for every label set a rule can produce.

        The scenario is short, so the label sets are found by evaluating the rules over
        its span once; each series then answers from the (cached) evaluations.
        """
        seen: dict[tuple[str, Labels], int] = {}
        t = self._grid(self.world.start) - 2 * EVALUATION_INTERVAL
        end = self.world.end + 2 * EVALUATION_INTERVAL
        while t <= end:
            for index, rule in enumerate(self.rules):
                for labels in self._true_at(index, t):
                    seen.setdefault((rule.name, labels), index)
            t += EVALUATION_INTERVAL
        out: list[Series] = []
        for (name, labels), index in seen.items():
            rule = self.rules[index]
            base = {**dict(labels), "alertname": name, **_rule_labels(rule, dict(labels), 0.0)}
            for state in ("pending", "firing"):
                out.append(
                    Series(
                        "ALERTS",
                        tuple(sorted({**base, "alertstate": state}.items())),
                        self._alerts_value(index, labels, state),
                    )
                )
        return out

    def _alerts_value(self, index: int, labels: Labels, state: str):  # type: ignore[no-untyped-def]
        def value(t: float) -> float | None:
            if labels not in self._true_at(index, t):
                return None
            since = self._active_since(index, labels, t)
            firing = t - since >= self.rules[index].for_seconds / self.world.speed
            return 1.0 if firing == (state == "firing") else None

        return value
