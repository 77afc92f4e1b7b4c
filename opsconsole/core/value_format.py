"""Numbers as an on-call engineer reads them: units scaled, no false precision."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from opsconsole.core.durations import format_duration, parse_duration

_BYTES = ("B", "KiB", "MiB", "GiB", "TiB")
_PLAIN_SCALE = {"k": Decimal(1000), "M": Decimal(1_000_000)}
# How many more digits a text may take to read on the same side of a threshold as its value: enough
# for any double, the smallest in µs included, so format_judged always ends with a text that does
# (a figure next to its threshold needs two or three; a handful of digits is the usual worst).
MORE_DIGITS = 400


def _scaled(value: float, factor: int, digits: int, *, divide: bool = False) -> float | Decimal:
    """``value`` times (or over) ``factor``: in floats for the usual text (as it always was), exactly
    when more digits are asked for (a rounded float product could itself land on the threshold)."""
    if digits:
        exact = Decimal(value)
        return exact / factor if divide else exact * factor
    return value / factor if divide else value * factor


def _bytes(value: float, digits: int) -> str:
    size = abs(value)
    for unit in _BYTES:
        if size < 1024 or unit == _BYTES[-1]:
            text = f"{size:.{digits}f}" if unit == "B" else f"{size:.{1 + digits}f}"
            return f"{'-' if value < 0 else ''}{text} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _seconds(value: float, digits: int) -> str:
    if value < 0:  # a skew or a deadline passed: scaled like the positive one, not as µs
        return f"-{_seconds(-value, digits)}"
    if value < 1e-3:
        return f"{_scaled(value, 1_000_000, digits):.{digits}f}µs"
    if value < 1:
        return f"{_scaled(value, 1000, digits):.{digits}f}ms"
    if value < 60:
        return f"{value:.{2 + digits}f}s"
    if digits:  # a duration has no decimals: in seconds, as many as asked for beyond the whole ones
        return f"{value:.{digits - 1}f}s"
    return format_duration(value)


def _plain(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    size = abs(value)
    if round(size / 1e3, 1) >= 1000:  # from 999,950 on: 999,999 reads 1.0M, not 1000.0k
        return f"{_scaled(value, 1_000_000, digits, divide=True):.{1 + digits}f}M"
    if size >= 1e4:
        return f"{_scaled(value, 1000, digits, divide=True):.{1 + digits}f}k"
    if size >= 100 or float(value).is_integer():
        return f"{value:.{digits}f}"
    if size >= 1:  # one decimal; a value that rounds to a whole number reads as one ("1", not "1.0")
        return f"{value:.{1 + digits}f}" if digits else f"{value:.1f}".removesuffix(".0")
    return f"{value:.{3 + digits}g}"


def format_value(value: float | None, unit: str = "", digits: int = 0) -> str:
    """``value`` in ``unit`` (``bytes``, ``ratio``, ``s``, ``req/s``…); ``—`` for no data.

    ``digits``: that many more than the usual (see :func:`format_judged`)."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if unit == "bytes":
        return _bytes(value, digits)
    if unit in ("ratio", "percent"):
        share = value * 100 if unit == "ratio" else value
        if share == 0:
            return "0%"
        exact = _scaled(value, 100 if unit == "ratio" else 1, digits)
        return f"{exact:.{2 + digits}f}%" if abs(share) < 10 else f"{exact:.{1 + digits}f}%"
    if unit == "s":
        return _seconds(value, digits)
    if unit == "req/s":
        return f"{_plain(value, digits)}/s"
    text = _plain(value, digits)
    return f"{text} {unit}" if unit and unit not in ("", "none") else text


def _plain_number(text: str) -> Decimal:
    scale = _PLAIN_SCALE.get(text[-1:])
    return Decimal(text[:-1]) * scale if scale is not None else Decimal(text)


def _seconds_number(text: str) -> float:
    if text.startswith("-"):
        return -_seconds_number(text[1:])
    for suffix, scale in (("µs", Decimal("1e-6")), ("ms", Decimal("1e-3"))):
        if text.endswith(suffix):
            return float(Decimal(text.removesuffix(suffix)) * scale)
    try:
        return float(Decimal(text.removesuffix("s")))
    except InvalidOperation:
        return parse_duration(text)  # 12m, 3h20m, 2d4h


def shown_number(text: str, unit: str = "") -> float | None:
    """The number ``text``, made by :func:`format_value` for ``unit``, reads as (in the unit's own
    terms: ``2.96%`` of a ratio is 0.0296, ``1.5 KiB`` is 1536); None where it reads as none (``—``,
    ``NaN``).

    Read in decimal, then made a float once, as a threshold written in a pack is: ``2.96%`` is the
    float of 0.0296, the same as a pack's ``crit: 0.0296``."""
    if text == "NaN":
        return None
    try:
        if unit == "bytes":
            number, _, suffix = text.partition(" ")
            return float(Decimal(number) * 1024 ** _BYTES.index(suffix))
        if unit in ("ratio", "percent"):
            share = Decimal(text.removesuffix("%"))
            return float(share / 100 if unit == "ratio" else share)
        if unit == "s":
            return _seconds_number(text)
        if unit == "req/s":
            return float(_plain_number(text.removesuffix("/s")))
        if unit and unit != "none":
            text = text.removesuffix(f" {unit}")
        return float(_plain_number(text))
    except (InvalidOperation, ValueError):
        return None


def format_judged(value: float | None, unit: str, level: Callable[[float], str]) -> str:
    """``format_value``, with as many more digits as it takes for the text to be judged as the
    value is: a threshold level comes from the value, and the reader judges the text.

    Under a crit of 3, 2.96 is ``2.96`` (``3`` would read as crit and be marked warn); 3.04 stays
    ``3``, which is crit as 3.04 is. A text that reads on the value's side of every threshold is left
    as it is, so a figure gains digits only where it stands next to a threshold."""
    text = format_value(value, unit)
    if value is None or not math.isfinite(value):
        return text
    wanted = level(value)
    for digits in range(MORE_DIGITS + 1):
        text = format_value(value, unit, digits)
        shown = shown_number(text, unit)
        if shown is None or level(shown) == wanted:
            return text
    return text


def format_micros(us: float) -> str:
    """A span duration: ``850µs``, ``12.4ms``, ``3.21s``, ``2m05s``."""
    if us < 1000:
        return f"{us:.0f}µs"
    if us < 1_000_000:
        return f"{us / 1000:.1f}ms"
    if us < 60_000_000:
        return f"{us / 1_000_000:.2f}s"
    minutes, seconds = divmod(int(us // 1_000_000), 60)
    return f"{minutes}m{seconds:02d}s"
