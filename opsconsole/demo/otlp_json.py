"""The demo's traces in OTLP JSON, as Jaeger's ``/api/v3`` writes them.

The demo builds each trace once, in Jaeger's v1 UI model; this turns one into what a Jaeger v2
answers on v3 for the same spans: spans grouped by service into ``resourceSpans``, ids in hex,
times as nanosecond strings, ``kind`` and ``status.code`` as numbers, and protobuf JSON's habit
of leaving zero values out (no ``parentSpanId`` on a root, no ``code`` on an unset status).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SPAN_KINDS = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
STATUS_ERROR = 2


def any_value(tag: Mapping[str, Any]) -> dict[str, Any]:
    """A v1 tag's value as an OTLP ``AnyValue`` (int64 as a string, as protobuf JSON does)."""
    kind, value = tag.get("type"), tag.get("value")
    if kind == "bool":
        return {"boolValue": bool(value)}
    if kind == "int64":
        return {"intValue": str(value)}
    if kind == "float64":
        return {"doubleValue": float(value)}  # type: ignore[arg-type]
    if kind == "binary":
        return {"bytesValue": str(value)}
    return {"stringValue": str(value)}


def _attributes(
    tags: Iterable[Mapping[str, Any]], skip: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    return [{"key": t["key"], "value": any_value(t)} for t in tags if t["key"] not in skip]


def _span(span: Mapping[str, Any]) -> dict[str, Any]:
    tags = {t["key"]: t for t in span.get("tags") or []}
    out: dict[str, Any] = {"traceId": span["traceID"], "spanId": span["spanID"]}
    parent = next(
        (
            r["spanID"]
            for r in span.get("references") or []
            if r.get("refType") == "CHILD_OF" and r.get("traceID") == span["traceID"]
        ),
        None,
    )
    if parent:
        out["parentSpanId"] = parent
    out["name"] = span["operationName"]
    kind = SPAN_KINDS.get(str(tags.get("span.kind", {}).get("value", "")))
    if kind:
        out["kind"] = kind
    start_ns = int(span["startTime"]) * 1000
    out["startTimeUnixNano"] = str(start_ns)
    out["endTimeUnixNano"] = str(start_ns + int(span["duration"]) * 1000)
    attributes = _attributes(tags.values(), frozenset({"span.kind", "error", "otel.status_code"}))
    if attributes:
        out["attributes"] = attributes
    events = []
    for log in span.get("logs") or []:
        fields = {f["key"]: f for f in log.get("fields") or []}
        event: dict[str, Any] = {"timeUnixNano": str(int(log["timestamp"]) * 1000)}
        if "event" in fields:
            event["name"] = str(fields["event"]["value"])
        rest = _attributes(fields.values(), frozenset({"event"}))
        if rest:
            event["attributes"] = rest
        events.append(event)
    if events:
        out["events"] = events
    links = [
        {"traceId": r["traceID"], "spanId": r["spanID"]}
        for r in span.get("references") or []
        if not (
            r.get("refType") == "CHILD_OF"
            and r.get("spanID") == parent
            and r.get("traceID") == span["traceID"]
        )
    ]
    if links:
        out["links"] = links
    error = (
        tags.get("error", {}).get("value") is True or tags.get("otel.status_code", {}).get("value") == "ERROR"
    )
    out["status"] = {"code": STATUS_ERROR} if error else {}
    return out


def resource_spans(traces: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """v1 traces as one ``resourceSpans`` list: a group per service and trace, in order."""
    groups: list[dict[str, Any]] = []
    for trace in traces:
        by_process: dict[str, list[dict[str, Any]]] = {}
        for span in trace["spans"]:
            by_process.setdefault(span["processID"], []).append(_span(span))
        for process_id, spans in by_process.items():
            process = trace["processes"][process_id]
            resource = [{"key": "service.name", "value": {"stringValue": process["serviceName"]}}]
            resource += _attributes(process.get("tags") or [])
            groups.append(
                {"resource": {"attributes": resource}, "scopeSpans": [{"scope": {}, "spans": spans}]}
            )
    return groups
