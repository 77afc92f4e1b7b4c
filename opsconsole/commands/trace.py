"""``opsconsole trace ID``: one trace as text or JSON, for scripts, chat and incident notes.

The same reading the trace screen shows: the span tree (broken traces repaired the same way,
every span kept), the critical path, each span's references, and every warning: Jaeger's own
and what the console had to repair. ``--json`` carries all of it; nothing on the screen is
missing from it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from opsconsole.backends.errors import BackendError
from opsconsole.config import ConfigError
from opsconsole.core.untrusted_text import sanitize
from opsconsole.core.value_format import format_micros

if TYPE_CHECKING:
    from opsconsole.backends.jaeger_models import Trace
    from opsconsole.core.trace_layout import Waterfall

# Jaeger's client, models and the waterfall are imported when a trace is asked for: every command
# registers its flags at start, and `snapshot` or `check` should not pay for them.


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``trace`` command."""
    parser = subparsers.add_parser(
        "trace",
        parents=[common],
        help="print one trace from Jaeger (span tree, critical path, references, warnings) and exit",
        description="Print one trace by id (16 or 32 hex). Exit code 1 when Jaeger cannot give it.",
    )
    parser.add_argument("trace_id", metavar="TRACE_ID", help="the trace id (16 or 32 hex)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--text", action="store_true", help="plain text (the default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fetch the trace with the context's Jaeger, then print it."""
    from opsconsole.cli import resolve_from_args

    try:
        context = resolve_from_args(args)
    except ConfigError as exc:
        print(f"opsconsole trace: {exc}", file=sys.stderr)
        return 2
    endpoint = context.settings.jaeger
    if endpoint is None:
        print("opsconsole trace: no Jaeger in this context (--jaeger URL or config)", file=sys.stderr)
        return 2

    async def fetch() -> Trace:
        from opsconsole.backends.jaeger import JaegerClient

        client = JaegerClient(endpoint, read_only=context.read_only)
        try:
            return await client.trace(args.trace_id)
        finally:
            await client.aclose()

    try:
        trace = asyncio.run(fetch())
    except BackendError as exc:
        print(f"opsconsole trace: {exc.diagnosis}", file=sys.stderr)
        return 1
    print(json.dumps(as_json(trace), indent=2) if args.json else as_text(trace))
    return 0


def as_json(trace: Trace) -> dict[str, Any]:
    """The trace as plain JSON types: spans in tree order with depth, repaired start (µs), marks."""
    from opsconsole.core.trace_layout import build_waterfall

    waterfall = build_waterfall(trace.spans, trace.forest)
    ids = {s.span_id for s in trace.spans}
    root = trace.root
    spans = []
    for row in waterfall.rows:
        span = trace.spans[row.index]
        marks = waterfall.marks.get(row.index, ())
        spans.append(
            {
                "span_id": span.span_id,
                "parent_id": span.parent_id,
                "depth": row.depth,
                "service": span.service,
                "operation": span.operation,
                "start_us": waterfall.starts[row.index],
                "start_estimated": any(m.kind == "no_start" for m in marks),
                "duration_us": span.duration_us,
                "error": span.is_error,
                "critical_path": row.critical,
                "tags": span.tags,
                "logs": [{"timestamp_us": log.timestamp_us, "fields": log.fields} for log in span.logs],
                "process_tags": span.process_tags,
                "references": [
                    {
                        "ref_type": ref.ref_type,
                        "trace_id": ref.trace_id,
                        "span_id": ref.span_id,
                        "attributes": ref.attributes,
                        "in_this_trace": ref.trace_id == trace.trace_id and ref.span_id in ids,
                    }
                    for ref in span.references
                ],
                "repairs": [{"kind": m.kind, "text": m.text} for m in marks],
                "notes": span.notes,
                "warnings": span.warnings,
            }
        )
    return {
        "trace_id": trace.trace_id,
        "root": None
        if root is None
        else {"span_id": root.span_id, "service": root.service, "operation": root.operation},
        "start_us": trace.start_us,
        "duration_us": trace.duration_us,
        "span_count": len(trace.spans),
        "error_count": trace.error_count,
        "services": trace.services,
        "warnings": trace.warnings,
        "problems": trace.problems,
        "spans": spans,
    }


def as_text(trace: Trace) -> str:
    """The trace as plain text lines (no colour, no escape sequences from the traced services)."""
    from opsconsole.core.trace_layout import build_waterfall

    waterfall = build_waterfall(trace.spans, trace.forest)
    root = trace.root
    head = f"trace {trace.trace_id}"
    if root is not None:
        head += f" · {sanitize(root.service)}: {sanitize(root.operation)}"
    head += (
        f" · {format_micros(trace.duration_us)} · {len(trace.spans)} spans · {trace.error_count} errors"
        f" · {', '.join(sanitize(s) for s in trace.services)}"
    )
    out = [head]
    out.extend(f"⚠ {sanitize(problem)}" for problem in trace.problems)
    out.append("")
    out.extend(_rows(trace, waterfall))
    out.append("")
    out.append("* on the critical path   ✖ error   ⚠ repaired (see above)   ≈ estimated start")
    return "\n".join(out)


def _rows(trace: Trace, waterfall: Waterfall) -> list[str]:
    lines = []
    for row in waterfall.rows:
        span = trace.spans[row.index]
        marks = waterfall.marks.get(row.index, ())
        flags = ("*" if row.critical else " ") + ("✖" if span.is_error else " ")
        flags += "⚠" if marks or span.notes else " "
        estimated = "≈" if any(m.kind == "no_start" for m in marks) else " "
        offset = f"{estimated}+{format_micros(waterfall.starts[row.index] - waterfall.start_us)}"
        name = f"{'  ' * row.depth}{sanitize(span.service)}: {sanitize(span.operation) or '(no name)'}"
        lines.append(f"{flags} {offset:>11} {format_micros(max(0, span.duration_us)):>9}  {name}")
        indent = "  " * (row.depth + 1)
        for ref in span.references:
            if ref.span_id == span.parent_id and ref.trace_id == span.trace_id:
                continue
            where = "" if ref.trace_id == trace.trace_id else f" in trace {ref.trace_id}"
            lines.append(f"{'':24}{indent}↳ {ref.ref_type} {ref.span_id}{where}")
    return lines
