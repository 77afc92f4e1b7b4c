"""Jaeger's v1 trace JSON (the UI model of ``/api/traces``) as :class:`Trace`.

Read as Jaeger UI reads it: a span with no ``startTime`` or ``duration``, no ``references``, an
unknown ``processID`` or a repeated tag is kept and noted, never a reason to reject the trace.
Only an answer that is not a trace at all (not an object, ``spans`` not a list) is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsconsole.backends.jaeger_fields import (
    TagReader,
    as_int,
    as_list,
    choose_parent,
    hex_id,
    reference_type,
)
from opsconsole.backends.jaeger_models import (
    CHILD_OF,
    Span,
    SpanLog,
    SpanReference,
    Trace,
    normalize_trace_id,
    tag_text,
)


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is not an object")
    return value


def _texts(raw: Any) -> list[str]:
    """Jaeger's ``warnings``: null, a list of strings, or (odd data) a single value."""
    if raw is None or raw == "":
        return []
    return [str(w) for w in raw] if isinstance(raw, list) else [str(raw)]


def _key_values(raw: Any, reader: TagReader, what: str) -> None:
    if not isinstance(raw, list):
        return
    for item in raw:
        if isinstance(item, Mapping) and "key" in item:
            reader.add(str(item["key"]), tag_text(item.get("value")), what)


def _tags(raw: Any, what: str = "tag") -> tuple[dict[str, str], list[str]]:
    reader = TagReader()
    _key_values(raw, reader, what)
    return reader.tags, reader.notes


def _references(raw: Mapping[str, Any], trace_id: str) -> list[SpanReference]:
    refs: list[SpanReference] = []
    for ref in as_list(raw.get("references")):
        if not isinstance(ref, Mapping) or not ref.get("spanID"):
            continue
        refs.append(
            SpanReference(
                ref_type=reference_type(ref.get("refType")),
                trace_id=normalize_trace_id(hex_id(ref.get("traceID") or trace_id, 16)),
                span_id=hex_id(ref["spanID"], 8),
            )
        )
    # Older endpoints carry the parent as ``parentSpanID`` instead of a reference.
    parent = raw.get("parentSpanID")
    if not refs and parent and str(parent).strip("0"):
        refs.append(SpanReference(ref_type=CHILD_OF, trace_id=trace_id, span_id=hex_id(parent, 8)))
    return refs


def _span(raw: Mapping[str, Any], trace_id: str, processes: Mapping[str, Any]) -> Span:
    notes: list[str] = []
    span_trace = normalize_trace_id(hex_id(raw.get("traceID") or trace_id, 16))
    span_id = hex_id(raw.get("spanID"), 8)
    if not span_id:
        notes.append("no spanID in the data")
    start = as_int(raw.get("startTime"))
    if start is None:
        notes.append(f"startTime {'missing' if raw.get('startTime') is None else repr(raw['startTime'])}")
    duration = as_int(raw.get("duration"))
    if duration is None or duration < 0:
        notes.append(f"duration {'missing' if duration is None else duration}: shown as 0")
        duration = 0
    process = processes.get(str(raw.get("processID"))) or raw.get("process") or {}
    if not isinstance(process, Mapping):
        process = {}
    if "serviceName" not in process:
        notes.append(f"process {raw.get('processID')!r} not in the trace: service unknown")
    tags, tag_notes = _tags(raw.get("tags"))
    process_tags, process_notes = _tags(process.get("tags"), "process tag")
    logs = []
    for entry in as_list(raw.get("logs")):
        if not isinstance(entry, Mapping):
            notes.append("a span log that is not an object was skipped")
            continue
        fields, _ = _tags(entry.get("fields"), "log field")
        logs.append(SpanLog(timestamp_us=as_int(entry.get("timestamp")) or 0, fields=fields))
    warnings = raw.get("warnings")
    return Span(
        trace_id=span_trace,
        span_id=span_id,
        operation=str(raw.get("operationName") or ""),
        service=str(process.get("serviceName") or "unknown"),
        start_us=start or 0,
        duration_us=duration,
        tags=tags,
        logs=logs,
        process_tags=process_tags,
        warnings=_texts(warnings),
        references=_references(raw, span_trace),
        notes=[*notes, *tag_notes, *process_notes],
    )


def parse_v1_trace(raw: Any, trace_id: str | None = None) -> Trace:
    """A v1 (UI model) trace; ``ValueError`` only when ``raw`` is not a trace at all.

    ``trace_id`` is the id asked for, used when the trace object itself has none.
    """
    raw = _mapping(raw, "trace")
    raw_spans = raw.get("spans")
    if raw_spans is None:
        raw_spans = []
    if not isinstance(raw_spans, list):
        raise ValueError("spans is not a list")
    first_span_trace = next(
        (s.get("traceID") for s in raw_spans if isinstance(s, Mapping) and s.get("traceID")), None
    )
    tid_text = raw.get("traceID") or first_span_trace or trace_id
    if not tid_text:
        raise ValueError("a trace without traceID and without spans")
    tid = normalize_trace_id(hex_id(tid_text, 16))
    processes = raw.get("processes") or {}
    if not isinstance(processes, Mapping):
        processes = {}
    notes: list[str] = []
    spans: list[Span] = []
    for item in raw_spans:
        if not isinstance(item, Mapping):
            notes.append(f"an entry of 'spans' that is not an object ({type(item).__name__}) was skipped")
            continue
        spans.append(_span(item, tid, processes))
    spans = with_parents(spans)
    return Trace(
        trace_id=tid,
        spans=spans,
        warnings=_texts(raw.get("warnings")),
        notes=notes,
    )


def with_parents(spans: list[Span]) -> list[Span]:
    """Each span with ``parent_id`` chosen from its references (the ids present are needed first)."""
    present = {s.span_id for s in spans}
    out = []
    for span in spans:
        parent, note = choose_parent(span.span_id, span.trace_id, span.references, present)
        update: dict[str, Any] = {"parent_id": parent}
        if note:
            update["notes"] = [*span.notes, note]
        out.append(span.model_copy(update=update))
    return out
