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
from collections.abc import Callable
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


def _same(text: str) -> str:
    return text


def board_parts(board: Dashboard, text: Callable[[str], str] = _same) -> dict[str, Any]:
    """The board as plain JSON values, one entry per part (the log lines are left to the caller);
    every string (keys too) passes through ``text`` on the way (the recording's redaction)."""
    plain = {
        name: plain_value(getattr(board, name), text) for name in _field_names(Dashboard) if name != LOGS_PART
    }
    plain[LOGS_PART] = []
    parts: dict[str, Any] = {"head": {name: plain.pop(name) for name in HEAD_FIELDS}}
    plain.pop(LOGS_PART)
    parts.update(plain)
    return parts


def log_plain(row: LogRow, text: Callable[[str], str] = _same) -> dict[str, Any]:
    """One log line as plain JSON values (strings through ``text``)."""
    plain: dict[str, Any] = plain_value(row, text)
    return plain


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def plain_value(value: Any, text: Callable[[str], str] = _same) -> Any:
    """Dataclasses, dicts, lists and tuples as JSON values (one pass: this runs at every refresh)."""
    kind = type(value)
    if kind is str:
        return text(value)
    if value is None or kind is float or kind is int or kind is bool:
        return value
    if isinstance(value, list | tuple):
        return [plain_value(v, text) for v in value]
    if isinstance(value, dict):
        return {text(str(k)): plain_value(v, text) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain_value(getattr(value, name), text) for name in _field_names(kind)}
    if isinstance(value, str):
        return text(value)
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
