"""Pydantic models of the Prometheus HTTP API responses (and compatible engines).

Sample values arrive as strings (``"NaN"``, ``"+Inf"`` included) and timestamps as
float seconds; both become ``float`` here. Unknown fields are ignored so newer
servers and Thanos/Mimir/VictoriaMetrics extras do not break parsing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Tolerant(BaseModel):
    # defer_build: a model's validator is built when first used, not at import; a one-shot command
    # uses few of them. pydantic >= 2.14 builds it under a lock, so threads may validate at once.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


def _sample(raw: Any) -> tuple[float, float]:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise ValueError(f"expected [timestamp, value], got {raw!r}")
    ts, value = raw
    if not (_numeric(ts) and _numeric(value)):
        raise ValueError(f"expected [timestamp, value] as numbers, got {raw!r}")
    return float(ts), float(value)


def _numeric(raw: Any) -> bool:
    """Whether ``float()`` reads ``raw`` as Prometheus sends it (a number, or a string). Pydantic
    turns a ValueError raised in a validator into a validation error but lets a TypeError through:
    ``float(None)`` ended `packs doctor` with a traceback."""
    return isinstance(raw, str | int | float) and not isinstance(raw, bool)


class NativeHistogram(_Tolerant):
    """A native-histogram sample: count, sum and ``[rule, lower, upper, count]`` buckets."""

    count: float
    sum: float
    buckets: list[tuple[int, float, float, float]] = Field(default_factory=list)


class InstantSample(_Tolerant):
    """One series of an instant vector: labels and either a value or a native histogram."""

    metric: dict[str, str]
    timestamp: float
    value: float | None = None
    histogram: NativeHistogram | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "timestamp" in data:
            return data
        out: dict[str, Any] = {"metric": data.get("metric") or {}}
        if "value" in data:
            out["timestamp"], out["value"] = _sample(data["value"])
        elif "histogram" in data:
            raw = data["histogram"]
            if not isinstance(raw, list) or len(raw) != 2:
                raise ValueError("histogram sample must be [timestamp, {...}]")
            if not _numeric(raw[0]):
                raise ValueError(f"histogram sample must be [timestamp, {{...}}], got {raw!r}")
            out["timestamp"], out["histogram"] = float(raw[0]), raw[1]
        else:
            raise ValueError("vector sample has neither 'value' nor 'histogram'")
        return out


class RangeSeries(_Tolerant):
    """One series of a range (matrix) result: labels and ``(timestamp, value)`` points."""

    metric: dict[str, str]
    values: list[tuple[float, float]] = Field(default_factory=list)
    histograms: list[tuple[float, NativeHistogram]] = Field(default_factory=list)

    @field_validator("values", mode="before")
    @classmethod
    def _points(cls, raw: Any) -> Any:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise ValueError("values must be a list")
        return [_sample(p) for p in raw]


class QueryResult(_Tolerant):
    """A query answer with its type; exactly one of the payload fields is filled."""

    result_type: Literal["vector", "matrix", "scalar", "string"]
    vector: list[InstantSample] = Field(default_factory=list)
    matrix: list[RangeSeries] = Field(default_factory=list)
    scalar: tuple[float, float] | None = None
    string: tuple[float, str] | None = None
    warnings: list[str] = Field(default_factory=list)
    infos: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True for "no data" (a success with nothing in it), which is not zero."""
        return not (self.vector or self.matrix or self.scalar is not None or self.string is not None)


class PrometheusAlert(_Tolerant):
    """An alert from ``/api/v1/alerts`` or a rule's ``alerts`` (Prometheus' own view, no silences)."""

    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    state: str
    active_at: datetime | None = Field(None, alias="activeAt")
    value: str = ""
    keep_firing_since: datetime | None = Field(None, alias="keepFiringSince")


class Rule(_Tolerant):
    """An alerting or recording rule from ``/api/v1/rules``."""

    type: Literal["alerting", "recording"]
    name: str
    query: str
    duration: float = 0.0
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    state: str | None = None
    health: str = "unknown"
    last_error: str | None = Field(None, alias="lastError")
    last_evaluation: datetime | None = Field(None, alias="lastEvaluation")
    evaluation_time: float = Field(0.0, alias="evaluationTime")
    alerts: list[PrometheusAlert] = Field(default_factory=list)


class RuleGroup(_Tolerant):
    """A rule group."""

    name: str
    file: str = ""
    interval: float = 0.0
    rules: list[Rule] = Field(default_factory=list)
    last_evaluation: datetime | None = Field(None, alias="lastEvaluation")


class Target(_Tolerant):
    """A scrape target."""

    discovered_labels: dict[str, str] = Field(default_factory=dict, alias="discoveredLabels")
    labels: dict[str, str] = Field(default_factory=dict)
    scrape_pool: str = Field("", alias="scrapePool")
    scrape_url: str = Field("", alias="scrapeUrl")
    health: str = "unknown"
    last_error: str = Field("", alias="lastError")
    last_scrape: datetime | None = Field(None, alias="lastScrape")
    last_scrape_duration: float = Field(0.0, alias="lastScrapeDuration")
    scrape_interval: str = Field("", alias="scrapeInterval")


class Targets(_Tolerant):
    """Active and dropped targets."""

    active: list[Target] = Field(default_factory=list, alias="activeTargets")
    dropped: list[Target] = Field(default_factory=list, alias="droppedTargets")


class MetricMetadata(_Tolerant):
    """``type``/``help``/``unit`` of one metric family."""

    type: str = "unknown"
    help: str = ""
    unit: str = ""


class BuildInfo(_Tolerant):
    """``/api/v1/status/buildinfo``; VictoriaMetrics answers an empty object."""

    version: str | None = None
    revision: str | None = None
    branch: str | None = None
    go_version: str | None = Field(None, alias="goVersion")
