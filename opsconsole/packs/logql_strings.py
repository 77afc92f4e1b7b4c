"""LogQL's string literals as Loki's lexer reads them, and the error every LogQL check raises."""

from __future__ import annotations

import re


class LogqlError(ValueError):
    """The LogQL text is structurally wrong; the message says where."""


def split_quoted(text: str, index: int) -> int:
    """Index just past the string literal starting at ``index``."""
    quote = text[index]
    i = index + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    raise LogqlError(f"unterminated string starting at column {index + 1}")


# Go's escapes in a double-quoted string (strconv.Unquote, which Loki's lexer uses); any other
# backslash, "\\d" included, makes Loki refuse the query.
_GO_ESCAPE = re.compile(
    r'\\(?:([abfnrtv\\"])|x([0-9A-Fa-f]{2})|([0-7]{3})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))'
)
_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}


def unquote(literal: str) -> str:
    """The value of a string literal as Loki reads it: back quotes raw, double quotes with Go's escapes
    (``\\xHH`` and octal are bytes, ``\\u``/``\\U`` code points); non-ASCII text is kept as written."""
    if literal.startswith("`"):
        return literal[1:-1]
    body = literal[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        slash = body.find("\\", i)
        if slash < 0:
            out += body[i:].encode("utf-8", "surrogatepass")
            break
        out += body[i:slash].encode("utf-8", "surrogatepass")
        escape = _GO_ESCAPE.match(body, slash)
        if escape is None:
            raise LogqlError(f"bad escape in the string {literal[:40]}")
        simple, hex_byte, octal, short, long = escape.groups()
        if simple:
            out.append(_SIMPLE_ESCAPES[simple])
        elif hex_byte or octal:
            value = int(hex_byte, 16) if hex_byte else int(octal, 8)
            if value > 255:
                raise LogqlError(f"bad escape in the string {literal[:40]}")
            out.append(value)
        else:
            code = int(short or long, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise LogqlError(f"bad escape in the string {literal[:40]}")
            out += chr(code).encode("utf-8")
        i = escape.end()
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:  # "\\xff" alone: bytes that are not text
        raise LogqlError(f"the string {literal[:40]} is not UTF-8 once its escapes are read") from None
