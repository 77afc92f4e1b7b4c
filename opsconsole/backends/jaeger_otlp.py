"""OTLP JSON traces (Jaeger's ``/api/v3``, Tempo's ``batches``) as :class:`Trace` objects.

Protobuf JSON leaves out every zero value: a span may have no ``startTimeUnixNano``, no
``kind``, no ``status``, no ``parentSpanId`` (a root), and a resource may have no attributes
(no service name). Enums come as numbers from Jaeger and as names from other encoders
(``SPAN_KIND_SERVER``, ``STATUS_CODE_ERROR``); ids as hex from Jaeger and base64 from Tempo.
All of it is read; the mapping to tags follows Jaeger's own OTLP → UI model translation, so a
span reads the same whichever API it came from: kind → ``span.kind``, status →
``otel.status_code``/``error``/``otel.status_description``, scope → ``otel.scope.name``, events
→ logs, parent and links → references (a link's ``opentracing.ref_type`` says which kind).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opsconsole.backends.jaeger_fields import TagReader, as_int, as_list, hex_id, reference_type
from opsconsole.backends.jaeger_models import (
    CHILD_OF,
    FOLLOWS_FROM,
    Span,
    SpanLog,
    SpanReference,
    Trace,
    normalize_trace_id,
    tag_text,
)
from opsconsole.backends.jaeger_v1 import with_parents

SPAN_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
STATUS_CODES = {1: "OK", 2: "ERROR"}
REF_TYPE_ATTRIBUTE = "opentracing.ref_type"


def _enum(value: Any, prefix: str, names: Mapping[int, str]) -> str | None:
    """An OTLP enum given as a number (``2``) or a name (``SPAN_KIND_SERVER``); None for unset."""
    number = as_int(value)
    if number is not None:
        return names.get(number)
    text = str(value or "").upper().removeprefix(prefix)
    return next((name for name in names.values() if name.upper() == text), None)


def any_value_text(value: Any) -> str:
    """An OTLP ``AnyValue`` as display text (arrays and maps as compact JSON-like text)."""
    if not isinstance(value, Mapping):
        return tag_text(value)
    for key in ("stringValue", "boolValue", "intValue", "doubleValue", "bytesValue"):
        if key in value:
            return tag_text(value[key])
    for key, opening, closing in (("arrayValue", "[", "]"), ("kvlistValue", "{", "}")):
        if key in value:
            inner = value[key]
            items = as_list(inner.get("values")) if isinstance(inner, Mapping) else []
            parts = (
                f"{i.get('key')}={any_value_text(i.get('value'))}"
                if key == "kvlistValue" and isinstance(i, Mapping)
                else any_value_text(i)
                for i in items
            )
            return opening + ", ".join(parts) + closing
    return "" if not value else json.dumps(value, sort_keys=True, default=str)


def _attributes(raw: Any, reader: TagReader, what: str = "attribute") -> None:
    if not isinstance(raw, list):
        return
    for item in raw:
        if isinstance(item, Mapping) and "key" in item:
            reader.add(str(item["key"]), any_value_text(item.get("value")), what)


def _attribute_dict(raw: Any) -> dict[str, str]:
    reader = TagReader()
    _attributes(raw, reader)
    return reader.tags


def _dropped(raw: Mapping[str, Any], notes: list[str]) -> None:
    for key, what in (
        ("droppedAttributesCount", "attributes"),
        ("droppedEventsCount", "events"),
        ("droppedLinksCount", "links"),
    ):
        count = as_int(raw.get(key))
        if count:
            notes.append(f"the tracer dropped {count} {what} of this span (SDK limits)")


def _references(raw: Mapping[str, Any], trace_id: str) -> list[SpanReference]:
    """The parent as ``CHILD_OF`` first, then the links; a link to the parent only retypes it."""
    refs: list[SpanReference] = []
    parent = hex_id(raw.get("parentSpanId"), 8)
    if parent and parent.strip("0"):
        refs.append(SpanReference(ref_type=CHILD_OF, trace_id=trace_id, span_id=parent))
    for link in as_list(raw.get("links")):
        if not isinstance(link, Mapping):
            continue
        attributes = _attribute_dict(link.get("attributes"))
        kind = reference_type(attributes.pop(REF_TYPE_ATTRIBUTE, ""), FOLLOWS_FROM)
        link_trace = normalize_trace_id(hex_id(link.get("traceId"), 16) or trace_id)
        link_span = hex_id(link.get("spanId"), 8)
        if refs and refs[0].ref_type == CHILD_OF and (link_trace, link_span) == (trace_id, parent):
            refs[0] = refs[0].model_copy(update={"ref_type": kind, "attributes": attributes})
            continue
        refs.append(
            SpanReference(ref_type=kind, trace_id=link_trace, span_id=link_span, attributes=attributes)
        )
    return refs


def _span(raw: Mapping[str, Any], service: str, resource: dict[str, str], scope: Mapping[str, Any]) -> Span:
    notes: list[str] = []
    trace_id = normalize_trace_id(hex_id(raw.get("traceId"), 16))
    reader = TagReader()
    if scope.get("name"):
        reader.add("otel.scope.name", str(scope["name"]))
    if scope.get("version"):
        reader.add("otel.scope.version", str(scope["version"]))
    _attributes(raw.get("attributes"), reader)
    kind = _enum(raw.get("kind"), "SPAN_KIND_", SPAN_KINDS)
    if kind:
        reader.tags["span.kind"] = kind
    status: Mapping[str, Any] = raw["status"] if isinstance(raw.get("status"), Mapping) else {}
    code = _enum(status.get("code"), "STATUS_CODE_", STATUS_CODES)
    if code:
        reader.tags["otel.status_code"] = code
        if code == "ERROR":
            reader.tags["error"] = "true"
    if status.get("message"):
        reader.tags["otel.status_description"] = str(status["message"])
    start_ns = as_int(raw.get("startTimeUnixNano"))
    end_ns = as_int(raw.get("endTimeUnixNano"))
    if not start_ns:
        notes.append("no startTimeUnixNano in the data")
    if not end_ns:
        notes.append("no endTimeUnixNano in the data: duration shown as 0")
    duration_ns = (end_ns - start_ns) if start_ns and end_ns else 0
    if duration_ns < 0:
        notes.append("ends before it starts: duration shown as 0")
        duration_ns = 0
    _dropped(raw, notes)
    logs = []
    for event in as_list(raw.get("events")):
        if not isinstance(event, Mapping):
            continue
        fields = {"event": str(event["name"])} if event.get("name") else {}
        fields.update(_attribute_dict(event.get("attributes")))
        logs.append(SpanLog(timestamp_us=(as_int(event.get("timeUnixNano")) or 0) // 1000, fields=fields))
    return Span(
        trace_id=trace_id,
        span_id=hex_id(raw.get("spanId"), 8),
        operation=str(raw.get("name") or ""),
        service=service,
        start_us=(start_ns or 0) // 1000,
        duration_us=duration_ns // 1000,
        tags=reader.tags,
        logs=logs,
        process_tags=resource,
        references=_references(raw, trace_id),
        notes=[*notes, *reader.notes],
    )


def parse_otlp_traces(result: Any) -> list[Trace]:
    """OTLP JSON ``resourceSpans`` (or Tempo's ``batches``) grouped into traces, in order of first
    appearance. ``ValueError`` only when ``result`` is not an OTLP object at all."""
    if not isinstance(result, Mapping):
        raise ValueError("OTLP result is not an object")
    resource_spans = result.get("resourceSpans") or result.get("batches") or []
    if not isinstance(resource_spans, list):
        raise ValueError("resourceSpans is not a list")
    by_trace: dict[str, list[Span]] = {}
    skipped = 0
    for group in resource_spans:
        if not isinstance(group, Mapping):
            skipped += 1
            continue
        resource_raw: Mapping[str, Any] = (
            group["resource"] if isinstance(group.get("resource"), Mapping) else {}
        )
        resource = _attribute_dict(resource_raw.get("attributes"))
        service = resource.pop("service.name", "") or "unknown"
        scopes = group.get("scopeSpans") or group.get("instrumentationLibrarySpans")
        for scope_spans in as_list(scopes):
            if not isinstance(scope_spans, Mapping):
                skipped += 1
                continue
            scope = scope_spans.get("scope") or scope_spans.get("instrumentationLibrary") or {}
            for raw in as_list(scope_spans.get("spans")):
                if not isinstance(raw, Mapping):
                    skipped += 1
                    continue
                span = _span(raw, service, resource, scope if isinstance(scope, Mapping) else {})
                by_trace.setdefault(span.trace_id, []).append(span)
    notes = [f"{skipped} entries of the OTLP answer that are not objects were skipped"] if skipped else []
    return [Trace(trace_id=tid, spans=with_parents(spans), notes=notes) for tid, spans in by_trace.items()]
