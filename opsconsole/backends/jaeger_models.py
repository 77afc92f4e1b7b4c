"""One internal trace model for Jaeger's v1 (UI JSON) and v3 (OTLP JSON) APIs.

Times are integer **microseconds** since the epoch (v1's unit; v3's nanosecond
strings are converted exactly). Trace ids are lower-case and left-padded to 32
hex characters so ids from logs (W3C, 32 hex) and old clients (16 hex) compare.

The model holds what the server sent, including what is broken about it (a start time of 0 when
there was none, a parent that is not in the trace, a cycle); :attr:`Trace.forest` is the repaired
structure every view draws from, with what was repaired and why.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsconsole.core.span_forest import SpanForest, plan_forest
from opsconsole.core.untrusted_text import clean

CHILD_OF = "CHILD_OF"
FOLLOWS_FROM = "FOLLOWS_FROM"


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
    """A span event / log with its fields (``timestamp_us`` 0: the server sent no time)."""

    timestamp_us: int
    fields: dict[str, str] = Field(default_factory=dict)


class SpanReference(_Frozen):
    """A reference from a span to another: its parent (``CHILD_OF``), a span it follows or an
    OTLP link (``FOLLOWS_FROM``), possibly in another trace."""

    ref_type: str
    trace_id: str
    span_id: str
    attributes: dict[str, str] = Field(default_factory=dict)  # OTLP link attributes


class Span(_Frozen):
    """A span, with its service resolved and its parent chosen by Jaeger's rule.

    ``parent_id`` is the span this one hangs under (the first ``CHILD_OF`` reference in the same
    trace that is present, else the first ``FOLLOWS_FROM``); ``references`` are all of them as
    sent. ``notes`` are what the console noticed while reading it (a missing start time, a
    duplicate tag); ``warnings`` are Jaeger's own.
    """

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
    references: list[SpanReference] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def end_us(self) -> int:
        """When the span ended (as sent; see :attr:`Trace.forest` for repaired times)."""
        return self.start_us + self.duration_us

    @property
    def is_error(self) -> bool:
        """Error when tag ``error`` is true or ``otel.status_code`` is ``ERROR``."""
        return self.tags.get("error", "").lower() == "true" or self.tags.get("otel.status_code") == "ERROR"


class Trace(_Frozen):
    """A whole trace: spans as sent, Jaeger's warnings, and the reader's own ``notes``."""

    trace_id: str
    spans: list[Span]
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @cached_property
    def forest(self) -> SpanForest:
        """The repaired structure (parents, cycles broken, start times), computed once."""
        return plan_forest(self.spans)

    @property
    def start_us(self) -> int:
        """Earliest (repaired) span start."""
        return self.forest.start_us

    @property
    def duration_us(self) -> int:
        """From the earliest start to the latest end."""
        return self.forest.duration_us

    @property
    def error_count(self) -> int:
        """Spans marked as errors."""
        return sum(1 for s in self.spans if s.is_error)

    @property
    def root(self) -> Span | None:
        """The span the trace is named after: one that claims no parent, else the best stand-in
        (see :func:`~opsconsole.core.span_forest.plan_forest`)."""
        root = self.forest.root
        return None if root is None else self.spans[root]

    @property
    def services(self) -> list[str]:
        """Services that took part, sorted."""
        return sorted({s.service for s in self.spans})

    @property
    def problems(self) -> list[str]:
        """Everything to warn about, in order: Jaeger's warnings, then the console's own."""
        return [*(f"Jaeger: {w}" for w in self.warnings), *self.notes, *self.forest.warnings]


class TraceSearchPage(_Frozen):
    """A search answer: the traces newest first, and what the answer said was wrong or missing."""

    traces: list[Trace]
    warnings: list[str] = Field(default_factory=list)


def tag_text(value: Any) -> str:
    """A tag value as display text (bools lower-case like Jaeger shows them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
