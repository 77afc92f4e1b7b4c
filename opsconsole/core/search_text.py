"""What the user types in the log pane's filter line and the trace search line.

Both are parsed here, with a clear error for anything that cannot be sent as typed.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

_DURATION = re.compile(r"^\d+(\.\d+)?(us|µs|ms|s|m|h)$")
_LOOKBACK = re.compile(r"^(\d+)(m|h|d)$")
_STAGE_START = ("|=", "!=", "|~", "!~", "|")


def line_filter_stage(text: str) -> str:
    """A LogQL stage from the filter line: a stage as typed (``|= "x"``, ``!~ "a|b"``, ``| json``),
    or plain words, which become one case-sensitive ``|= "words"`` filter."""
    text = text.strip()
    if not text:
        return ""
    if text.startswith(_STAGE_START):
        return text
    return f"|= {json.dumps(text)}"


@dataclass(frozen=True)
class TraceQuery:
    """A trace search: ``service=NAME op=OPERATION min=200ms errors since=1h``."""

    service: str
    operation: str = ""
    min_duration: str = ""
    errors_only: bool = False
    lookback_seconds: float = 3600.0

    def text(self) -> str:
        """Back to the search line."""
        parts = [f"service={shlex.quote(self.service)}"]
        if self.operation:
            parts.append(f"op={shlex.quote(self.operation)}")
        if self.min_duration:
            parts.append(f"min={self.min_duration}")
        if self.errors_only:
            parts.append("errors")
        parts.append(f"since={_lookback_text(self.lookback_seconds)}")
        return " ".join(parts)


def _lookback_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds // 60)}m"


def parse_trace_query(text: str, default_service: str = "") -> TraceQuery:
    """Parse the search line; ``ValueError`` says which word is wrong and what is expected."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot read the search: {exc}") from None
    service, operation, min_duration, errors, lookback = default_service, "", "", False, 3600.0
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            if word in ("errors", "error", "err"):
                errors = True
                continue
            raise ValueError(f"{word!r}: expected service=, op=, min=, since= or errors")
        if key in ("service", "svc"):
            service = value
        elif key in ("op", "operation"):
            operation = value
        elif key in ("min", "minDuration"):
            if not _DURATION.match(value):
                raise ValueError(f"min={value}: expected a duration such as 200ms, 1.5s or 500us")
            min_duration = value.replace("µs", "us")
        elif key in ("since", "lookback"):
            match = _LOOKBACK.match(value)
            if not match:
                raise ValueError(f"since={value}: expected e.g. 15m, 1h or 2d")
            lookback = int(match.group(1)) * {"m": 60, "h": 3600, "d": 86400}[match.group(2)]
        else:
            raise ValueError(f"{key}=: expected service=, op=, min=, since= or errors")
    if not service:
        raise ValueError("which service? add service=NAME")
    return TraceQuery(service, operation, min_duration, errors, float(lookback))
