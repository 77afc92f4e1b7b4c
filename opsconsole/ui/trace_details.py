"""What the trace screen says about one span and one trace: its references both ways, every field
of a span, the trace's warnings. Model text is already terminal-safe (backends/jaeger_models cleans
it at the boundary) and is drawn as plain ``Text``, never as markup."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from opsconsole.backends.jaeger_models import CHILD_OF, Span, SpanReference, Trace
from opsconsole.core.trace_layout import Waterfall
from opsconsole.core.value_format import format_micros


@dataclass(frozen=True)
class ReferenceTarget:
    """Where a line of the references list leads: a span of this trace, or another trace."""

    trace_id: str
    span_id: str
    index: int | None  # the span in this trace, when it is here


@dataclass(frozen=True)
class ReferenceIndex:
    """Built once per trace, so moving the cursor over a 10,000-span trace stays cheap: where each
    span id is, and which spans reference it other than as their parent."""

    first_with: dict[str, int]
    incoming: dict[str, list[tuple[int, SpanReference]]]

    @classmethod
    def of(cls, trace: Trace) -> ReferenceIndex:
        """Index ``trace``."""
        first_with: dict[str, int] = {}
        incoming: dict[str, list[tuple[int, SpanReference]]] = {}
        for index, span in enumerate(trace.spans):
            first_with.setdefault(span.span_id, index)
            for ref in span.references:
                if ref.trace_id != span.trace_id:
                    continue
                if ref.span_id == span.parent_id and ref.ref_type == CHILD_OF:
                    continue  # a plain child: the tree shows it
                incoming.setdefault(ref.span_id, []).append((index, ref))
        return cls(first_with, incoming)


def span_references(
    span: Span, trace: Trace, index: ReferenceIndex | None = None
) -> list[tuple[Text, ReferenceTarget]]:
    """The span's references (→, as sent) and the spans that reference it other than as their
    parent (←), each with where Enter leads."""
    index = index or ReferenceIndex.of(trace)

    def describe(span_id: str) -> str:
        position = index.first_with.get(span_id)
        if position is None:
            return f"span {span_id} (not in this trace)"
        target = trace.spans[position]
        return f"{target.service}: {target.operation or '(no name)'} ({span_id})"

    out: list[tuple[Text, ReferenceTarget]] = []
    for ref in span.references:
        attributes = ", ".join(f"{k}={v}" for k, v in sorted(ref.attributes.items()))
        extra = f" {{{attributes}}}" if attributes else ""
        role = " · parent" if ref.span_id == span.parent_id and ref.trace_id == span.trace_id else ""
        if ref.trace_id != trace.trace_id:
            text = f"→ {ref.ref_type} trace {ref.trace_id} span {ref.span_id} (another trace){extra}"
            out.append((Text(text), ReferenceTarget(ref.trace_id, ref.span_id, None)))
            continue
        text = f"→ {ref.ref_type} {describe(ref.span_id)}{role}{extra}"
        out.append(
            (Text(text), ReferenceTarget(ref.trace_id, ref.span_id, index.first_with.get(ref.span_id)))
        )
    if span.trace_id == trace.trace_id:
        for position, ref in index.incoming.get(span.span_id, []):
            other = trace.spans[position]
            if other is span:
                continue
            text = f"← {ref.ref_type} from {describe(other.span_id)}"
            out.append((Text(text), ReferenceTarget(trace.trace_id, other.span_id, position)))
    return out


def span_details(span: Span, trace: Trace, waterfall: Waterfall, index: int) -> Table:
    """Everything about span ``index``: timing, ids, what was repaired, tags, events, process."""
    marks = waterfall.marks.get(index, ())
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    start = waterfall.starts[index]
    offset = format_micros(start - waterfall.start_us)
    if any(m.kind == "no_start" for m in marks):
        offset = f"≈+{offset} (no start time: estimated)"
    else:
        offset = f"+{offset}"
    table.add_row("span", Text(f"{span.service}: {span.operation or '(no name)'}"))
    table.add_row("timing", Text(f"{offset}, {format_micros(max(0, span.duration_us))}"))
    parent = span.parent_id or "—"
    if any(m.kind == "orphan" for m in marks):
        parent += " (not in this trace)"
    elif any(m.kind in ("cycle", "self_parent") for m in marks):
        parent += " (ignored: a parent cycle)"
    table.add_row("ids", Text(f"span {span.span_id} · parent {parent}"))
    for mark in marks:
        table.add_row(Text("⚠ repaired"), Text(mark.text))
    for note in span.notes:
        table.add_row(Text("⚠ data"), Text(note))
    for warning in span.warnings:
        table.add_row("warning", Text(warning))
    for key, value in sorted(span.tags.items()):
        table.add_row(Text(f"tag {key}"), Text(value))
    for log in span.logs:
        stamp = (
            f"+{format_micros(log.timestamp_us - waterfall.start_us)}"
            if log.timestamp_us > 0
            else "(no time)"
        )
        fields = " ".join(f"{k}={v}" for k, v in sorted(log.fields.items()))
        table.add_row(Text(f"event {stamp}"), Text(fields))
    for key, value in sorted(span.process_tags.items()):
        table.add_row(Text(f"process {key}"), Text(value))
    return table


def trace_warnings(trace: Trace) -> Table:
    """Every warning about the trace: Jaeger's own, then what the console read or repaired."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for problem in trace.problems:
        table.add_row("⚠", Text(problem))
    if not trace.problems:
        table.add_row("", Text("no warnings about this trace"))
    return table
