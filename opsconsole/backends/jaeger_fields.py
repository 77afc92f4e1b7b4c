"""Reading the loose parts of Jaeger's span JSON the same way for v1 and v3.

Numbers may arrive as strings (int64 beyond 2^53, protojson's 64-bit integers) or be missing
(protojson omits zero values); a tag key may repeat; a span may have several references, and
the one it hangs under is chosen by Jaeger UI's rule. Nothing here raises for odd data: what
cannot be read becomes a note on the span, never a lost span.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from opsconsole.backends.jaeger_models import CHILD_OF, FOLLOWS_FROM, SpanReference

_HEX = re.compile(r"[0-9a-fA-F]+")


def as_list(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else empty (protojson leaves empty lists out; odd data
    such as a number where a list belongs must not stop the reading)."""
    return value if isinstance(value, list) else []


def as_int(value: object) -> int | None:
    """An integer from a JSON number or a numeric string; None when absent or not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return int(number) if math.isfinite(number) else None
    return None


def hex_id(value: object, size: int) -> str:
    """A trace or span id as lower-case hex: hex as Jaeger sends it, or padded base64 as Tempo and
    some OTLP JSON encoders send it (``size`` bytes once decoded). Anything else is kept as sent."""
    text = "" if value is None else str(value).strip()
    if _HEX.fullmatch(text) and len(text) <= size * 2:
        return text.lower()
    if not text.endswith("="):
        # Protobuf JSON always pads its base64 (8 and 16 bytes both end in "="): an unpadded
        # text is an id someone made up ("rootSpan"), kept as it is rather than decoded.
        return text
    for altchars in (None, b"-_"):  # standard, then URL-safe base64
        try:
            raw = base64.b64decode(text, altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == size:
            return raw.hex()
    return text


class TagReader:
    """Collects ``key → text`` pairs into a dict without losing a repeated key's other value."""

    def __init__(self) -> None:
        self.tags: dict[str, str] = {}
        self.notes: list[str] = []

    def add(self, key: str, value: str, what: str = "tag") -> None:
        """Add one pair; a repeated key with another value is kept as ``key #2``."""
        if key not in self.tags:
            self.tags[key] = value
            return
        if self.tags[key] == value:
            self.notes.append(f"{what} {key}={value} appears more than once")
            return
        copy = 2
        while f"{key} #{copy}" in self.tags:
            copy += 1
        self.tags[f"{key} #{copy}"] = value
        self.notes.append(f"{what} {key} appears with different values: the others are shown as '{key} #N'")


def choose_parent(
    span_id: str, trace_id: str, references: Sequence[SpanReference], present: Iterable[str] | set[str]
) -> tuple[str | None, str | None]:
    """The span ``span_id`` hangs under, and a note when that is not its first parent reference.

    Jaeger's rule: the first ``CHILD_OF`` reference in the same trace, else the first
    ``FOLLOWS_FROM``. Like Jaeger UI, a reference to a span that is in the trace wins over one
    that is not, so a span whose first parent is missing still hangs under the one that arrived.
    With no reference in the trace at all the first one is kept (the span is an orphan).
    """
    ids = present if isinstance(present, set) else set(present)
    same = [r for r in references if r.trace_id == trace_id]
    ordered = [r for r in same if r.ref_type == CHILD_OF] + [r for r in same if r.ref_type == FOLLOWS_FROM]
    if not ordered:
        return None, None
    for ref in ordered:
        if ref.span_id in ids and ref.span_id != span_id:
            if ref is ordered[0]:
                return ref.span_id, None
            return ref.span_id, (
                f"its {ordered[0].ref_type} {ordered[0].span_id} is not in this trace: "
                f"placed under its {ref.ref_type} {ref.span_id}"
            )
    return ordered[0].span_id, None


def reference_type(text: object, default: str = CHILD_OF) -> str:
    """``CHILD_OF`` / ``FOLLOWS_FROM`` from any casing (OTLP links say ``child_of``). Absent means
    ``default``: ``CHILD_OF`` is the zero value protobuf JSON leaves out. Unknown kinds are kept
    as sent, upper-cased, so they are shown rather than guessed."""
    name = str(text or "").strip().upper()
    return name or default
