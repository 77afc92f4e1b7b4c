"""Pydantic models of the Loki HTTP API.

Log timestamps are nanosecond **strings** on the wire and stay ``int`` here:
``float`` cannot hold 19 significant digits. Values may carry a third element
(structured metadata / parsed labels with ``categorize-labels``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Tolerant(BaseModel):
    # defer_build: a model's validator is built when first used, not at import; a one-shot command
    # uses few of them. pydantic >= 2.14 builds it under a lock, so threads may validate at once.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


class LogEntry(_Tolerant):
    """One log line with its stream's labels."""

    ts_ns: int
    line: str
    labels: dict[str, str] = Field(default_factory=dict)
    structured_metadata: dict[str, str] = Field(default_factory=dict)
    parsed: dict[str, str] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[int, tuple[tuple[str, str], ...], str]:
        """Identity for de-duplication across overlapping pages (several lines can share a ns)."""
        return self.ts_ns, tuple(sorted(self.labels.items())), self.line


def parse_ns(raw: Any) -> int:
    """A Loki ns timestamp (string or int) as int; floats are refused (they lose precision)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError(f"timestamp must be a string of nanoseconds, got {raw!r}")
    return int(raw)


class Stream(_Tolerant):
    """A ``streams`` result item."""

    stream: dict[str, str] = Field(default_factory=dict)
    values: list[LogEntry] = Field(default_factory=list)

    @field_validator("values", mode="before")
    @classmethod
    def _entries(cls, raw: Any, info: Any) -> Any:
        if raw is None:
            return []
        if not isinstance(raw, list):
            # A ValueError, which pydantic reports; iterating a number raised TypeError, which
            # pydantic lets through (it ended the live tail).
            raise ValueError("a stream's values must be a list")
        labels = (info.data or {}).get("stream") or {}
        out = []
        for value in raw:
            if not isinstance(value, list | tuple) or len(value) not in (2, 3):
                raise ValueError("a stream value must be [ns, line] or [ns, line, metadata]")
            meta = value[2] if len(value) == 3 and isinstance(value[2], dict) else {}
            structured, parsed = split_metadata(meta)
            out.append(
                {
                    "ts_ns": parse_ns(value[0]),
                    "line": str(value[1]),
                    "labels": labels,
                    "structured_metadata": structured,
                    "parsed": parsed,
                }
            )
        return out


def split_metadata(meta: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A value's third element as (structured metadata, parsed labels), read as Loki's own client
    reads it: ``{"structuredMetadata": {…}, "parsed": {…}}`` with ``categorize-labels``, or flat
    ``{"trace_id": "…"}`` pairs (the push form), which are structured metadata."""
    structured: dict[str, str] = {}
    parsed: dict[str, str] = {}
    for key, value in meta.items():
        if isinstance(value, dict):
            target = structured if key == "structuredMetadata" else parsed if key == "parsed" else None
            if target is not None:
                target.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            structured[str(key)] = str(value)
    return structured, parsed


class MetricSample(_Tolerant):
    """A metric-query series (Prometheus-shaped): labels and ``(seconds, value)`` points."""

    metric: dict[str, str] = Field(default_factory=dict)
    values: list[tuple[float, float]] = Field(default_factory=list)


class LokiQueryResult(_Tolerant):
    """A Loki query answer: log entries (merged, ordered) or metric series."""

    result_type: Literal["streams", "matrix", "vector", "scalar"]
    entries: list[LogEntry] = Field(default_factory=list)
    series: list[MetricSample] = Field(default_factory=list)
    exec_time: float | None = None
    bytes_processed: int | None = None
    warnings: list[str] = Field(default_factory=list)  # Loki's own, e.g. a partial or truncated answer


class TailBatch(_Tolerant):
    """One websocket frame (or one poll) of the live tail."""

    entries: list[LogEntry] = Field(default_factory=list)
    dropped: int = 0
    # Set when a catch-up after a disconnect was too long to load: lines in [from, to) were skipped.
    skipped: tuple[int, int] | None = None


class LokiBuildInfo(_Tolerant):
    """``/loki/api/v1/status/buildinfo``."""

    version: str | None = None
    revision: str | None = None
