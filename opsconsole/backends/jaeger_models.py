"""One internal trace model for Jaeger's v1 (UI JSON) and v3 (OTLP JSON) APIs.

Times are integer **microseconds** since the epoch (v1's unit; v3's nanosecond
strings are converted exactly). Trace ids are lower-case and left-padded to 32
hex characters so ids from logs (W3C, 32 hex) and old clients (16 hex) compare.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsconsole.core.untrusted_text import clean


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _terminal_safe(cls, value: Any) -> Any:
        """Services, operations, tags, logs and process fields are the traced systems' own text:
        made terminal-safe here, where every trace view reads them (see core/untrusted_text)."""
        return clean(value)


def normalize_trace_id(trace_id: str) -> str:
    """Lower-case, 32-hex trace id."""
    return trace_id.strip().lower().rjust(32, "0")


class SpanLog(_Frozen):
    """A span event / log with its fields."""

    timestamp_us: int
    fields: dict[str, str] = Field(default_factory=dict)


class Span(_Frozen):
    """A span, with its service resolved and its parent chosen by Jaeger's rule."""

    trace_id: str
    span_id: str
    parent_id: str | None = None
    operation: str
    service: str
    start_us: int
    duration_us: int
    tags: dict[str, str] = Field(default_factory=dict)
    logs: list[SpanLog] = Field(default_factory=list)
    process_tags: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    @property
    def end_us(self) -> int:
        """When the span ended."""
        return self.start_us + self.duration_us

    @property
    def is_error(self) -> bool:
        """Error when tag ``error`` is true or ``otel.status_code`` is ``ERROR``."""
        return self.tags.get("error", "").lower() == "true" or self.tags.get("otel.status_code") == "ERROR"


class Trace(_Frozen):
    """A whole trace."""

    trace_id: str
    spans: list[Span]
    warnings: list[str] = Field(default_factory=list)

    @property
    def start_us(self) -> int:
        """Earliest span start."""
        return min((s.start_us for s in self.spans), default=0)

    @property
    def duration_us(self) -> int:
        """From the earliest start to the latest end."""
        return max((s.end_us for s in self.spans), default=0) - self.start_us

    @property
    def error_count(self) -> int:
        """Spans marked as errors."""
        return sum(1 for s in self.spans if s.is_error)

    @property
    def root(self) -> Span | None:
        """The span without a parent in this trace that starts first."""
        ids = {s.span_id for s in self.spans}
        roots = [s for s in self.spans if s.parent_id is None or s.parent_id not in ids]
        return min(roots, key=lambda s: s.start_us, default=None)

    @property
    def services(self) -> list[str]:
        """Services that took part, sorted."""
        return sorted({s.service for s in self.spans})


def tag_text(value: Any) -> str:
    """A tag value as display text (bools lower-case like Jaeger shows them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
