"""RED rows (rate, errors, p50/p95/p99 per group row) from a group's query answers.

An error ratio whose numerator has no series while the row has traffic is 0%, not "no data": a
counter of 5xx responses usually appears with the first 5xx, so a healthy route has none. Without
traffic the ratio is 0/0 and stays "no data".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.dashboard import RedRow
from opsconsole.packs.schema import HistogramDuration, RedGroup, Thresholds
from opsconsole.refresh.pane_output import (
    Key,
    PaneOutput,
    cell,
    has_data,
    high_is_bad,
    key_values,
    label_order,
    samples_by,
)

PARTS = ("rate", "errors", "p50", "p95", "p99")
HISTORY_POINTS = 30


def on_grid(
    points: Sequence[tuple[float, float]], start: float, end: float, step: float
) -> list[float | None]:
    """Points on the query's step grid with gaps as None (so a sparkline shows missing data)."""
    by_ts = {round(ts): v for ts, v in points}
    out: list[float | None] = []
    for i in range(int((end - start) // step) + 1):
        value = by_ts.get(round(start + i * step))
        out.append(None if value is None or math.isnan(value) else value)
    return out[-HISTORY_POINTS:]


def red_group_rows(
    name: str,
    group: RedGroup,
    instant: Mapping[str, QueryResult],
    ranged: Mapping[str, QueryResult],
    grid: tuple[float, float, float],
) -> PaneOutput:
    """The rows of one group; ``instant``/``ranged`` are keyed by part (``rate``, ``errors``, …)."""
    keys = tuple(group.by)
    notes: list[str] = []
    units = {"rate": group.rate.unit, "errors": group.errors.unit}
    thresholds: dict[str, Thresholds | None] = {
        "rate": group.rate.thresholds,
        "errors": group.errors.thresholds,
    }
    duration = group.duration
    for part in ("p50", "p95", "p99"):
        if isinstance(duration, HistogramDuration):
            units[part] = duration.unit
            thresholds[part] = duration.thresholds if part == "p99" else None
        else:  # explicit quantile queries carry their own unit and thresholds
            query = getattr(duration, part)
            units[part] = query.unit or "s" if query is not None else "s"
            thresholds[part] = query.thresholds if query is not None else None
    ids = {part: f"red.{name}.{part}" for part in PARTS}

    def key_of(metric: Mapping[str, str]) -> Key:
        return key_values(metric, keys)

    values = {
        part: samples_by(
            instant[part],
            key_of,
            high_bad=high_is_bad(thresholds[part]),
            query_id=ids[part],
            notes=notes,
        )
        for part in PARTS
    }
    start, end, step = grid
    history: dict[str, dict[Key, list[float | None]]] = {}
    for part, result in ranged.items():
        in_order = sorted(result.matrix, key=lambda s: label_order(s.metric))
        history[part] = {key_of(s.metric): on_grid(s.values, start, end, step) for s in in_order}
    if _split_by_none_of(keys, instant["rate"]):
        by = ", ".join(f"`{label}`" for label in keys)
        notes.append(
            f"{ids['rate']}: no series carries {by} (the group's by), so every series is in one row: "
            "run `opsconsole packs doctor`"
        )
    row_keys = set(values["rate"]) | set(values["errors"])
    for key in row_keys:
        rate = values["rate"].get(key)
        if key not in values["errors"] and rate is not None and rate > 0:
            values["errors"][key] = 0.0  # traffic and no error series: nothing failed
        rates, errors = history.get("rate", {}).get(key), history.get("errors", {}).get(key)
        if rates is not None and "errors" in history:
            errors = errors or [None] * len(rates)
            history["errors"][key] = [
                0.0 if e is None and r is not None and r > 0 else e
                for r, e in zip(rates, errors, strict=False)
            ]
    rows = []
    for key in sorted(row_keys):
        cells = {
            part: cell(values[part].get(key), units[part], thresholds[part], ids[part]) for part in PARTS
        }
        rows.append(
            RedRow(
                group=name,
                group_display=group.display or name,
                key=" ".join(v for _, v in key) or name,
                labels=dict(key),
                history={part: h.get(key, []) for part, h in history.items()},
                **cells,
            )
        )
    traffic = has_data(instant["rate"])
    # An empty error query next to traffic is the healthy "no 5xx yet" (shown as 0%), not a gap.
    empty = [ids[p] for p in PARTS if not has_data(instant[p]) and not (p == "errors" and traffic)]
    return PaneOutput(rows, queries=len(PARTS), empty=empty, notes=notes)


def _split_by_none_of(labels: Sequence[str], rate: QueryResult) -> bool:
    """Whether the group is split by ``labels`` and the rate answer has series, none carrying
    any of them: its one row is then every series together, under the group's name, as if the
    group had one row by design."""
    series = [s for s in rate.vector if s.value is not None and not math.isnan(s.value)]
    return bool(labels and series) and not any(s.metric.get(label) for s in series for label in labels)
