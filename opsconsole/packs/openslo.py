"""OpenSLO v1 (``apiVersion: openslo/v1``) SLOs turned into a pack's ``slos`` section.

What the console can measure exactly is imported: ``Occurrences`` budgeting over a rolling window
with a ``ratioMetric`` SLI whose Prometheus queries are series selectors (counters become
``sum(rate(selector[$window]))``, gauges ``sum(sum_over_time(selector[$window]))``). Everything
else (threshold metrics, time-slice budgeting, calendar windows, other data sources) is refused
with the file, line and field, never approximated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import promql_parser

from opsconsole.core.located_yaml import LocatedDocument, load_yaml_documents

_DURATION = re.compile(r"^(\d+)([smhdw])$")


class OpenSloError(ValueError):
    """One or more located problems, one ``file:line: field: message`` per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ImportedSlo:
    """One pack SLO made from an OpenSLO objective."""

    name: str
    section: dict[str, Any]


class _Doc:
    """A document and a way to report a problem at one of its fields."""

    def __init__(self, doc: LocatedDocument, problems: list[str]) -> None:
        self.doc = doc
        self.problems = problems

    def get(self, *path: str | int) -> Any:
        node: Any = self.doc.data
        for part in path:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
        return node

    def problem(self, path: Sequence[str | int], message: str) -> None:
        field = ".".join(str(p) for p in path) or "(document)"
        self.problems.append(f"{self.doc.source}:{self.doc.line_of(path)}: {field}: {message}")


def _kind(doc: _Doc) -> str:
    return str(doc.get("kind") or "")


def import_openslo(text: str, source: str) -> list[ImportedSlo]:
    """Every SLO in an OpenSLO v1 file (SLIs may be inline or separate ``kind: SLI`` documents)."""
    problems: list[str] = []
    docs = [_Doc(d, problems) for d in load_yaml_documents(text, source) if d.data is not None]
    for doc in docs:
        if doc.get("apiVersion") != "openslo/v1":
            doc.problem(("apiVersion",), f"expected openslo/v1, got {doc.get('apiVersion')!r}")
    slis = {str(d.get("metadata", "name")): d for d in docs if _kind(d) == "SLI"}
    imported: list[ImportedSlo] = []
    for doc in (d for d in docs if _kind(d) == "SLO"):
        imported.extend(_slo(doc, slis))
    if not imported and not problems:
        problems.append(f"{source}:1: (document): no kind: SLO documents found")
    if problems:
        raise OpenSloError(problems)
    return imported


def _slo(doc: _Doc, slis: dict[str, _Doc]) -> Iterator[ImportedSlo]:
    name = doc.get("metadata", "name")
    if not isinstance(name, str) or not name:
        doc.problem(("metadata", "name"), "required field is missing")
        return
    method = doc.get("spec", "budgetingMethod") or "Occurrences"
    if method != "Occurrences":
        doc.problem(
            ("spec", "budgetingMethod"),
            f"{method} budgeting is not supported (only Occurrences: bad events over all events)",
        )
    window = _window(doc)
    ratio = _ratio(doc, slis)
    objectives = doc.get("spec", "objectives")
    if not isinstance(objectives, list) or not objectives:
        doc.problem(("spec", "objectives"), "at least one objective is required")
        return
    for index, objective in enumerate(objectives):
        target = _target(doc, index, objective)
        if window is None or ratio is None or target is None:
            continue
        own = objective.get("displayName") if isinstance(objective, dict) else None
        title = doc.get("metadata", "displayName") or name
        shown = title if len(objectives) == 1 else f"{title}: {own or index + 1}"
        slug = name if len(objectives) == 1 else f"{name}-{_slug(str(own or index + 1))}"
        section = {"display": str(shown), "objective": target, "window": window, "ratio": ratio}
        yield ImportedSlo(slug, section)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "objective"


def _window(doc: _Doc) -> str | None:
    windows = doc.get("spec", "timeWindow")
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        doc.problem(("spec", "timeWindow"), "exactly one time window is required")
        return None
    window = windows[0]
    if window.get("isRolling") is False or window.get("calendar"):
        doc.problem(("spec", "timeWindow", 0), "calendar windows are not supported (only rolling windows)")
        return None
    duration = str(window.get("duration") or "")
    match = _DURATION.match(duration)
    if not match:
        doc.problem(
            ("spec", "timeWindow", 0, "duration"),
            f"{duration!r} is not a rolling duration the console can query (use m, h, d or w, e.g. 28d)",
        )
        return None
    count, unit = int(match.group(1)), match.group(2)
    return f"{count * 7}d" if unit == "w" else duration


def _target(doc: _Doc, index: int, objective: Any) -> float | None:
    path = ("spec", "objectives", index)
    if not isinstance(objective, dict):
        doc.problem(path, "an objective must be a mapping")
        return None
    if "target" in objective:
        value, field = objective["target"], "target"
    elif "targetPercent" in objective:
        value, field = objective["targetPercent"], "targetPercent"
    else:
        doc.problem(path, "target (e.g. 0.999) or targetPercent (e.g. 99.9) is required")
        return None
    try:
        target = float(value) / (100 if field == "targetPercent" else 1)
    except (TypeError, ValueError):
        doc.problem((*path, field), f"not a number: {value!r}")
        return None
    if not 0 < target < 1:
        doc.problem((*path, field), f"must be between 0 and 1 (or 0 and 100 as a percent), got {value}")
        return None
    return target


def _ratio(doc: _Doc, slis: dict[str, _Doc]) -> dict[str, str] | None:
    base: tuple[str, ...]
    if doc.get("spec", "indicator") is not None:
        sli, base = doc, ("spec", "indicator", "spec")
    else:
        ref = doc.get("spec", "indicatorRef")
        if not isinstance(ref, str) or ref not in slis:
            known = ", ".join(sorted(slis)) or "none in this file"
            doc.problem(("spec", "indicatorRef"), f"no SLI named {ref!r} (SLIs: {known})")
            return None
        sli, base = slis[ref], ("spec",)
    if sli.get(*base, "thresholdMetric") is not None:
        sli.problem((*base, "thresholdMetric"), "threshold SLIs are not supported (use a ratioMetric)")
        return None
    ratio = sli.get(*base, "ratioMetric")
    if not isinstance(ratio, dict):
        sli.problem((*base,), "a ratioMetric SLI is required")
        return None
    counter = ratio.get("counter", True) is not False
    out: dict[str, str] = {}
    for part in ("good", "bad", "total"):
        if part in ratio:
            query = _query(sli, (*base, "ratioMetric", part), ratio[part], counter)
            if query is None:
                return None
            out[part] = query
    if "total" not in out or ("good" in out) == ("bad" in out):
        sli.problem((*base, "ratioMetric"), "needs total and exactly one of good or bad")
        return None
    return out


def _query(sli: _Doc, path: tuple[str | int, ...], metric: Any, counter: bool) -> str | None:
    source = metric.get("metricSource") if isinstance(metric, dict) else None
    kind = str(source.get("type", "")) if isinstance(source, dict) else ""
    if kind.lower() != "prometheus":
        sli.problem((*path, "metricSource", "type"), f"only Prometheus sources are supported, got {kind!r}")
        return None
    spec = source.get("spec") if isinstance(source, dict) else None
    query = spec.get("query") or spec.get("promql") if isinstance(spec, dict) else None
    if not isinstance(query, str) or not query.strip():
        sli.problem((*path, "metricSource", "spec", "query"), "a PromQL query is required")
        return None
    try:
        parsed = promql_parser.parse(query)
    except (ValueError, TypeError) as exc:
        sli.problem((*path, "metricSource", "spec", "query"), f"not valid PromQL: {exc}")
        return None
    if type(parsed).__name__ != "VectorSelector":
        sli.problem(
            (*path, "metricSource", "spec", "query"),
            f"must be a series selector (the console adds the window), got {query.strip()!r}",
        )
        return None
    selector = query.strip()
    return f"sum(rate({selector}[$window]))" if counter else f"sum(sum_over_time({selector}[$window]))"
