"""``packs doctor``: run every query of a pack against the live backends and, for each that returns
nothing, say why and what to set.

A query is taken apart into its series selectors (``promql-parser``); each selector is checked
against Prometheus' metadata APIs: does the metric exist (else the names that look like it), does
each matcher alone select anything (else: the label is missing and another label holds the value,
or the label's values are listed), do the matchers select something together, and does a ranged
selector hold two samples. Where a label name or value came from a pack variable, the fix is the
``--var`` that changes it. Alerts and logs are checked the same way against Alertmanager and Loki.
"""

from __future__ import annotations

import asyncio
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.errors import BackendError
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.core.alert_matchers import LabelMatcher, parse_matchers
from opsconsole.core.promql_text import SelectorMatcher, SelectorParts, selector_parts
from opsconsole.packs.render import ENTITY_PLACEHOLDERS, pack_queries, pack_values
from opsconsole.packs.schema import QueryPack
from opsconsole.packs.variables import expand, variables_in

LOOKBACK = 3600.0  # how far back the metadata APIs are asked (a target may have just been scraped)
PROBE_WINDOW = "1h"  # SLO queries are checked over this window ($window)
PANE_OF = {"health": "health", "saturation": "saturation", "red": "red", "slos": "slo", "logs": "logs"}
MAX_LABELS_SEARCHED = 40


@dataclass(frozen=True)
class Finding:
    """Why a query (or one of its selectors) returns nothing, and what would fix it."""

    problem: str
    fix: str = ""
    selector: str = ""
    # empty: why nothing comes back; values: the label is there, no value matches; unfiltered:
    # data, but a matcher selects by a label no series has, so it leaves nothing out.
    kind: str = "empty"


@dataclass
class QueryCheck:
    """One pack query: its text, whether it returned data, and why not."""

    query_id: str
    pane: str
    text: str
    has_data: bool
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    zero_is_healthy: bool = False  # an error-count query: no series is 0 errors, not a gap


@dataclass
class DoctorReport:
    """Everything the doctor found, per pane."""

    pack: str
    checks: list[QueryCheck] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    alerts_empty: bool = False
    logs: list[str] = field(default_factory=list)
    logs_empty: bool = False

    def answered(self, check: QueryCheck) -> bool:
        """It returned data, or it counts errors and its pane has traffic (no error series is 0)."""
        if check.has_data:
            return True
        return check.zero_is_healthy and any(c.has_data for c in self.checks if c.pane == check.pane)

    def pane_counts(self) -> dict[str, tuple[int, int]]:
        """Pane → (queries returning data, queries)."""
        out: dict[str, tuple[int, int]] = {}
        for check in self.checks:
            good, total = out.get(check.pane, (0, 0))
            out[check.pane] = (good + self.answered(check), total + 1)
        return out

    def empty_panes(self) -> list[str]:
        """Panes that would show nothing."""
        empty = [pane for pane, (good, total) in self.pane_counts().items() if total and not good]
        if self.alerts_empty:
            empty.append("alerts")
        if self.logs_empty:
            empty.append("logs")
        return empty

    def unfiltered(self) -> list[Finding]:
        """Matchers that select by a label no series has: the data is there, but mixed."""
        return [f for c in self.checks for f in c.findings if f.kind == "unfiltered"]

    @property
    def failed(self) -> bool:
        """A pane would be empty, or would mix in what the pack means to leave out."""
        return bool(self.empty_panes() or self.unfiltered())

    def fixes(self) -> list[str]:
        """Every distinct proposed fix, in the order found."""
        seen: list[str] = []
        for check in self.checks:
            for finding in check.findings:
                if finding.fix and finding.fix not in seen:
                    seen.append(finding.fix)
        return seen


def _pane(query_id: str) -> str:
    return PANE_OF.get(query_id.split(".", 1)[0], query_id.split(".", 1)[0])


def _zero_is_healthy(query_id: str) -> bool:
    """Error and bad-event counts: no series means nothing failed yet (the console shows 0)."""
    return query_id.endswith((".errors", ".bad"))


class _Metadata:
    """Prometheus' metadata APIs, each answer asked once per doctor run."""

    def __init__(self, prometheus: PrometheusClient, now: float) -> None:
        self.prometheus = prometheus
        self.start, self.end = now - LOOKBACK, now
        self.now = now
        self._names: list[str] | None = None
        self._labels: dict[str, list[str]] = {}
        self._values: dict[tuple[str, str], list[str]] = {}
        self._counts: dict[str, int] = {}

    async def metric_names(self) -> list[str]:
        """Every metric name seen in the last hour."""
        if self._names is None:
            self._names = await self.prometheus.label_values("__name__", self.start, self.end)
        return self._names

    async def labels(self, selector: str) -> list[str]:
        """Label names of the series ``selector`` selects."""
        if selector not in self._labels:
            self._labels[selector] = await self.prometheus.labels(self.start, self.end, [selector])
        return self._labels[selector]

    async def values(self, label: str, selector: str) -> list[str]:
        """Values of ``label`` on the series ``selector`` selects."""
        key = (label, selector)
        if key not in self._values:
            self._values[key] = await self.prometheus.label_values(label, self.start, self.end, [selector])
        return self._values[key]

    async def count(self, selector: str) -> int:
        """Series ``selector`` selected in the last hour."""
        if selector not in self._counts:
            try:
                result = await self.prometheus.query(
                    f"count(last_over_time({selector}[{PROBE_WINDOW}]))", self.now
                )
            except BackendError:
                self._counts[selector] = 0
            else:
                found = [s.value for s in result.vector if s.value is not None and not math.isnan(s.value)]
                self._counts[selector] = int(found[0]) if found else 0
        return self._counts[selector]


def _variable_for(text: str, source: str, values: Mapping[str, str]) -> str | None:
    """The pack variable whose value is ``text`` (or is inside it), among those ``source`` uses."""
    used = variables_in(source)
    exact = [name for name in used if values.get(name) == text]
    if exact:
        return exact[0]
    inside = [name for name in used if values.get(name) and values[name] in text]
    return max(inside, key=lambda n: len(values[n])) if inside else None


def _shown(values: Sequence[str], limit: int = 8) -> str:
    more = f", … ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


async def _diagnose_selector(
    meta: _Metadata, parts: SelectorParts, source: str, values: Mapping[str, str]
) -> list[Finding]:
    """Why ``parts`` selects nothing (empty when it selects series)."""
    selector = parts.text()
    names = parts.metric_names
    if names is None:
        for matcher in parts.matchers:
            if matcher.name == "__name__" and matcher.op == "=~":
                names = tuple(n for n in await meta.metric_names() if re.fullmatch(matcher.value, n))
                if not names:
                    close = difflib.get_close_matches(
                        matcher.value, await meta.metric_names(), n=5, cutoff=0.5
                    )
                    hint = f"; similar names: {', '.join(close)}" if close else ""
                    return [Finding(f"no metric name matches `{matcher.value}`{hint}", selector=selector)]
    if names:
        known = set(await meta.metric_names())
        if not any(n in known for n in names):
            close = difflib.get_close_matches(names[0], sorted(known), n=5, cutoff=0.6)
            hint = f"; similar names: {', '.join(close)}" if close else "; no similar name either"
            return [
                Finding(f"metric `{names[0]}` does not exist in this Prometheus{hint}", selector=selector)
            ]
    if await meta.count(selector) > 0:
        return await _absent_label_warnings(meta, parts, source, values)
    base = parts.text(tuple(m for m in parts.matchers if m.name == "__name__"))
    findings: list[Finding] = []
    for matcher in parts.label_matchers:
        alone = parts.text((*(m for m in parts.matchers if m.name == "__name__"), matcher))
        if await meta.count(alone) > 0:
            continue
        findings.append(await _why_matcher_fails(meta, base, matcher, source, values, selector))
    if findings:
        return findings
    # Each matcher selects something, but not together: say which two never meet.
    label_matchers = parts.label_matchers
    for i, first in enumerate(label_matchers):
        for second in label_matchers[i + 1 :]:
            pair = parts.text((*(m for m in parts.matchers if m.name == "__name__"), first, second))
            if await meta.count(pair) == 0:
                return [
                    Finding(
                        f"series with {first} exist and series with {second} exist, but none has both",
                        selector=selector,
                    )
                ]
    return [Finding("the matchers select nothing together", selector=selector)]


async def _why_matcher_fails(
    meta: _Metadata,
    base: str,
    matcher: SelectorMatcher,
    source: str,
    values: Mapping[str, str],
    selector: str,
) -> Finding:
    labels = [label for label in await meta.labels(base) if label not in ("__name__", "le")]
    label_variable = _variable_for(matcher.name, source, values)
    value_variable = _variable_for(matcher.value, source, values)
    of_what = f"`{base}`" if base != "{}" else "the series"
    if matcher.name not in labels:
        holders = []
        for label in labels[:MAX_LABELS_SEARCHED]:
            found = [v for v in await meta.values(label, base) if matcher.matches(v)]
            if found:
                holders.append((label, found))
        if not holders:
            return Finding(
                f"no series of {of_what} has label `{matcher.name}` (its labels: {_shown(labels, 12)})",
                selector=selector,
            )
        label, found = max(
            holders, key=lambda h: (difflib.SequenceMatcher(None, h[0], matcher.name).ratio(), len(h[1]))
        )
        every = await meta.values(label, base)
        fix = (
            f"--var {label_variable}={label}"
            if label_variable
            else f"the pack filters on `{matcher.name}`: edit it to `{label}` "
            f"(or relabel to `{matcher.name}`)"
        )
        return Finding(
            f"no series of {of_what} has label `{matcher.name}`; it has `{label}` (values: {_shown(every)})",
            fix,
            selector,
        )
    present = await meta.values(matcher.name, base)
    want = f'{matcher.op}"{matcher.value}"'
    problem = f"`{matcher.name}` values are {_shown(present)}, none matches {want}"
    if value_variable:
        suggestion = present[0] if len(present) == 1 else "|".join(present[:3])
        return Finding(problem, f"--var {value_variable}={suggestion}", selector, "values")
    edit = f"the pack asks for {matcher.name}{want}: edit it to one of these values"
    return Finding(problem, edit, selector, "values")


async def _absent_label_warnings(
    meta: _Metadata, parts: SelectorParts, source: str, values: Mapping[str, str]
) -> list[Finding]:
    """A matcher that also accepts "no such label" (``=~"x|"``) filters nothing when no series has
    the label: say so, with the label that holds the value instead."""
    out = []
    base = parts.text(tuple(m for m in parts.matchers if m.name == "__name__"))
    labels = await meta.labels(parts.text())
    for matcher in parts.label_matchers:
        if matcher.name in labels or not matcher.matches(""):
            continue
        others = [label for label in await meta.labels(base) if label not in ("__name__", "le")]
        holders = []
        for label in others[:MAX_LABELS_SEARCHED]:
            found = [v for v in await meta.values(label, base) if v and matcher.matches(v)]
            if found:
                holders.append((label, found))
        if not holders:
            continue
        label, _ = holders[0]
        every = await meta.values(label, base)
        variable = _variable_for(matcher.name, source, values)
        fix = f"--var {variable}={label}" if variable else ""
        out.append(
            Finding(
                f"{matcher} filters nothing here: no series has `{matcher.name}`; the value is in "
                f"`{label}` (values: {_shown(every)}), and those other values are not left out",
                fix,
                parts.text(),
                "unfiltered",
            )
        )
    return out


async def _ranged_findings(meta: _Metadata, text: str) -> list[Finding]:
    """Ranged selectors whose series are scraped less often than their range (rate() needs two
    samples in it): at most one sample in the range though two or more in four times it."""
    out = []
    for parts in selector_parts(text):
        if parts.range_seconds is None:
            continue
        window, wider = f"{parts.range_seconds:g}s", f"{parts.range_seconds * 4:g}s"
        try:
            narrow = await meta.prometheus.query(f"max(count_over_time({parts.text()}[{window}]))", meta.now)
            broad = await meta.prometheus.query(f"max(count_over_time({parts.text()}[{wider}]))", meta.now)
        except BackendError:
            continue
        few = [s.value for s in narrow.vector if s.value is not None]
        many = [s.value for s in broad.vector if s.value is not None]
        if (not few or few[0] < 2) and many and many[0] >= 2:
            out.append(
                Finding(
                    f"{parts.text()} has fewer than two samples in [{window}]: it is scraped less often "
                    "than that, and rate() needs two samples in its range",
                    "--var rate_window=<at least four scrape intervals, e.g. 4m for a 1m scrape>",
                    parts.text(),
                )
            )
    return out


async def check_query(
    meta: _Metadata, query_id: str, text: str, source: str, values: Mapping[str, str]
) -> QueryCheck:
    """Run one query; when it returns nothing, find out why."""
    check = QueryCheck(query_id, _pane(query_id), text, False, zero_is_healthy=False)
    try:
        result = await meta.prometheus.query(text, meta.now)
    except BackendError as exc:
        check.error = exc.message
        return check
    check.has_data = (result.scalar is not None and not math.isnan(result.scalar[1])) or any(
        s.value is not None and not math.isnan(s.value) for s in result.vector
    )
    if check.has_data:
        # Data, but is it the right data? A matcher that accepts a missing label filters nothing
        # when the label is missing everywhere (another namespace would be mixed in).
        for parts in selector_parts(text):
            if await meta.count(parts.text()) > 0:
                check.findings += await _absent_label_warnings(meta, parts, source, values)
        return check
    for parts in selector_parts(text):
        check.findings += await _diagnose_selector(meta, parts, source, values)
    check.zero_is_healthy = _zero_is_healthy(query_id)
    if check.zero_is_healthy:
        # No error series is the healthy case; only a label whose values can never match is news
        # (status holds "success"/"error" where the pack counts "5..").
        check.findings = [f for f in check.findings if f.kind == "values"]
        return check
    if not any(f.kind == "empty" or f.kind == "values" for f in check.findings):
        check.findings += await _ranged_findings(meta, text)
    if not check.findings:
        check.findings.append(
            Finding(
                "every selector has series, but the expression combines them into nothing "
                "(binary operators need series with matching labels)"
            )
        )
    return check


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
            detail = f"`{matcher.name}` values on firing alerts: {_shown(carrying)}"
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
            report.logs.append(f"Loki has no label `{m.name}` (labels: {_shown(labels, 12)})")
            continue
        present = await loki.label_values(m.name, start_ns, end_ns)
        if not any(m.matches({m.name: v}) for v in present):
            report.logs.append(f"Loki's `{m.name}` values are {_shown(present)}, none matches {m}")


async def diagnose(
    pack: QueryPack,
    prometheus: PrometheusClient,
    overrides: Mapping[str, str] | None = None,
    *,
    alertmanagers: Sequence[AlertmanagerClient] = (),
    loki: LokiClient | None = None,
    now: float,
    only_presence: bool = False,
) -> DoctorReport:
    """Every PromQL query of ``pack`` checked at ``now`` (with ``only_presence``, no diagnosis)."""
    values = pack_values(pack, overrides)
    report = DoctorReport(pack.name)
    meta = _Metadata(prometheus, now)
    jobs = []
    for query in pack_queries(pack):
        if query.language != "promql":
            continue
        scoped = dict(values)
        if "window" in query.runtime_variables:
            scoped["window"] = PROBE_WINDOW
        scoped.update({k: v for k, v in ENTITY_PLACEHOLDERS.items() if k in query.runtime_variables})
        text = expand(query.source, scoped)
        if only_presence:
            jobs.append(_presence(meta, query.id, text))
        else:
            jobs.append(check_query(meta, query.id, text, query.source, scoped))
    report.checks = list(await asyncio.gather(*jobs))
    if not only_presence:
        await _check_alerts(report, pack, values, alertmanagers)
        await _check_logs(report, pack, values, loki, now)
    return report


async def _presence(meta: _Metadata, query_id: str, text: str) -> QueryCheck:
    check = QueryCheck(query_id, _pane(query_id), text, False)
    try:
        result = await meta.prometheus.query(text, meta.now)
    except BackendError as exc:
        check.error = exc.message
        return check
    check.has_data = any(s.value is not None and not math.isnan(s.value) for s in result.vector) or (
        result.scalar is not None and not math.isnan(result.scalar[1])
    )
    check.zero_is_healthy = not check.has_data and _zero_is_healthy(query_id)
    return check
