"""A structural check of LogQL: the stream selector and the names of pipeline stages.

Not a full LogQL parser (no maintained Python one exists); it catches what breaks
packs in practice: unbalanced braces or quotes, bad matcher operators, a
selector Loki would refuse because every matcher can match the empty string,
and misspelt stages.
"""

from __future__ import annotations

import re
from typing import Any

from opsconsole.packs.go_regex import RegexSyntaxError, compile_go_regex

_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*')
_STAGES = {
    "json",
    "logfmt",
    "regexp",
    "pattern",
    "unpack",
    "line_format",
    "label_format",
    "drop",
    "keep",
    "decolorize",
    "unwrap",
}
_LABEL_FILTER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|==|=|>=|<=|>|<)\s*\S")
_LINE_FILTER_OPS = ("|=", "!=", "|~", "!~")
# A stage so far of "| name": a "!=" or "!~" next is a label filter's operator (| level != "debug"),
# not the start of a line filter.
_LABEL_NAME_SO_FAR = re.compile(r"\s*\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*")
# ... or a label filter so far that ends with a name after "and", "or" or ",": | a="x" or b != "y".
_NEXT_LABEL_NAME_SO_FAR = re.compile(
    r"\s*\|\s*([A-Za-z_][A-Za-z0-9_]*).*(?:\band|\bor|,)\s*[A-Za-z_][A-Za-z0-9_]*\s*", re.DOTALL
)


class LogqlError(ValueError):
    """The LogQL text is structurally wrong; the message says where."""


def _split_quoted(text: str, index: int) -> int:
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


def _selector_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] in '"`':
            i = _split_quoted(text, i)
            continue
        if text[i] == "}":
            return i
        if text[i] == "{":
            raise LogqlError(f"unexpected '{{' at column {i + 1} inside the stream selector")
        i += 1
    raise LogqlError("stream selector is missing its closing '}'")


# Go's escapes in a double-quoted string (strconv.Unquote, which Loki's lexer uses); any other
# backslash, "\\d" included, makes Loki refuse the query.
_GO_ESCAPE = re.compile(
    r'\\(?:([abfnrtv\\"])|x([0-9A-Fa-f]{2})|([0-7]{3})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))'
)
_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}


def _unquote(literal: str) -> str:
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


def check_selector(selector_body: str) -> None:
    """Check the matchers inside ``{...}``."""
    rest = selector_body.strip()
    if not rest:
        raise LogqlError("empty stream selector: Loki needs at least one matcher")
    non_empty = False
    position = 0
    while position < len(rest):
        match = _MATCHER.match(rest, position)
        if not match:
            raise LogqlError(f'bad matcher near {rest[position : position + 30]!r}: expected name="value"')
        name, op, literal = match.groups()
        value = _unquote(literal)
        if op == "=" and value:
            non_empty = True
        if op in ("=~", "!~"):
            regex = _label_regex(name, value)
            if op == "=~" and not regex.fullmatch(""):
                non_empty = True
        position = match.end()
        if position < len(rest):
            if rest[position] != ",":
                raise LogqlError(f"expected ',' between matchers near {rest[position : position + 20]!r}")
            position += 1
    if not non_empty:
        raise LogqlError('every matcher can match the empty string; Loki needs one like app="x" or app=~".+"')


def _label_filter_so_far(stage: str) -> bool:
    """``stage`` is ``| name`` (or ``| a="x" or name``) with a first name that is not a stage's
    (``| json != "x"`` is a line filter)."""
    label = _LABEL_NAME_SO_FAR.fullmatch(stage) or _NEXT_LABEL_NAME_SO_FAR.fullmatch(stage)
    return label is not None and label.group(1) not in _STAGES


def _pipeline_stages(text: str, start: int) -> list[str]:
    """The stages of ``text[start:]`` (``start``: so that columns in errors count from the query's start)."""
    stages: list[str] = []
    current: list[str] = []
    i = start
    while i < len(text):
        ch = text[i]
        if ch in '"`':
            end = _split_quoted(text, i)
            current.append(text[i:end])
            i = end
            continue
        if (
            ch in "|!"
            and (i + 1 < len(text) and text[i + 1] in "=~")
            and ch + text[i + 1] in _LINE_FILTER_OPS
            and not (ch == "!" and _label_filter_so_far("".join(current)))
        ):
            stages.append("".join(current))
            current = [text[i : i + 2]]
            i += 2
            continue
        if ch == "|":
            stages.append("".join(current))
            current = ["|"]
            i += 1
            continue
        current.append(ch)
        i += 1
    stages.append("".join(current))
    return [s.strip() for s in stages if s.strip()]


def _label_regex(name: str, pattern: str) -> Any:
    """``pattern`` of a ``name=~``/``name!~`` matcher or label filter, compiled as Loki would."""
    try:
        return compile_go_regex(pattern)
    except RegexSyntaxError as exc:
        raise LogqlError(f"invalid regex for {name}: {exc}") from None


def _check_regex(argument: str) -> None:
    """A ``|~``/``!~`` argument must be one string holding a regex Go's regexp (RE2) compiles."""
    if len(argument) < 2 or _split_quoted(argument, 0) != len(argument):
        raise LogqlError(f"cannot read the string {argument[:40]}")
    try:
        pattern = _unquote(argument)
    except LogqlError:
        raise LogqlError(f"cannot read the string {argument[:40]}") from None
    try:
        compile_go_regex(pattern)
    except RegexSyntaxError as exc:
        raise LogqlError(f"bad regex {pattern[:40]!r}: {exc}") from None


# The words of a label filter expression (| status >= 500 and level =~ "warn|error"): a string, a
# name, an operator, anything else one character at a time.
_FILTER_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|(=~|!~|!=|==|>=|<=|=|>|<)|(.)", re.DOTALL)


def _check_label_filter_regexes(body: str) -> None:
    """Every ``name =~ "regex"`` and ``name !~ "regex"`` of a label filter stage compiles in Go."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if body[i].isspace():
            i += 1
            continue
        if body[i] in '"`':
            end = _split_quoted(body, i)
            tokens.append(("string", body[i:end]))
            i = end
            continue
        token = _FILTER_TOKEN.match(body, i)
        assert token is not None  # its last choice takes any one character
        name, op, other = token.groups()
        tokens.append(("name", name) if name else ("op", op) if op else ("other", other))
        i = token.end()
    for index, (kind, op) in enumerate(tokens):
        if kind != "op" or op not in ("=~", "!~") or index == 0 or tokens[index - 1][0] != "name":
            continue
        name = tokens[index - 1][1]
        value = tokens[index + 1] if index + 1 < len(tokens) else ("end", "")
        if value[0] != "string":
            raise LogqlError(f"label filter {name} {op} needs a quoted regex")
        _label_regex(name, _unquote(value[1]))


def check_logql(text: str) -> None:
    """Raise :class:`LogqlError` if ``text`` is not a structurally valid LogQL log query."""
    stripped = text.strip()
    start = stripped.find("{")
    if start != 0:
        raise LogqlError("a log query must start with a stream selector {...}")
    end = _selector_end(stripped, start)
    check_selector(stripped[start + 1 : end])
    for stage in _pipeline_stages(stripped, end + 1):
        if stage.startswith(_LINE_FILTER_OPS):
            argument = stage[2:].strip()
            if not argument or argument[0] not in '"`':
                raise LogqlError(f"line filter {stage[:2]} needs a quoted string")
            if stage[1] == "~":
                _check_regex(argument)
            continue
        if not stage.startswith("|"):
            raise LogqlError(f"expected '|' before {stage[:20]!r}")
        body = stage[1:].strip()
        word = re.match(r"[A-Za-z_]+", body)
        if word and word.group() in _STAGES:
            continue
        if _LABEL_FILTER.match(body):
            _check_label_filter_regexes(body)
            continue
        raise LogqlError(f"unknown pipeline stage {body[:30]!r}")
