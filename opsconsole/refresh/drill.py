"""Drill-downs behind the panes: one row's or entity's charts, alerts, logs and queries; an SLO's
budget over its window; an alert's every field and firing spells. Each asks the backends itself,
with the same query texts the panes use, so a chart shows exactly the numbers its row shows."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.core.alert_history import AlertHistory, alert_history
from opsconsole.core.dashboard import AlertView, BudgetHistory, Dashboard, Detail, LogRow
from opsconsole.core.durations import parse_duration, prometheus_duration
from opsconsole.core.promql_strings import promql_string
from opsconsole.core.query_step import align, choose_step
from opsconsole.core.row_keys import first_label
from opsconsole.core.slo import budget_burndown
from opsconsole.packs.links import pack_links
from opsconsole.packs.schema import HistogramDuration
from opsconsole.refresh.backend_health import error_text, next_step, what_to_do
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.log_tail import entry_row
from opsconsole.refresh.panes.samples import points
from opsconsole.refresh.queries import PackQueries
from opsconsole.refresh.slo_plans import SloPlan

NS = 1_000_000_000
DETAIL_POINTS = 120
HISTORY_POINTS = 240


@dataclass(frozen=True)
class DrillContext:
    """What a drill-down reads besides the backends: the range, the last board and recent logs."""

    now: float
    range_seconds: float
    last: Dashboard | None
    recent_logs: Sequence[LogRow]


class DrillDown:
    """The drill-downs of one context's pack."""

    def __init__(self, queries: PackQueries, backends: BackendSet, clock: Callable[[], float]) -> None:
        self.queries = queries
        self.pack = queries.pack
        self.backends = backends
        self.clock = clock

    def links(
        self, labels: Mapping[str, str], *, entity: str | None = None, entity_type: str | None = None
    ) -> list[tuple[str, str]]:
        """The pack's runbook and dashboard links for an alert's labels or an entity."""
        return pack_links(self.pack, self.queries.values, labels, entity=entity, entity_type=entity_type)

    async def detail(
        self, ctx: DrillContext, *, group: str | None, labels: Mapping[str, str], entity: str | None = None
    ) -> Detail:
        """Charts, alerts, logs and queries for one RED row (``group`` + ``labels``) or one entity.

        Series are picked from the pack's own group queries by label, so the chart shows exactly the
        numbers the pane shows, and the queries listed are the ones that produced them.
        """
        now = ctx.now
        title = " ".join([*labels.values(), *([entity] if entity else [])]) or (group or "")
        detail = Detail(title=title, range_seconds=ctx.range_seconds)
        prom = self.backends.prometheus
        step = choose_step(now - ctx.range_seconds, now, DETAIL_POINTS)
        start, end = align(now - ctx.range_seconds, now, step)

        async def chart(
            name: str,
            qid: str,
            legend: str,
            wanted: Mapping[str, str],
            unit: str,
            suffix: str = "",
            identity: Sequence[str] = (),
        ) -> None:
            assert prom is not None
            text = self.queries.text(qid, step)
            window = self.queries.rate_window(qid, step)
            note = f"# {window.describe()}\n" if self.queries.uses_rate_window(qid) else ""
            detail.queries[f"{name} {legend}".strip()] = note + text
            detail.units[name] = unit
            try:
                result = await prom.query_range(text, start, end, step)
            except BackendError as exc:
                detail.errors.append(f"{qid}: {exc.message}")
                return
            for series in result.matrix:
                if identity:
                    # An entity is named by the first of the pack's identity labels a series has.
                    found = first_label(series.metric, identity)
                    if found is None or found[1] != entity:
                        continue
                    label = entity or qid
                elif not all(series.metric.get(k, "") == v for k, v in wanted.items()):
                    continue
                else:
                    label = legend or " ".join(series.metric.get(k, "") for k in wanted) or qid
                detail.charts.setdefault(name, []).append((label + suffix, list(series.values)))

        jobs = []
        red = self.pack.red
        if prom is not None and red is not None:
            for name, spec in red.groups.items():
                wanted = {k: labels[k] for k in spec.by if k in labels}
                if group is not None and name != group:
                    continue
                if group is None and (not spec.by or len(wanted) != len(spec.by)):
                    continue
                dur_unit = spec.duration.unit if isinstance(spec.duration, HistogramDuration) else "s"
                # The pack aggregates RED per group row; for one instance say so rather than pretend.
                suffix = " (all instances)" if entity else ""
                jobs.append(chart("rate", f"red.{name}.rate", "", wanted, spec.rate.unit, suffix))
                jobs.append(chart("errors", f"red.{name}.errors", "", wanted, spec.errors.unit, suffix))
                jobs += [
                    chart("latency", f"red.{name}.{q}", q, wanted, dur_unit, suffix)
                    for q in ("p50", "p95", "p99")
                ]
                break
        health = self.pack.health
        if prom is not None and health is not None and entity is not None:
            identity = health.entity.instance_labels
            for signal, signal_spec in health.signals.items():
                qid = f"health.signals.{signal}"
                jobs.append(
                    chart(signal_spec.display or signal, qid, "", {}, signal_spec.unit, identity=identity)
                )
        await asyncio.gather(*jobs)
        # Completion order is arbitrary; show charts (and their series) in the order they were asked.
        order = {name: i for i, name in enumerate(detail.units)}
        detail.charts = {
            name: sorted(series, key=lambda s: s[0])
            for name, series in sorted(detail.charts.items(), key=lambda kv: order.get(kv[0], 99))
        }
        if ctx.last is not None:
            for grp in ctx.last.alerts:
                for alert in grp.alerts:
                    hit = entity is not None and alert.entity == entity
                    hit = hit or (not entity and all(alert.labels.get(k) == v for k, v in labels.items()))
                    if hit:
                        detail.alerts.append(alert)
        detail.logs = await self._entity_logs(ctx, entity, labels, detail)
        entity_type = _first(labels, health.entity.type_labels) if health is not None else None
        detail.links = self.links(labels, entity=entity, entity_type=entity_type)
        return detail

    async def slo_history(self, plan: SloPlan | None, name: str, points_wanted: int = 60) -> BudgetHistory:
        """Budget left across the SLO's window (see :class:`BudgetHistory`), in ``points`` steps."""
        prom = self.backends.prometheus
        if prom is None:
            missing = BackendError("prometheus", FailureKind.NOT_CONFIGURED, "no Prometheus configured")
            return _failed_history(missing)
        if plan is None:  # the pack or the discovered rules changed since the screen was opened
            return BudgetHistory((), (), "burndown", error=f"no SLO {name!r} any more: esc, then :slo")
        now = self.clock()
        window = parse_duration(plan.window)
        # Whole-second steps on a grid of their own multiples: Prometheus (and the client, which
        # rounds start and end to seconds) answer exactly at these instants, so every point is found.
        step = float(math.ceil(max(window / points_wanted, 60.0)))
        start, now = align(now - window + step, now, step)
        times = tuple(start + i * step for i in range(points_wanted + 1) if start + i * step <= now)
        try:
            if "error_ratio" in plan.templates or plan.per_window:
                text = plan.texts(plan.window).get("error_ratio", "")
                ratios = points(await prom.query_range(text, start, now, step), times)
                budget = 1.0 - plan.objective
                remaining = tuple(None if r is None else 1.0 - r / budget for r in ratios)
                return BudgetHistory(times, remaining, "rolling")
            texts = plan.texts(prometheus_duration(step))
            parts = dict(
                zip(
                    texts,
                    await asyncio.gather(*(prom.query_range(t, start, now, step) for t in texts.values())),
                    strict=True,
                )
            )
        except BackendError as exc:
            return _failed_history(exc)
        total = points(parts["total"], times)
        if "bad" in parts:
            bad = points(parts["bad"], times)
        else:
            good = points(parts["good"], times)
            bad = [None if g is None or t is None else t - g for g, t in zip(good, total, strict=True)]
        return BudgetHistory(times, tuple(budget_burndown(bad, total, plan.objective)), "burndown")

    async def alert_fields(self, ctx: DrillContext, alert: AlertView) -> list[tuple[str, str]]:
        """Every field of one alert: state, firing history, silences, inhibitors, labels, links.

        Only the history is asked for (from Prometheus); when that fails its row says why and the
        rest is shown all the same: the labels matter most when Prometheus is the thing down.
        """
        try:
            history = await self.alert_history(alert.labels, ctx.range_seconds)
        except BackendError as exc:
            step = what_to_do(exc)
            told = f"⚠ not loaded: {error_text(exc)}" + (f" · {step}" if step else "")
        else:
            told = history.describe() if history else "no Prometheus to ask for ALERTS"
        silences = "; ".join(v.describe(ctx.now) for v in alert.silences) or ", ".join(alert.silenced_by)
        fields = [
            ("state", alert.state),
            ("started", datetime.fromtimestamp(alert.starts_at, UTC).isoformat(timespec="seconds")),
            ("history", told),
            ("silenced by", silences or "—"),
            ("inhibited by", _inhibitors(alert, ctx.last) or "—"),
            ("receivers", ", ".join(alert.receivers) or "—"),
            ("from", alert.source + (f" (cluster {alert.cluster})" if alert.cluster else "")),
            ("fingerprint", alert.fingerprint),
        ]
        fields += [(f"label {k}", v) for k, v in sorted(alert.labels.items())]
        fields += [(k, v) for k, v in sorted(alert.annotations.items())]
        links = self.links(alert.labels, entity=alert.entity, entity_type=alert.entity_type)
        return fields + [(f"{name} (pack)", url) for name, url in links]

    async def alert_history(self, labels: Mapping[str, str], range_seconds: float) -> AlertHistory | None:
        """Firing spells of the alert with ``labels`` over the range, from ``ALERTS``; None without a
        Prometheus. A Prometheus that fails raises its :class:`BackendError` (never "not firing")."""
        prom = self.backends.prometheus
        if prom is None:
            return None
        now = self.clock()
        step = choose_step(now - range_seconds, now, HISTORY_POINTS)
        start, end = align(now - range_seconds, now, step)
        name = promql_string(labels.get("alertname", ""))
        query = f'ALERTS{{alertname={name}, alertstate="firing"}}'
        result = await prom.query_range(query, start, end, step)

        # Alertmanager may hold extra (external) labels: a series is this alert when every label
        # it has (but alertstate) agrees with the alert's.
        def same_alert(metric: Mapping[str, str]) -> bool:
            return all(labels.get(k) == v for k, v in metric.items() if k not in ("__name__", "alertstate"))

        found = sorted(p for series in result.matrix if same_alert(series.metric) for p in series.values)
        return alert_history(found, step, range_seconds)

    async def _entity_logs(
        self, ctx: DrillContext, entity: str | None, labels: Mapping[str, str], detail: Detail
    ) -> list[LogRow]:
        logs = self.pack.logs
        loki = self.backends.loki
        if entity and logs is not None and logs.selector and logs.entity_selector and loki is not None:
            health = self.pack.health
            entity_type = (_first(labels, health.entity.type_labels) or "") if health else ""
            text = self.queries.text("logs.entity", entity=entity, entity_type=entity_type)
            detail.queries["logs"] = text
            try:
                result = await loki.query_range(
                    text, int((ctx.now - ctx.range_seconds) * NS), int(ctx.now * NS) + 1, limit=100
                )
            except BackendError as exc:
                detail.errors.append(f"logs: {exc.message}")
            else:
                detail.errors.extend(f"logs: Loki warns: {w}" for w in result.warnings)
                return [entry_row(e, logs.fields) for e in sorted(result.entries, key=lambda e: e.ts_ns)]
        wanted = {entity} if entity else set(labels.values())
        return [
            row
            for row in ctx.recent_logs
            if row.entity in wanted or any(row.fields.get(k) == v for k, v in labels.items())
        ][-100:]


def _inhibitors(alert: AlertView, last: Dashboard | None) -> str:
    """``inhibitedBy`` fingerprints as the alerts they are (name and entity), when still on the board."""
    known = {a.fingerprint: a for g in (last.alerts if last else []) for a in g.alerts}
    names = []
    for fingerprint in alert.inhibited_by:
        source = known.get(fingerprint)
        names.append(f"{source.alertname} {source.entity or ''}".strip() if source else fingerprint)
    return ", ".join(names)


def _first(labels: Mapping[str, str], names: Sequence[str]) -> str | None:
    found = first_label(labels, names)
    return found[1] if found else None


def _failed_history(exc: BackendError) -> BudgetHistory:
    """No history: what failed, and what to do when asking again (r) cannot mend it."""
    step = next_step(exc)
    error = f"{error_text(exc)} · {step}" if step else error_text(exc)
    return BudgetHistory((), (), "burndown", error=error, retry=exc.retryable)
