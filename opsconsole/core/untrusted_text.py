"""Make text from backends safe to put on a terminal.

Log lines, label values, annotations, span tags, error bodies, silence comments and pack files come
from systems the on-call engineer does not control. They may carry terminal escape sequences (CSI
colour/cursor moves, OSC 8 hyperlinks, OSC 52 clipboard writes, DCS), C1 controls, or
bidirectional overrides that make the screen lie.

The boundary is the models: every model the console, the wallboard and ``snapshot`` draw from
(:mod:`opsconsole.core.dashboard` and friends) inherits :class:`SanitizedModel`, which cleans every
string in every field when the model is made, so no renderer can receive raw text. Rendering then
treats it as plain text, never as Rich markup.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any, SupportsIndex, TypeVar

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
# DCS/SOS/PM/APC (ESC P|X|^|_ ... ST), and two-byte escapes (ESC + one char).
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC, ended by BEL or ST (or cut off)
  | \x1b[PX^_][^\x1b]*(?:\x1b\\)?      # DCS, SOS, PM, APC
  | \x1b[@-Z\\-_]                      # other two-byte escapes (Fe)
  | \x1b                               # a lone ESC
  | \x9b[0-?]*[ -/]*[@-~]              # 8-bit CSI
  | [\x90\x9d\x98\x9e\x9f][^\x9c]*\x9c? # 8-bit DCS/OSC/SOS/PM/APC ended by 8-bit ST
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional marks, overrides and isolates reorder what the eye reads ("Trojan Source");
# zero-width characters hide text. Both are shown as their code point.
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# A lone surrogate (JSON's "\ud800" without its pair) is no character: no terminal, file or pipe
# can be written it in UTF-8, and printing one ended the command with UnicodeEncodeError.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything any of the rules would touch: ESC and every C0/C1 control, the invisibles.
_NEEDS_WORK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
# No field a person reads is longer; a runaway value must not make every redraw measure megabytes.
MAX_FIELD_CHARS = 16_384

T = TypeVar("T")


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Strip escape sequences; show other control characters as ``\\xNN`` and bidi/zero-width
    characters and lone surrogates as ``\\uNNNN``. Returns ``text`` itself when it is already safe.

    Tabs are kept (as a space-preserving tab); newlines become ``⏎`` unless
    ``keep_newlines`` is set, so one log record stays on one row.
    """
    if not _NEEDS_WORK.search(text):
        return text  # the common case: one scan instead of four (the log tail calls this a lot)
    text = _ESCAPE_SEQUENCE.sub("", text)
    if not keep_newlines:
        text = text.replace("\r\n", "\n").replace("\n", "⏎")
    text = _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def excerpt(text: str, limit: int = 300) -> str:
    """A sanitised single-line excerpt of at most ``limit`` characters."""
    clean = sanitize(text.strip())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _clean_text(text: str) -> str:
    clean = sanitize(text)
    if len(clean) <= MAX_FIELD_CHARS:
        return clean
    # The note says how much was cut, and note and all stay within the limit, so cleaning a
    # cleaned text again changes nothing.
    kept = MAX_FIELD_CHARS - len(f"…(+{len(clean):,} characters)")
    return f"{clean[:kept]}…(+{len(clean) - kept:,} characters)"


def _distinct_key(key: Any, taken: dict[Any, Any]) -> Any:
    """Two keys that differ only in what sanitising removed must not silently become one."""
    if key not in taken:
        return key
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"


def clean(value: T) -> T:
    """``value`` with every string in it made safe: a string, or the strings anywhere in a dict
    (keys and values), list or tuple. Other objects are left alone: models clean themselves.

    Returns ``value`` itself when nothing needed cleaning, so clean data costs no copies.
    """
    if isinstance(value, str):
        return _clean_text(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        pairs = [(clean(k), clean(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        out: dict[Any, Any] = {}
        for key, item in pairs:
            out[_distinct_key(key, out)] = item
        return type(value)(out)
    if isinstance(value, list | tuple):
        items = [clean(item) for item in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*items)
        return type(value)(items)
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}
_PLAIN = (int, float, bool, type(None))


def _surely_clean(values: Iterable[Any]) -> bool:
    """One scan over every string when the fields are flat (strings, numbers, dicts of strings):
    a log row is made per line at thousands of lines a second, and is almost always clean."""
    parts: list[Any] = []
    for value in values:
        kind = value.__class__
        if kind is str:
            parts.append(value)
        elif kind is dict:
            parts.extend(value)
            parts.extend(value.values())
        elif kind not in _PLAIN:
            return False
    try:
        joined = "".join(parts)
    except TypeError:  # a dict held something else than strings
        return False
    return len(joined) <= MAX_FIELD_CHARS and not _NEEDS_WORK.search(joined)


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class SanitizedModel:
    """Base of every dataclass a renderer draws: every string in every field is cleaned (see
    :func:`clean`) when an instance is made, and, for mutable models, whenever a field is set.

    Lists and dicts of a mutable model become :class:`CleanList` / :class:`CleanDict`, which clean
    what is added to them later, so building a model step by step cannot let raw text in.
    """

    __slots__ = ()

    def __post_init__(self) -> None:
        names = _field_names(type(self))
        values = [getattr(self, name) for name in names]
        if _surely_clean(values):
            return
        for name, value in zip(names, values, strict=True):
            cleaned = clean(value)
            if cleaned is not value:
                object.__setattr__(self, name, cleaned)

    def __setattr__(self, name: str, value: Any) -> None:
        # Only mutable models get here: a frozen dataclass's own __setattr__ refuses first.
        object.__setattr__(self, name, _clean_field(value))


def _clean_field(value: Any) -> Any:
    """A field of a mutable model: cleaned, and its list or dict made to clean what is added later."""
    value = clean(value)
    if type(value) is list:
        return CleanList(value)
    if type(value) is dict:
        return CleanDict(value)
    return value


class CleanList(list[T]):
    """A list that cleans every item added to it."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        super().__init__(clean(item) for item in items)

    def append(self, item: T) -> None:
        super().append(clean(item))

    def extend(self, items: Iterable[T]) -> None:
        super().extend(clean(item) for item in items)

    def insert(self, index: SupportsIndex, item: T) -> None:
        super().insert(index, clean(item))

    def __setitem__(self, index: Any, item: Any) -> None:
        super().__setitem__(index, [clean(i) for i in item] if isinstance(index, slice) else clean(item))

    def __iadd__(self, items: Iterable[T]) -> CleanList[T]:  # type: ignore[override,misc]
        self.extend(items)
        return self


class CleanDict(dict[Any, Any]):
    """A dict that cleans every key and value put into it."""

    def __init__(self, items: Any = (), **more: Any) -> None:
        super().__init__()
        self.update(items, **more)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(clean(key), clean(value))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        key = clean(key)
        if key not in self:
            super().__setitem__(key, clean(default))
        return self[key]

    def update(self, items: Any = (), **more: Any) -> None:  # type: ignore[override]
        pairs = items.items() if hasattr(items, "items") else items
        for key, value in [*pairs, *more.items()]:
            self[key] = value
