"""The health pane from its queries: one row per target, its state, and since when it is in it.

Rows are the ``up`` series, named by the pack's identity rule (:mod:`opsconsole.core.row_keys`):
two targets with one name are two rows, never one. "Since" follows every state the row can show
(down, unhealthy, degraded, ok), worked out at each point of the range from ``up``, health and
every signal, so an agent degraded for a minute does not read ">15m".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.dashboard import Cell, HealthRow, HealthState, Level
from opsconsole.core.row_keys import RowKey, RowKeys, first_label, worse
from opsconsole.core.state_since import began_newest_first
from opsconsole.packs.schema import HealthSection, Query
from opsconsole.refresh.pane_output import (
    PaneOutput,
    cell,
    has_data,
    high_is_bad,
    in_label_order,
    label_order,
    level_of,
    samples_by,
)


def health_queries(health: HealthSection) -> dict[str, Query]:
    """Query id → query, in column order."""
    out: dict[str, Query] = {"health.up": health.up}
    if health.health is not None:
        out["health.health"] = health.health
    out.update({f"health.signals.{name}": q for name, q in health.signals.items()})
    return out


def health_state(up: float | None, health: Cell | None, signals: Mapping[str, Cell]) -> HealthState:
    """down (scrape fails), unhealthy (health crit), degraded (any warn), ok, or unknown (no up)."""
    return state_of(up, None if health is None else health.level, [c.level for c in signals.values()])


def state_of(up: float | None, health: Level | None, signals: Iterable[Level]) -> HealthState:
    """:func:`health_state` from the levels alone (what a point of the history needs)."""
    if up is None:
        return "unknown"
    if up == 0:
        return "down"
    if health == "crit":
        return "unhealthy"
    if health == "warn" or any(level in ("warn", "crit") for level in signals):
        return "degraded"
    return "ok"


class _Kept:
    """What a refresh worked out from range answers, for the next refresh to use again.

    A range answer is reused from one refresh to the next while its window has not moved (five
    refreshes in six at a 5 s refresh: see :mod:`opsconsole.refresh.range_memory`), as the very
    same object; the points read from it, and each row's "since" read from those points, are
    then what they were. Only the last refresh's are kept (the answers themselves are held by
    the range memory anyway), matched by identity: the answer is held, so its id is not reused.
    """

    def __init__(self) -> None:
        self.histories: dict[
            tuple[int, bool], tuple[QueryResult, RowKeys, dict[RowKey, dict[float, float]]]
        ] = {}
        self.since_basis: tuple[object, ...] | None = None
        self.since: dict[tuple[RowKey, HealthState], tuple[float | None, bool]] = {}

    def histories_of(
        self, wanted: Mapping[str, tuple[QueryResult, bool]], keys: RowKeys
    ) -> dict[str, dict[RowKey, dict[float, float]]]:
        """:func:`_history` of each answer (query id → answer, high is bad), worked out once per
        answer (and row identities); what this refresh did not ask for is let go."""
        kept, self.histories = self.histories, {}
        out = {}
        for qid, (result, high_bad) in wanted.items():
            entry = kept.get((id(result), high_bad))
            if entry is None or entry[0] is not result or entry[1] != keys:
                entry = (result, keys, _history(result, keys, high_bad))
            self.histories[(id(result), high_bad)] = entry
            out[qid] = entry[2]
        return out

    def since_for(
        self, basis: tuple[object, ...]
    ) -> dict[tuple[RowKey, HealthState], tuple[float | None, bool]]:
        """The rows' "since" kept for ``basis`` (the pack's section, the grid, the points read):
        the same points give the same answer for a row in the same state."""
        if (
            self.since_basis is None
            or len(basis) != len(self.since_basis)
            or any(a is not b and a != b for a, b in zip(basis, self.since_basis, strict=True))
        ):
            self.since_basis = basis
            self.since = {}
        return self.since


_KEPT = _Kept()


def _history(result: QueryResult, keys: RowKeys, high_bad: bool) -> dict[RowKey, dict[float, float]]:
    out: dict[RowKey, dict[float, float]] = {}
    for series in sorted(result.matrix, key=lambda s: label_order(s.metric)):
        key = keys.key(series.metric)
        if key is None:
            continue
        points = out.setdefault(key, {})
        for ts, value in series.values:
            if value != value:  # NaN
                continue
            stamp = round(ts, 3)
            points[stamp] = worse(points[stamp], value, high_bad) if stamp in points else value
    return out


def health_rows(
    health: HealthSection,
    instant: Mapping[str, QueryResult],
    ranged: Mapping[str, QueryResult],
    grid: Sequence[float],
) -> PaneOutput:
    """Rows, worst first, with the queries that came back empty and why anything is not shown."""
    specs = health_queries(health)
    entity = health.entity
    notes: list[str] = []
    up_result = instant["health.up"]
    keys = RowKeys.from_series(entity.instance_labels, (s.metric for s in up_result.vector), "up")
    notes += keys.notes

    types: dict[RowKey, str] = {}
    for qid in ("health.up", "health.health"):
        if qid in instant:
            for sample in in_label_order(instant[qid].vector):
                key = keys.key(sample.metric)
                kind = first_label(sample.metric, entity.type_labels)
                if key is not None and key not in types:
                    types[key] = kind[1] if kind else ""

    # Where two samples claim one cell the worse is shown; for "up" that is the lower, so a target
    # that is down is never masked by a namesake that is up.
    values = {
        qid: samples_by(
            instant[qid],
            keys.key,
            high_bad=qid != "health.up" and high_is_bad(spec.thresholds),
            query_id=qid,
            notes=notes,
            row_word=entity.display,
        )
        for qid, spec in specs.items()
    }
    histories = _KEPT.histories_of(
        {
            qid: (ranged[qid], qid != "health.up" and high_is_bad(spec.thresholds))
            for qid, spec in specs.items()
            if qid in ranged
        },
        keys,
    )
    # The points are the kept objects above while the answers are reused: compared by identity first.
    kept_since = _KEPT.since_for((health, tuple(grid), *histories, *histories.values()))

    def cells_now(key: RowKey) -> tuple[float | None, Cell | None, dict[str, Cell]]:
        """The row's values now, as the pane shows them."""

        def value(qid: str) -> float | None:
            return values[qid].get(key)

        up = value("health.up")
        health_cell = (
            cell(value("health.health"), health.health.unit, health.health.thresholds, "health.health")
            if health.health is not None
            else None
        )
        signals = {
            name: cell(value(f"health.signals.{name}"), q.unit, q.thresholds, f"health.signals.{name}")
            for name, q in health.signals.items()
        }
        return up, health_cell, signals

    def timeline_of(key: RowKey) -> Iterator[tuple[float, HealthState]]:
        """The row's state at each point of the range that has an ``up`` sample, newest first and
        worked out only as far back as it is read: levels only, no cells, each series looked up
        once per row (every row at every point of the range made most of what an idle refresh cost)."""
        up_points = histories.get("health.up", {}).get(key, {})
        health_points = histories.get("health.health", {}).get(key, {})
        signal_points = [
            (histories.get(f"health.signals.{name}", {}).get(key, {}), q.thresholds)
            for name, q in health.signals.items()
        ]
        health_thresholds = health.health.thresholds if health.health is not None else None
        for at in reversed(grid):
            stamp = round(at, 3)
            if stamp not in up_points:
                continue
            health_level = (
                level_of(health_points.get(stamp), health_thresholds) if health.health is not None else None
            )
            signal_levels = [level_of(points.get(stamp), limits) for points, limits in signal_points]
            yield at, state_of(up_points[stamp], health_level, signal_levels)

    rows = []
    for key in set(values["health.up"]) | set(values.get("health.health", {})):
        up, health_cell, signals = cells_now(key)
        state = health_state(up, health_cell, signals)
        found = kept_since.get((key, state))
        if found is None:
            found = kept_since[(key, state)] = began_newest_first(timeline_of(key), state)
        since, exact = found
        rows.append(
            HealthRow(
                entity_type=types.get(key, ""),
                entity=key.entity,
                state=state,
                up=None if up is None else up > 0,
                health=health_cell,
                signals=signals,
                since=since,
                since_exact=exact,
                entity_label=key.label,
                split=key.split,
            )
        )
    rows.sort(key=lambda r: r.sort_key)
    empty = [qid for qid in specs if not has_data(instant[qid])]
    return PaneOutput(rows, queries=len(specs), empty=empty, notes=notes)
