"""Why one series selector selects nothing, from Prometheus' metadata APIs: a metric that does
not exist (and the names that look like it), a matcher whose label is missing or holds other
values (and the pack variable that set it), matchers that never meet, a range too short for the
scrape interval. Each answer is asked once per doctor run (:class:`PromMetadata`)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence

from opsconsole.backends.errors import BackendError
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.core.durations import prometheus_duration
from opsconsole.core.promql_strings import any_of
from opsconsole.core.promql_text import SelectorMatcher, SelectorParts, selector_parts
from opsconsole.packs.variables import variables_in
from opsconsole.refresh.doctor_report import Finding

LOOKBACK = 3600.0  # how far back the metadata APIs are asked (a target may have just been scraped)
# Series Prometheus writes for every target it scrapes: their labels say which targets there are,
# not which of them export what a pack reads.
PER_TARGET_SERIES = frozenset(
    {
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "scrape_timeout_seconds",
        "scrape_sample_limit",
        "scrape_body_size_bytes",
    }
)
PROBE_WINDOW = "1h"  # SLO queries are checked over this window ($window)
MAX_LABELS_SEARCHED = 40


class PromMetadata:
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


def variable_for(text: str, source: str, values: Mapping[str, str]) -> str | None:
    """The pack variable whose value is ``text`` (or is inside it), among those ``source`` uses."""
    used = variables_in(source)
    exact = [name for name in used if values.get(name) == text]
    if exact:
        return exact[0]
    inside = [name for name in used if values.get(name) and values[name] in text]
    return max(inside, key=lambda n: len(values[n])) if inside else None


def shown(values: Sequence[str], limit: int = 8) -> str:
    more = f", … ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


async def diagnose_selector(
    meta: PromMetadata,
    parts: SelectorParts,
    source: str,
    values: Mapping[str, str],
    *,
    counts_failures: bool = False,
    variable_metrics: Mapping[str, frozenset[str]] | None = None,
) -> list[Finding]:
    """Why ``parts`` selects nothing (empty when it selects series). ``counts_failures``: the
    query counts errors or bad events, whose matcher is never to be pointed at the values there
    are (``code=~"5.."`` edited to ``200`` would count every success as a failure).
    ``variable_metrics``: per pack variable, the metrics the pack reads with it (see
    :func:`_not_scraped`)."""
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
            suffixed = _suffixed_histogram(names[0], known)
            if suffixed is not None:
                return [suffixed]
            close = difflib.get_close_matches(names[0], sorted(known), n=5, cutoff=0.6)
            hint = f"; similar names: {', '.join(close)}" if close else "; no similar name either"
            return [
                Finding(
                    f"metric `{names[0]}` does not exist in this Prometheus (no series in the last "
                    f"hour): what exports it is not scraped here, or names it otherwise{hint}",
                    selector=selector,
                )
            ]
    if await meta.count(selector) > 0:
        return await absent_label_warnings(meta, parts, source, values)
    base = parts.text(tuple(m for m in parts.matchers if m.name == "__name__"))
    findings: list[Finding] = []
    for matcher in parts.label_matchers:
        alone = parts.text((*(m for m in parts.matchers if m.name == "__name__"), matcher))
        if await meta.count(alone) > 0:
            continue
        findings.append(
            await _why_matcher_fails(
                meta, base, matcher, source, values, selector, counts_failures, variable_metrics or {}
            )
        )
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


def _suffixed_histogram(name: str, known: set[str]) -> Finding | None:
    """``x_bucket_bucket`` asked for because the pack names a histogram ``x_bucket`` (or
    ``x_count``, ``x_sum``): the console adds ``_bucket`` and ``_count`` to the name it is given."""
    for added in ("_bucket", "_count"):
        given = name.removesuffix(added)
        if given == name or given not in known:
            continue
        for suffix in ("_bucket", "_count", "_sum"):
            if given.endswith(suffix):
                return Finding(
                    f"metric `{name}` does not exist in this Prometheus: the pack names the histogram "
                    f"`{given}`, and the console adds {added} to that name",
                    f"name the histogram `{given.removesuffix(suffix)}` (without {suffix})",
                    name,
                )
    return None


async def _not_scraped(
    meta: PromMetadata,
    base: str,
    variable: str | None,
    variable_metrics: Mapping[str, frozenset[str]],
    problem: str,
    selector: str,
) -> tuple[Finding | None, list[str]]:
    """Where ``base`` is a series every target has (``up``) or names no metric, its labels say
    which targets there are, not which export what the pack reads with ``variable``. Returns the
    finding when none of those metrics exists at all (no ``--var`` brings them: what exports them
    is not scraped), else the metrics that do exist (whose series should decide the fix); ``(None,
    [])`` when the base is a metric of its own or the variable reads nothing else."""
    if variable is None or base.split("{", 1)[0] not in (*PER_TARGET_SERIES, ""):
        return None, []
    wanted = sorted(variable_metrics.get(variable, frozenset()) - PER_TARGET_SERIES)
    if not wanted:
        return None, []
    known = set(await meta.metric_names())
    present = [name for name in wanted if name in known]
    if present:
        return None, present
    return (
        Finding(
            f"{problem}, and none of the metrics the pack reads with ${variable} exists in this "
            f"Prometheus ({shown(wanted, 4)}): what exports them is not scraped here",
            f"scrape what exports them; no value of --var {variable} brings metrics that are not "
            "there (once scraped, set it to that job's name if the default does not match it)",
            selector,
        ),
        [],
    )


async def _why_matcher_fails(
    meta: PromMetadata,
    base: str,
    matcher: SelectorMatcher,
    source: str,
    values: Mapping[str, str],
    selector: str,
    counts_failures: bool = False,
    variable_metrics: Mapping[str, frozenset[str]] | None = None,
) -> Finding:
    carried = await meta.labels(base)
    labels = [label for label in carried if label not in ("__name__", "le")]
    label_variable = variable_for(matcher.name, source, values)
    value_variable = variable_for(matcher.value, source, values)
    of_what = f"`{base}`" if base != "{}" else "the series"
    if matcher.name not in carried:
        holders = []
        for label in labels[:MAX_LABELS_SEARCHED]:
            found = [v for v in await meta.values(label, base) if matcher.matches(v)]
            if found:
                holders.append((label, found))
        if not holders:
            return Finding(
                f"no series of {of_what} has label `{matcher.name}` (its labels: {shown(labels, 12)})",
                selector=selector,
            )
        label, found = max(
            holders, key=lambda h: (difflib.SequenceMatcher(None, h[0], matcher.name).ratio(), len(h[1]))
        )
        every = await meta.values(label, base)
        missing = (
            f"no series of {of_what} has label `{matcher.name}`; it has `{label}` (values: {shown(every)})"
        )
        absent, _ = await _not_scraped(meta, base, label_variable, variable_metrics or {}, missing, selector)
        if absent is not None:
            return absent
        fix = (
            f"--var {label_variable}={label}"
            if label_variable
            else f"the pack filters on `{matcher.name}`: edit it to `{label}` "
            f"(or relabel to `{matcher.name}`)"
        )
        return Finding(missing, fix, selector)
    present = await meta.values(matcher.name, base)
    want = f'{matcher.op}"{matcher.value}"'
    if matcher.name == "le":
        # A histogram's bucket boundaries (a latency SLO's threshold that is not one of them).
        present = sorted(present, key=_bucket_order)
        return Finding(
            f"no bucket boundary matches {want}: `le` values are {shown(present, 12)}",
            "use one of these boundaries (a latency SLO's `threshold` must be one)",
            selector,
            "values",
        )
    problem = f"`{matcher.name}` values are {shown(present)}, none matches {want}"
    if counts_failures:
        # Only a value that marks a failure belongs here: fine while nothing has failed.
        fix = (
            f"if one of these values marks a failure, set `{value_variable}` to it "
            f"(--var {value_variable}=VALUE)"
            if value_variable
            else f"if one of these values marks a failure, make the pack's {matcher.name}{want} match it"
        )
        return Finding(problem, fix, selector, "values")
    if value_variable:
        absent, exported = await _not_scraped(
            meta, base, value_variable, variable_metrics or {}, problem, selector
        )
        if absent is not None:
            return absent
        if exported:
            # `up` has every target's job: only those that export what the pack reads are meant.
            serving = await meta.values(matcher.name, f"{{__name__=~{any_of(exported)}}}")
            present = [value for value in present if value in serving] or present
            problem = (
                f"`{matcher.name}` values of the series of {shown(exported, 4)} are {shown(present)}, "
                f"none matches {want}"
            )
        if len(present) == 1:
            suggestion = present[0]
        elif matcher.op == "=~":
            suggestion = "|".join(present[:3])
        else:  # `job="a|b|c"` is one value that no series has: the user picks one
            suggestion = "VALUE"
        return Finding(problem, f"--var {value_variable}={suggestion}", selector, "values")
    edit = f"the pack asks for {matcher.name}{want}: edit it to one of these values"
    return Finding(problem, edit, selector, "values")


def _bucket_order(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return math.inf


async def absent_label_warnings(
    meta: PromMetadata, parts: SelectorParts, source: str, values: Mapping[str, str]
) -> list[Finding]:
    """A matcher that also accepts "no such label" (``=~"x|"``) filters nothing when no series has
    the label (and the selector has series): say so, with the label that holds the value instead."""
    out: list[Finding] = []
    base = parts.text(tuple(m for m in parts.matchers if m.name == "__name__"))
    labels = await meta.labels(parts.text())
    accepting = [m for m in parts.label_matchers if m.name not in labels and m.matches("")]
    # The labels answer first: where every such label is there, no series is counted.
    if not accepting or await meta.count(parts.text()) == 0:
        return out
    for matcher in accepting:
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
        variable = variable_for(matcher.name, source, values)
        fix = f"--var {variable}={label}" if variable else ""
        out.append(
            Finding(
                f"{matcher} filters nothing here: no series has `{matcher.name}`; the value is in "
                f"`{label}` (values: {shown(every)}), and those other values are not left out",
                fix,
                parts.text(),
                "unfiltered",
            )
        )
    return out


# How far back a ranged selector's series are looked for two samples: four times the range would
# hold one sample of a 15s scrape behind a [5s] range, about half the time (found: the doctor then
# blamed binary operators in a query that had none).
SCRAPES_SEEN = 600.0


def _range_text(seconds: float) -> str:
    """A range as Prometheus reads it: "0.2s" is refused, "200ms" read (whole seconds as 1m30s)."""
    if seconds == int(seconds):
        return prometheus_duration(seconds)
    return f"{round(seconds * 1000)}ms"


async def ranged_findings(meta: PromMetadata, text: str, source: str = "") -> list[Finding]:
    """Ranged selectors whose series are scraped less often than their range (rate() needs two
    samples in it): at most one sample in the range though two or more in four times it (or
    ``SCRAPES_SEEN``, whichever is longer). ``source``: the pack's text, for the fix (a range
    written out is mended in the pack, ``$rate_window`` with ``--var``)."""
    out = []
    for parts in selector_parts(text):
        if parts.range_seconds is None:
            continue
        window = _range_text(parts.range_seconds)
        wider = _range_text(max(parts.range_seconds * 4, SCRAPES_SEEN))
        try:
            narrow = await meta.prometheus.query(f"max(count_over_time({parts.text()}[{window}]))", meta.now)
            broad = await meta.prometheus.query(f"max(count_over_time({parts.text()}[{wider}]))", meta.now)
        except BackendError:
            continue
        few = [s.value for s in narrow.vector if s.value is not None]
        many = [s.value for s in broad.vector if s.value is not None]
        if (not few or few[0] < 2) and many and many[0] >= 2:
            fix = (
                "--var rate_window=<at least four scrape intervals, e.g. 4m for a 1m scrape>"
                if "rate_window" in variables_in(source) or not source
                else f"write [$rate_window] in the pack where the range is [{window}]: "
                "it follows the scrape interval"
            )
            out.append(
                Finding(
                    f"{parts.text()} has fewer than two samples in [{window}]: it is scraped less often "
                    "than that, and rate() needs two samples in its range",
                    fix,
                    parts.text(),
                )
            )
    return out
