"""A structural check of LogQL: the stream selector and the names of pipeline stages.

Not a full LogQL parser (no maintained Python one exists); it catches what breaks
packs in practice: unbalanced braces or quotes, bad matcher operators, a
selector Loki would refuse because every matcher can match the empty string,
and misspelt stages.
"""

from __future__ import annotations

import json
import re

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


def _unquote(literal: str) -> str:
    if literal.startswith("`"):
        return literal[1:-1]
    # Escapes are read as Loki reads them (\n, \u00e9, \\); other text is kept as written: non-ASCII
    # is turned into escapes first, so "café" is never re-decoded as bytes ("cafÃ©").
    try:
        return literal[1:-1].encode("ascii", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:  # "\x", "\u12": a truncated escape is a LogQL error, not a crash
        raise LogqlError(f"bad escape in the string {literal[:40]}") from None


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
        if op == "=~":
            try:
                if not re.fullmatch(value, ""):
                    non_empty = True
            except re.error as exc:
                raise LogqlError(f"invalid regex for {name}: {exc}") from None
        position = match.end()
        if position < len(rest):
            if rest[position] != ",":
                raise LogqlError(f"expected ',' between matchers near {rest[position : position + 20]!r}")
            position += 1
    if not non_empty:
        raise LogqlError('every matcher can match the empty string; Loki needs one like app="x" or app=~".+"')


def _label_filter_so_far(stage: str) -> bool:
    """``stage`` is ``| name`` with a name that is not a stage's (``| json != "x"`` is a line filter)."""
    label = _LABEL_NAME_SO_FAR.fullmatch(stage)
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


# RE2 (Loki's regex engine) has no lookaround or backreferences; Python's re would accept them.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]")


def _check_regex(argument: str) -> None:
    """A ``|~``/``!~`` argument must be one string holding a regex RE2 can compile."""
    try:
        pattern = argument[1:-1] if argument[0] == "`" else json.loads(argument)
    except ValueError:
        raise LogqlError(f"cannot read the string {argument[:40]}") from None
    if not isinstance(pattern, str) or (argument[0] == "`" and not argument.endswith("`")):
        raise LogqlError(f"cannot read the string {argument[:40]}")
    if _NOT_RE2.search(pattern):
        raise LogqlError("Loki's regexes (RE2) have no lookaround or backreferences")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise LogqlError(f"bad regex {pattern[:40]!r}: {exc}") from None


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
            continue
        raise LogqlError(f"unknown pipeline stage {body[:30]!r}")
