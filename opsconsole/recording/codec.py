"""A dashboard as parts that are stored apart (an unchanged part is stored once) and back again.

Reading goes through pydantic's validation of the dashboard's own dataclasses, so a recorded file is
parsed like any other untrusted input: wrong types are refused, and every string passes the models'
sanitising (:class:`~opsconsole.core.untrusted_text.SanitizedModel`) on its way back in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zlib
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from opsconsole.core.dashboard import Dashboard, LogRow

# Fields kept together in the small "head" part; every other field of Dashboard is a part of its own.
HEAD_FIELDS = (
    "context",
    "pack",
    "now",
    "range_seconds",
    "entity_display",
    "entity_labels",
    "logs_unavailable",
)
LOGS_PART = "logs"


class DecodeError(ValueError):
    """A stored part that is not what this version of opsconsole wrote."""


def encode(value: Any) -> bytes:
    """Compact JSON, zlib-compressed."""
    return zlib.compress(json.dumps(value, separators=(",", ":"), default=str).encode("utf-8"), 6)


def decode(data: bytes) -> Any:
    """The value :func:`encode` stored."""
    try:
        return json.loads(zlib.decompress(data).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"a stored part is damaged: {exc}") from None


def digest(data: bytes) -> str:
    """The content address of a stored part."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def board_parts(board: Dashboard) -> dict[str, Any]:
    """The board as plain JSON values, one entry per part (the log lines are left to the caller)."""
    plain = {f.name: _plain(getattr(board, f.name)) for f in dataclasses.fields(board)}
    parts: dict[str, Any] = {"head": {name: plain.pop(name) for name in HEAD_FIELDS}}
    plain.pop(LOGS_PART)
    parts.update(plain)
    return parts


def log_plain(row: LogRow) -> dict[str, Any]:
    """One log line as plain JSON values."""
    plain: dict[str, Any] = _plain(row)
    return plain


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@cache
def _board_adapter() -> TypeAdapter[Dashboard]:
    return TypeAdapter(Dashboard)


def board_from_parts(parts: dict[str, Any], logs: list[Any]) -> Dashboard:
    """The dashboard again, from its parts and its log lines (validated and sanitised)."""
    plain = dict(parts)
    head = plain.pop("head", None)
    if not isinstance(head, dict):
        raise DecodeError("a frame has no head part")
    plain.update(head)
    plain[LOGS_PART] = logs
    try:
        return _board_adapter().validate_python(plain)
    except ValidationError as exc:
        raise DecodeError(f"a recorded dashboard does not fit this version's model: {exc}") from None


def id_ranges(ids: list[int]) -> list[list[int]]:
    """``[3, 4, 5, 9]`` -> ``[[3, 5], [9, 9]]`` (the log lines of a frame are mostly consecutive)."""
    ranges: list[list[int]] = []
    for value in ids:
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges


def expand_ranges(ranges: list[list[int]]) -> list[int]:
    """The ids of :func:`id_ranges`, in order."""
    return [value for start, end in ranges for value in range(start, end + 1)]
