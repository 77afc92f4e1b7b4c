"""Alerting rules of the demo world, evaluated by the demo PromQL engine.

The rules mirror the seeds' intent (agent down, error ratio, latency, queue backlog,
database connections) but use the demo's metric contract and thresholds that the
scenarios actually cross. ``for`` durations are wall-clock seconds divided by
``--speed`` so a compressed incident still pages.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import lru_cache

from opsconsole.demo.promql.engine import Engine
from opsconsole.demo.promql.values import Labels, Sample, without_name
from opsconsole.demo.world import NAMESPACE, SCRAPE_INTERVAL, Series, World

RUNBOOKS = "https://runbooks.example/progressive-framework"
EVALUATION_INTERVAL = SCRAPE_INTERVAL
HISTORY_LIMIT = 6 * 3600.0  # how far back "since when" is searched


@dataclass(frozen=True)
class AlertRule:
    """One Prometheus-style alerting rule."""

    name: str
    expr: str
    for_seconds: float
    labels: dict[str, str]
    summary: str
    description: str
    runbook: str

    def annotations(self, sample_labels: dict[str, str], value: float) -> dict[str, str]:
        """Annotations with ``{{ $labels.x }}`` and ``{{ $value }}`` filled in."""
        text = self.description.replace("{{ $value }}", f"{value:.3g}")
        for key, label in sample_labels.items():
            text = text.replace(f"{{{{ $labels.{key} }}}}", label)
        return {
            "summary": self.summary,
            "description": text,
            "runbook_url": f"{RUNBOOKS}/{self.runbook}",
            "dashboard_url": "https://grafana.example/d/progressive-agents",
        }


RULES: tuple[AlertRule, ...] = (
    AlertRule(
        "AgentUnresponsive",
        'up{job="progressive-agents"} == 0',
        60,
        {"severity": "critical", "team": "ai-team", "service": "context-agents"},
        "Context agent is unresponsive",
        "Agent {{ $labels.agent_type }} on {{ $labels.instance }} is down",
        "agent-unresponsive",
    ),
    AlertRule(
        "AgentHighErrorRate",
        "sum by (namespace, agent_type, agent_id, instance)"
        ' (rate(progressive_agent_requests_total{status="error"}[1m]))'
        " / sum by (namespace, agent_type, agent_id, instance)"
        " (rate(progressive_agent_requests_total[1m])) > 0.05",
        60,
        {"severity": "critical", "team": "ai-team", "service": "context-agents"},
        "Agent error ratio above 5%",
        "Agent {{ $labels.agent_id }} fails {{ $value }} of its requests",
        "agent-error-rate",
    ),
    AlertRule(
        "AgentHighLatency",
        "histogram_quantile(0.95, sum by (namespace, agent_type, agent_id, instance, le)"
        " (rate(progressive_agent_response_time_seconds_bucket[1m]))) > 0.5",
        60,
        {"severity": "warning", "team": "ai-team", "service": "context-agents"},
        "Agent p95 latency above 500ms",
        "Agent {{ $labels.agent_id }} p95 latency is {{ $value }}s",
        "agent-latency",
    ),
    AlertRule(
        "AgentMemoryHigh",
        'progressive_agent_memory_usage_bytes{job="progressive-agents"} > 1073741824',
        300,
        {"severity": "warning", "team": "ai-team", "service": "context-agents"},
        "Agent memory usage is high",
        "Agent {{ $labels.agent_id }} is using {{ $value }} bytes of memory",
        "agent-memory",
    ),
    AlertRule(
        "AgentQueueBacklog",
        "progressive_agent_queue_depth > 100",
        60,
        {"severity": "warning", "team": "ai-team", "service": "context-agents"},
        "Agent work queue is backing up",
        "Agent {{ $labels.agent_id }} has {{ $value }} queued tasks",
        "agent-queue",
    ),
    AlertRule(
        "HighErrorRate",
        'sum by (namespace) (rate(progressive_http_requests_total{status_code=~"5.."}[1m]))'
        " / sum by (namespace) (rate(progressive_http_requests_total[1m])) > 0.02",
        60,
        {"severity": "critical", "team": "development", "service": "core-application"},
        "Core API 5xx ratio above 2%",
        "The core API fails {{ $value }} of its requests",
        "high-error-rate",
    ),
    AlertRule(
        "PostgreSQLHighConnections",
        "sum by (namespace, instance) (pg_stat_activity_count)"
        " / on (namespace, instance) pg_settings_max_connections > 0.8",
        60,
        {"severity": "warning", "team": "database", "service": "postgresql"},
        "PostgreSQL connections above 80% of max_connections",
        "{{ $labels.instance }} uses {{ $value }} of its connection slots",
        "postgresql-connections",
    ),
    AlertRule(
        "Watchdog",
        "vector(1)",
        0,
        {"severity": "none", "team": "devops", "service": "monitoring"},
        "Alerting pipeline heartbeat",
        "Always firing, so a silent pager means a broken pipeline",
        "watchdog",
    ),
)


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

    def _grid(self, t: float) -> float:
        return math.floor(t / EVALUATION_INTERVAL) * EVALUATION_INTERVAL

    def _evaluate_uncached(self, rule_index: int, t: float) -> tuple[tuple[Labels, float], ...]:
        rule = self.rules[rule_index]
        value = self.engine.instant(rule.expr, t)
        if not isinstance(value, list):
            return ()
        samples = [s for s in value if isinstance(s, Sample)]
        return tuple((without_name(s.labels), s.value) for s in samples)

    def _true_at(self, rule_index: int, t: float) -> dict[Labels, float]:
        return dict(self._at(rule_index, self._grid(t)))

    def _active_since(self, rule_index: int, labels: Labels, t: float) -> float:
        since = self._grid(t)
        probe = since - EVALUATION_INTERVAL
        while t - probe <= HISTORY_LIMIT and labels in self._true_at(rule_index, probe):
            since = probe
            probe -= EVALUATION_INTERVAL
        return since

    def alerts(self, t: float) -> list[RuleAlert]:
        """Pending and firing alerts at ``t``, as Prometheus' rule manager would hold them."""
        out = []
        for index, rule in enumerate(self.rules):
            hold = rule.for_seconds / self.world.speed
            for labels, value in self._true_at(index, t).items():
                since = self._active_since(index, labels, t)
                state = "firing" if t - since >= hold else "pending"
                full = {**dict(labels), "alertname": rule.name, **rule.labels}
                full.setdefault("namespace", NAMESPACE)
                out.append(
                    RuleAlert(
                        rule, full, rule.annotations(full, value), state, since, value, fingerprint(full)
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
            base = {**dict(labels), "alertname": name, **rule.labels}
            base.setdefault("namespace", NAMESPACE)
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
