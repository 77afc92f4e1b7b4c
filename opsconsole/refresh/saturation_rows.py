"""Saturation rows: shared resources (connection pools, cache memory) against their thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.dashboard import SaturationRow
from opsconsole.packs.schema import Query
from opsconsole.refresh.pane_output import PaneOutput, cell, has_data


def _series_name(metric: Mapping[str, str], legend: list[str], several: bool) -> str:
    """Which series a row is: needed only when the query returned several."""
    if not several:
        return ""
    if legend:
        return " ".join(metric.get(k, "") for k in legend).strip()
    return ", ".join(f"{k}={v}" for k, v in sorted(metric.items()) if k != "__name__")


def saturation_rows(specs: Mapping[str, Query], instant: Mapping[str, QueryResult]) -> PaneOutput:
    """One row per series of each saturation query (one for a single value), worst first."""
    rows = []
    for name, spec in specs.items():
        qid = f"saturation.{name}"
        result = instant[qid]
        display = spec.display or name
        if result.scalar is not None and not math.isnan(result.scalar[1]):
            rows.append(
                SaturationRow(name, display, "", cell(result.scalar[1], spec.unit, spec.thresholds, qid))
            )
            continue
        samples = [s for s in result.vector if s.value is not None and not math.isnan(s.value)]
        names = [_series_name(s.metric, spec.legend, len(samples) > 1) for s in samples]
        if len(set(names)) < len(names):  # the legend does not tell them apart: every label does
            names = [_series_name(s.metric, [], True) for s in samples]
        for sample, series in zip(samples, names, strict=True):
            rows.append(
                SaturationRow(name, display, series, cell(sample.value, spec.unit, spec.thresholds, qid))
            )
    rank = {"crit": 0, "warn": 1, "ok": 2, "none": 3}
    order = {name: i for i, name in enumerate(specs)}
    rows.sort(key=lambda r: (rank[r.value.level], order[r.name], r.series))
    empty = [f"saturation.{name}" for name in specs if not has_data(instant[f"saturation.{name}"])]
    return PaneOutput(rows, queries=len(specs), empty=empty)
