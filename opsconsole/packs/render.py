"""Every query of a pack with its variables expanded, each with a stable id."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from opsconsole.core.durations import prometheus_duration
from opsconsole.packs.derived import QUANTILES, histogram_quantile_query, latency_sli_queries
from opsconsole.packs.rate_window import RateWindow
from opsconsole.packs.schema import HistogramDuration, Query, QueryPack
from opsconsole.packs.variables import UnknownVariable, builtin_values, expand, variables_in

Language = Literal["promql", "logql", "template"]
FieldPath = tuple[str | int, ...]

# Values used when checking queries whose variables are only known at run time.
SLO_WINDOW_PLACEHOLDER = "5m"
ENTITY_PLACEHOLDERS = {"entity": "placeholder-1", "entity_type": "placeholder"}


@dataclass(frozen=True)
class PackQuery:
    """One query as written in the pack (``source``), where it is, and how to read it."""

    id: str
    path: FieldPath
    language: Language
    source: str
    runtime_variables: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RenderedQuery:
    """A query with every variable expanded; ``notes`` say which values stand in for what the
    console fills in when it runs the query (``$rate_window`` and why, ``$window``, ``$entity``)."""

    id: str
    language: Language
    text: str
    source: str
    notes: tuple[str, ...] = ()


def _query(qid: str, path: FieldPath, query: Query | None) -> Iterator[PackQuery]:
    if query is not None:
        yield PackQuery(qid, (*path, "query"), "promql", query.query)


def pack_queries(pack: QueryPack) -> Iterator[PackQuery]:
    """Every PromQL/LogQL/template string of the pack, in pane order."""
    if pack.health:
        yield from _query("health.up", ("health", "up"), pack.health.up)
        yield from _query("health.health", ("health", "health"), pack.health.health)
        for name, signal in pack.health.signals.items():
            yield from _query(f"health.signals.{name}", ("health", "signals", name), signal)
    if pack.red:
        for group_name, group in pack.red.groups.items():
            base: FieldPath = ("red", "groups", group_name)
            yield from _query(f"red.{group_name}.rate", (*base, "rate"), group.rate)
            yield from _query(f"red.{group_name}.errors", (*base, "errors"), group.errors)
            if isinstance(group.duration, HistogramDuration):
                for label, q in QUANTILES.items():
                    text = histogram_quantile_query(group.duration, q, group.by)
                    yield PackQuery(
                        f"red.{group_name}.{label}", (*base, "duration", "histogram"), "promql", text
                    )
            else:
                for label in QUANTILES:
                    yield from _query(
                        f"red.{group_name}.{label}",
                        (*base, "duration", label),
                        getattr(group.duration, label),
                    )
    for name, signal in pack.saturation.items():
        yield from _query(f"saturation.{name}", ("saturation", name), signal)
    for slo_name, slo in pack.slos.items():
        base = ("slos", slo_name)
        window = frozenset({"window"})
        if slo.ratio:
            for part in ("total", "bad", "good"):
                text = getattr(slo.ratio, part)
                if text is not None:
                    yield PackQuery(f"slos.{slo_name}.{part}", (*base, "ratio", part), "promql", text, window)
        if slo.error_ratio:
            yield PackQuery(
                f"slos.{slo_name}.error_ratio", (*base, "error_ratio"), "promql", slo.error_ratio, window
            )
        if slo.latency:
            good, total = latency_sli_queries(slo.latency)
            yield PackQuery(f"slos.{slo_name}.good", (*base, "latency", "histogram"), "promql", good, window)
            yield PackQuery(
                f"slos.{slo_name}.total", (*base, "latency", "histogram"), "promql", total, window
            )
    if pack.logs and pack.logs.selector is not None:
        tail = f"{pack.logs.selector} {pack.logs.pipeline}".strip()
        yield PackQuery("logs.tail", ("logs", "selector"), "logql", tail)
        if pack.logs.entity_selector:
            entity_tail = f"{pack.logs.entity_selector} {pack.logs.pipeline}".strip()
            yield PackQuery(
                "logs.entity",
                ("logs", "entity_selector"),
                "logql",
                entity_tail,
                frozenset(ENTITY_PLACEHOLDERS),
            )
    if pack.traces:
        yield PackQuery(
            "traces.service",
            ("traces", "service"),
            "template",
            pack.traces.service,
            frozenset(ENTITY_PLACEHOLDERS),
        )


def pack_values(
    pack: QueryPack, overrides: Mapping[str, str] | None = None, **builtins: str
) -> dict[str, str]:
    """Variable values in force: built-ins < pack defaults < overrides (context, then ``--var``).

    A required variable (no default) that no override sets is absent: see :func:`missing_variables`."""
    values = builtin_values()
    values.update(builtins)
    values.update({name: var.default for name, var in pack.variables.items() if var.default is not None})
    values.update(overrides or {})
    return values


class MissingVariable(UnknownVariable):
    """A required pack variable nobody set; says how to set it."""

    def __init__(self, pack: QueryPack, names: list[str]) -> None:
        super().__init__(names[0], set())
        self.pack_name = pack.name
        self.names = names
        self.hints = []
        for name in names:
            variable = pack.variables[name]
            example = variable.example or "VALUE"
            about = f" ({variable.description})" if variable.description else ""
            self.hints.append(f"--var {name}={example}{about}")

    def __str__(self) -> str:
        needs = ", ".join(f"${n}" for n in self.names)
        return (
            f"pack {self.pack_name} needs {needs}: run with {'; '.join(self.hints)}, "
            "or set it under the context's variables in the config file"
        )


def missing_variables(pack: QueryPack, values: Mapping[str, str]) -> MissingVariable | None:
    """The required variables ``values`` lacks, as an error that says how to set them."""
    names = [name for name, var in pack.variables.items() if var.default is None and name not in values]
    return MissingVariable(pack, names) if names else None


def required_placeholders(pack: QueryPack) -> dict[str, str]:
    """Stand-ins for required variables, for checking that queries parse (the example, or the name)."""
    return {name: var.example or name for name, var in pack.variables.items() if var.default is None}


def render(query: PackQuery, values: Mapping[str, str]) -> RenderedQuery:
    """Expand one query; raises ``UnknownVariable`` for an undefined variable."""
    return RenderedQuery(query.id, query.language, expand(query.source, values), query.source)


def render_pack(
    pack: QueryPack,
    overrides: Mapping[str, str] | None = None,
    windows: Mapping[str, RateWindow] | None = None,
) -> list[RenderedQuery]:
    """Every query expanded with defaults and ``overrides`` (run-time variables get placeholders;
    a required variable nobody set stays ``$name``). ``windows``: each query's ``$rate_window`` as
    the console derives it (:class:`~opsconsole.refresh.queries.PackQueries`), said in its notes."""
    values = {name: f"${name}" for name in required_placeholders(pack)}
    values.update(pack_values(pack, overrides))
    out = []
    for query in pack_queries(pack):
        scoped = dict(values)
        notes: list[str] = []
        used = variables_in(query.source)
        window = (windows or {}).get(query.id)
        if window is not None:
            scoped["rate_window"] = window.text
            scoped["scrape_interval"] = prometheus_duration(window.scrape_interval)
            if "rate_window" in used:
                notes.append(window.describe())
            elif "scrape_interval" in used:
                notes.append(f"$scrape_interval = {scoped['scrape_interval']}: {window.reason}")
        if "window" in query.runtime_variables:
            scoped.setdefault("window", SLO_WINDOW_PLACEHOLDER)
            if "window" in used:
                notes.append(
                    f"$window = {scoped['window']} here: the console runs this query over each "
                    "burn-rate window and the SLO's window"
                )
        if query.runtime_variables & set(ENTITY_PLACEHOLDERS):
            for key, value in ENTITY_PLACEHOLDERS.items():
                scoped.setdefault(key, value)
            named = [f"${key} = {scoped[key]}" for key in ENTITY_PLACEHOLDERS if key in used]
            if named:
                notes.append(f"{', '.join(named)} here: the console fills in the row's")
        out.append(replace(render(query, scoped), notes=tuple(notes)))
    return out
