"""``packs doctor``: run every query of a pack against the live backends and, for each that returns
nothing, say why and what to set.

A query is taken apart into its series selectors (``promql-parser``); each selector is checked
against Prometheus' metadata APIs: does the metric exist (else the names that look like it), does
each matcher alone select anything (else: the label is missing and another label holds the value,
or the label's values are listed), do the matchers select something together, and does a ranged
selector hold two samples. Where a label name or value came from a pack variable, the fix is the
``--var`` that changes it (the selector checks are in :mod:`~opsconsole.refresh.selector_diagnosis`,
the report in :mod:`~opsconsole.refresh.doctor_report`). Alerts and logs are checked the same way
against Alertmanager and Loki.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import InstantSample, QueryResult
from opsconsole.core.alert_matchers import LabelMatcher, parse_matchers
from opsconsole.core.promql_text import parse_tree, selector_parts, walk
from opsconsole.packs.render import ENTITY_PLACEHOLDERS, PackQuery, pack_queries, pack_values
from opsconsole.packs.schema import QueryPack
from opsconsole.packs.variables import expand
from opsconsole.refresh.doctor_report import DoctorReport, Finding, QueryCheck
from opsconsole.refresh.queries import PackQueries
from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache
from opsconsole.refresh.selector_diagnosis import (
    LOOKBACK,
    PROBE_WINDOW,
    PromMetadata,
    absent_label_warnings,
    diagnose_selector,
    ranged_findings,
    shown,
    variable_for,
)

PANE_OF = {"health": "health", "saturation": "saturation", "red": "red", "slos": "slo", "logs": "logs"}


def _pane(query_id: str) -> str:
    return PANE_OF.get(query_id.split(".", 1)[0], query_id.split(".", 1)[0])


def _zero_is_healthy(query_id: str) -> bool:
    """Error and bad-event counts: no series means nothing failed yet (the console shows 0)."""
    return query_id.endswith((".errors", ".bad"))


async def check_query(
    meta: PromMetadata,
    query_id: str,
    text: str,
    source: str,
    values: Mapping[str, str],
    row_labels: Sequence[str] = (),
    variable_metrics: Mapping[str, frozenset[str]] | None = None,
    *,
    explain: bool = True,
) -> QueryCheck:
    """Run one query; when it returns nothing, find out why (unless not ``explain``: then only
    what decides the verdict is checked, as `opsconsole check` does). ``row_labels``: the labels
    that name the rows this query makes (the first a series carries), checked on the series it
    returns. ``variable_metrics``: per pack variable, the metrics the pack reads with it."""
    check = QueryCheck(query_id, _pane(query_id), text, False, zero_is_healthy=False)
    try:
        result = await meta.prometheus.query(text, meta.now)
    except BackendError as exc:
        check.error = exc.message
        return check
    check.has_data = (result.scalar is not None and not math.isnan(result.scalar[1])) or any(
        s.value is not None and not math.isnan(s.value) for s in result.vector
    )
    try:
        await _look_closer(meta, check, result, source, values, row_labels, variable_metrics, explain=explain)
    except BackendError as exc:
        # The query answered; a question about its labels or series did not. Said, never a crash,
        # and the verdict stays the query's own answer.
        shape = exc.kind in (FailureKind.WRONG_SHAPE, FailureKind.MALFORMED)
        check.findings.append(
            Finding(
                f"the doctor could not finish looking at this query: {exc.message}",
                "run it again; if this comes back, something between here and Prometheus answers "
                "its metadata APIs in another shape (a proxy?)"
                if shape
                else "run it again once `opsconsole check` says Prometheus answers",
                kind="unfinished",
            )
        )
    return check


async def _look_closer(
    meta: PromMetadata,
    check: QueryCheck,
    result: QueryResult,
    source: str,
    values: Mapping[str, str],
    row_labels: Sequence[str],
    variable_metrics: Mapping[str, frozenset[str]] | None,
    *,
    explain: bool,
) -> None:
    """What :func:`check_query` asks after the query: whether the data is the right data, and
    why there is none."""
    text = check.text
    if check.has_data:
        if row_labels:
            await _check_row_labels(meta, check, result.vector, row_labels)
        # Data, but is it the right data? A matcher that accepts a missing label filters nothing
        # when the label is missing everywhere (another namespace would be mixed in).
        for parts in selector_parts(text):
            if any(m.matches("") for m in parts.label_matchers):
                check.findings += await absent_label_warnings(meta, parts, source, values)
        return
    check.zero_is_healthy = _zero_is_healthy(check.query_id)
    if not explain:
        return
    for parts in selector_parts(text):
        check.findings += await diagnose_selector(
            meta,
            parts,
            source,
            values,
            counts_failures=check.zero_is_healthy,
            variable_metrics=variable_metrics,
        )
    if check.zero_is_healthy:
        # No error series is the healthy case; only a label whose values can never match is news
        # (status holds "success"/"error" where the pack counts "5..").
        check.findings = [f for f in check.findings if f.kind == "values"]
        return
    if not any(f.kind == "empty" or f.kind == "values" for f in check.findings):
        check.findings += await ranged_findings(meta, text, source)
    if not check.findings:
        tree = parse_tree(text)
        combined = tree is not None and any(type(n).__name__ == "BinaryExpr" for n in walk(tree))
        check.findings.append(
            Finding(
                "every selector has series, but the expression combines them into nothing "
                "(binary operators need series with matching labels)"
                if combined
                else "every selector has series, but the expression returns nothing from them"
            )
        )


async def _check_row_labels(
    meta: PromMetadata, check: QueryCheck, series: Sequence[InstantSample], row_labels: Sequence[str]
) -> None:
    """When no series the query returns carries a label naming a row, say so (the console's
    health pane shows no row; a RED group sums every series into one)."""
    if any(label in s.metric for s in series for label in row_labels):
        return
    wanted = ", ".join(f"`{label}`" for label in row_labels)
    carried = sorted(
        {label for parts in selector_parts(check.text) for label in await meta.labels(parts.text())}
        - {"__name__", "le"}
    )
    check.names_no_row = True
    if check.pane == "health":
        problem = f"no `up` series carries {wanted}: the health pane shows no row"
        fix = f"set health.entity.instance_label to a label they carry ({', '.join(carried)})"
    else:
        problem = f"no series carries {wanted}, the group's `by`: every series is summed into one row"
        fix = (
            f"set the group's `by` (and its queries' `by (...)`) to labels they carry ({', '.join(carried)})"
        )
    check.findings.append(Finding(problem, fix, kind="rows"))


async def _check_alerts(
    report: DoctorReport, pack: QueryPack, values: Mapping[str, str], peers: Sequence[AlertmanagerClient]
) -> None:
    matchers: list[LabelMatcher] = [
        m for text in pack.alerts.matchers for m in parse_matchers(expand(text, values))
    ]
    alerts = []
    for peer in peers:
        try:
            alerts += await peer.alerts()
        except BackendError as exc:
            report.alerts.append(f"Alertmanager {peer.name}: {exc.message}")
    firing = [a for a in alerts if not a.silenced and not a.inhibited]
    mine = [a for a in firing if all(m.matches(a.labels) for m in matchers)]
    report.alerts.append(
        f"{len(firing)} firing in Alertmanager, {len(mine)} selected by the pack's matchers"
        + (f" ({', '.join(str(m) for m in matchers)})" if matchers else "")
    )
    if firing and not mine:
        report.alerts_empty = True
    for matcher in matchers:
        left_out = [a for a in firing if not matcher.matches(a.labels)]
        if not left_out:
            continue
        carrying = sorted({a.labels.get(matcher.name, "") for a in firing} - {""})
        if not carrying:
            detail = f"no firing alert carries `{matcher.name}`"
        else:
            detail = f"`{matcher.name}` values on firing alerts: {shown(carrying)}"
        report.alerts.append(f"{matcher} leaves out {len(left_out)} of {len(firing)}: {detail}")


async def _check_logs(
    report: DoctorReport, pack: QueryPack, values: Mapping[str, str], loki: LokiClient | None, now: float
) -> None:
    logs = pack.logs
    if logs is None:
        report.logs.append("the pack has no logs section")
        return
    if logs.unavailable:
        report.logs.append(f"not in Loki, by the pack's word: {logs.unavailable}")
        return
    if loki is None:
        report.logs.append("no Loki configured for this context")
        return
    query = expand(f"{logs.selector} {logs.pipeline}".strip(), values)
    start_ns, end_ns = int((now - LOOKBACK) * 1e9), int(now * 1e9)
    try:
        result = await loki.query_range(query, start_ns, end_ns, limit=1)
    except BackendError as exc:
        report.logs.append(f"{query}: {exc.message}")
        report.logs_empty = True
        return
    if result.entries:
        report.logs.append(f"{query}: lines in the last hour")
        return
    report.logs_empty = True
    report.logs.append(f"{query}: no lines in the last hour")
    try:
        labels = await loki.labels(start_ns, end_ns)
    except BackendError:
        return
    for m in parse_matchers(expand(logs.selector or "", values)):
        if m.matches({}):
            continue  # it also accepts streams without the label
        if m.name not in labels:
            report.logs.append(f"Loki has no label `{m.name}` (labels: {shown(labels, 12)})")
            continue
        try:
            present = await loki.label_values(m.name, start_ns, end_ns)
        except BackendError as exc:
            report.logs.append(f"Loki's `{m.name}` values could not be read: {exc.message}")
            continue
        if not any(m.matches({m.name: v}) for v in present):
            report.logs.append(f"Loki's `{m.name}` values are {shown(present)}, none matches {m}")


async def diagnose(
    pack: QueryPack,
    prometheus: PrometheusClient,
    overrides: Mapping[str, str] | None = None,
    *,
    alertmanagers: Sequence[AlertmanagerClient] = (),
    loki: LokiClient | None = None,
    now: float,
    explain: bool = True,
    refresh_interval: float = 5.0,
) -> DoctorReport:
    """Every PromQL query of ``pack`` checked at ``now``, its ``$rate_window`` the console's at
    ``refresh_interval``, then the alert matchers and the log selector. Without ``explain`` (for
    `opsconsole check`), a query that returns nothing is not asked why; everything that decides
    the verdict (:attr:`DoctorReport.failed`) is checked all the same, so both say the same."""
    values = pack_values(pack, overrides)
    report = DoctorReport(pack.name)
    meta = PromMetadata(prometheus, now)
    # $rate_window as the console derives it from this server's scrape intervals: the doctor
    # checks the very text the panes run (a fixed 1m said a 1m-scraped job had no data).
    texts = PackQueries(
        pack, overrides or {}, refresh_interval=refresh_interval, scrape_intervals=ScrapeIntervalCache()
    )
    await texts.update_intervals_of(prometheus, now)
    expanded = []
    for query in pack_queries(pack):
        if query.language != "promql":
            continue
        extra = {"window": PROBE_WINDOW} if "window" in query.runtime_variables else {}
        extra.update({k: v for k, v in ENTITY_PLACEHOLDERS.items() if k in query.runtime_variables})
        window = texts.rate_window(query.id, None, **extra)
        scoped = {**values, "rate_window": window.text, **extra}
        expanded.append((query, texts.text(query.id, None, **extra), scoped))
    by_variable = _variable_metrics(expanded)
    jobs = [
        check_query(
            meta,
            query.id,
            text,
            query.source,
            scoped,
            _row_labels(pack, query.id),
            by_variable,
            explain=explain,
        )
        for query, text, scoped in expanded
    ]
    report.checks = list(await asyncio.gather(*jobs))
    await _check_alerts(report, pack, values, alertmanagers)
    await _check_logs(report, pack, values, loki, now)
    return report


def _variable_metrics(
    expanded: Sequence[tuple[PackQuery, str, Mapping[str, str]]],
) -> dict[str, frozenset[str]]:
    """Per pack variable, the metrics the pack reads with it (a selector whose label name or value
    came from the variable): `$loki_job` selects `loki_*` series, whatever `up` it also asks."""
    found: dict[str, set[str]] = {}
    for query, text, scoped in expanded:
        for parts in selector_parts(text):
            names = parts.metric_names
            if not names:
                continue
            for matcher in parts.label_matchers:
                for variable in {
                    variable_for(matcher.name, query.source, scoped),
                    variable_for(matcher.value, query.source, scoped),
                } - {None}:
                    found.setdefault(str(variable), set()).update(names)
    return {variable: frozenset(names) for variable, names in found.items()}


def _row_labels(pack: QueryPack, query_id: str) -> tuple[str, ...]:
    """The labels naming the rows ``query_id`` makes: health.up's entity, a RED group's ``by``."""
    if query_id == "health.up" and pack.health is not None:
        return pack.health.entity.instance_labels
    kind, _, rest = query_id.partition(".")
    group, _, part = rest.rpartition(".")
    if kind == "red" and part == "rate" and pack.red is not None and group in pack.red.groups:
        return tuple(pack.red.groups[group].by)
    return ()
