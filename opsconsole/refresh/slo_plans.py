"""Where the console's SLOs come from and which queries measure each of them.

An :class:`SloPlan` is one SLO with the PromQL that gives its error ratio over any window: from
the pack (``ratio``, ``latency`` or ``error_ratio`` SLIs), or discovered in Prometheus from the
recording rules of **Sloth** (``slo:sli_error:ratio_rate<window>``, ``slo:objective:ratio``,
``slo:time_period:days``) and **Pyrra** (``pyrra_objective``, ``pyrra_window``,
``pyrra_availability`` and ``<metric>:burnrate<window>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opsconsole.backends.prometheus_models import QueryResult, RuleGroup
from opsconsole.core.durations import parse_duration, prometheus_duration
from opsconsole.core.slo import BURN_WINDOWS, WORKBOOK_RULES, BurnRule
from opsconsole.packs.derived import latency_sli_queries
from opsconsole.packs.schema import LatencySli, QueryPack
from opsconsole.packs.variables import expand

# Sloth and Pyrra label values end up inside PromQL strings: only plain names are used.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
_PYRRA_BURN = re.compile(r":burnrate(\d+[smhdw])$")


@dataclass(frozen=True)
class SloPlan:
    """One SLO and the queries behind it.

    ``templates`` maps a part (``bad``, ``good``, ``total`` or ``error_ratio``) to PromQL with
    ``$window``; ``per_window`` gives fixed texts for windows that have their own recording rule.
    """

    name: str
    display: str
    objective: float
    window: str
    source: str
    templates: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)
    per_window: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    burn_windows: tuple[str, ...] = BURN_WINDOWS
    rules: tuple[BurnRule, ...] = WORKBOOK_RULES
    latency: LatencySli | None = None
    # Texts already expanded, by window: every refresh asks for the same few windows again, and
    # expanding the templates each time was a tenth of an idle wallboard's refresh.
    _expanded: dict[str, dict[str, str]] = field(default_factory=dict, init=False, compare=False, repr=False)

    def texts(self, window: str) -> dict[str, str]:
        """The queries for one window, by part; empty when this SLO cannot measure it."""
        if self.per_window:
            return dict(self.per_window.get(window, {}))
        expanded = self._expanded.get(window)
        if expanded is None:
            values = {**self.values, "window": window}
            expanded = {part: expand(text, values) for part, text in self.templates.items()}
            self._expanded[window] = expanded
        return dict(expanded)


def pack_plans(pack: QueryPack, values: Mapping[str, str]) -> list[SloPlan]:
    """The pack's own SLOs."""
    plans = []
    for name, slo in pack.slos.items():
        templates: dict[str, str] = {}
        if slo.ratio is not None:
            templates = {p: t for p in ("bad", "good", "total") if (t := getattr(slo.ratio, p)) is not None}
        elif slo.latency is not None:
            templates["good"], templates["total"] = latency_sli_queries(slo.latency)
        elif slo.error_ratio is not None:
            templates["error_ratio"] = slo.error_ratio
        plans.append(
            SloPlan(
                name=name,
                display=slo.display or name,
                objective=slo.objective,
                window=slo.window,
                source="pack",
                templates=templates,
                values=values,
                rules=tuple(BurnRule(r.long, r.short, r.factor, r.severity) for r in slo.burn_rules),
                latency=slo.latency,
            )
        )
    return plans


def _by_label(result: QueryResult, label: str) -> dict[str, tuple[dict[str, str], float]]:
    found = {}
    for sample in result.vector:
        key = sample.metric.get(label, "")
        value = sample.value
        if _SAFE_VALUE.match(key) and value is not None and value == value:
            found[key] = (dict(sample.metric), float(value))
    return found


def sloth_plans(objectives: QueryResult, periods: QueryResult) -> list[SloPlan]:
    """SLOs Sloth generated, from ``slo:objective:ratio`` and ``slo:time_period:days``."""
    days = {k: v for k, (_, v) in _by_label(periods, "sloth_id").items()}
    plans = []
    for sloth_id, (labels, objective) in sorted(_by_label(objectives, "sloth_id").items()):
        if not 0 < objective < 1:
            continue
        window = f"{round(days.get(sloth_id, 30))}d"
        service, slo = labels.get("sloth_service", ""), labels.get("sloth_slo", sloth_id)
        plans.append(
            SloPlan(
                name=f"sloth/{sloth_id}",
                display=f"{service} {slo}".strip(),
                objective=objective,
                window=window,
                source="sloth",
                templates={"error_ratio": f'slo:sli_error:ratio_rate$window{{sloth_id="{sloth_id}"}}'},
                burn_windows=tuple(w for w in BURN_WINDOWS if w != window),
            )
        )
    return plans


def pyrra_plans(objectives: QueryResult, windows: QueryResult, rules: Sequence[RuleGroup]) -> list[SloPlan]:
    """SLOs Pyrra generated: objective and window from its generic rules, burns from its own."""
    seconds = {k: v for k, (_, v) in _by_label(windows, "slo").items()}
    burns: dict[str, dict[str, str]] = {}
    for group in rules:
        for rule in group.rules:
            match = _PYRRA_BURN.search(rule.name)
            slo = rule.labels.get("slo", "")
            if rule.type == "recording" and match and _SAFE_VALUE.match(slo):
                query = f'max({rule.name}{{slo="{slo}"}})'
                burns.setdefault(slo, {})[match.group(1)] = query
    plans = []
    for slo, (_, objective) in sorted(_by_label(objectives, "slo").items()):
        if not 0 < objective < 1 or slo not in seconds:
            continue
        window = prometheus_duration(seconds[slo])
        per_window = {w: {"error_ratio": q} for w, q in burns.get(slo, {}).items()}
        per_window[window] = {"error_ratio": f'1 - max(pyrra_availability{{slo="{slo}"}})'}
        burn_windows = tuple(sorted((w for w in per_window if w != window), key=_seconds))
        plans.append(
            SloPlan(
                name=f"pyrra/{slo}",
                display=slo,
                objective=objective,
                window=window,
                source="pyrra",
                per_window=per_window,
                burn_windows=burn_windows,
                rules=_pyrra_rules(burn_windows) or WORKBOOK_RULES,
            )
        )
    return plans


def _seconds(window: str) -> float:
    return parse_duration(window)


# Pyrra pairs its seven windows (e.g. 5m 30m 1h 2h 6h 1d 4d for 28 days) as 1h/5m x14, 6h/30m x7,
# 1d/2h x2 and 4d/6h x1: (long index, short index, factor, severity) in the sorted window list.
_PYRRA_PAIRS = ((2, 0, 14.0, "page"), (4, 1, 7.0, "page"), (5, 3, 2.0, "ticket"), (6, 4, 1.0, "ticket"))


def _pyrra_rules(windows: Sequence[str]) -> tuple[BurnRule, ...]:
    """Pyrra's own multiwindow rules when its seven burn windows are all recorded."""
    if len(windows) != 7:
        present = set(windows)
        return tuple(r for r in WORKBOOK_RULES if r.long in present and r.short in present)
    return tuple(
        BurnRule(windows[long], windows[short], factor, "page" if severity == "page" else "ticket")
        for long, short, factor, severity in _PYRRA_PAIRS
    )
