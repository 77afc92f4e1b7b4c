"""A check of LogQL log queries: the stream selector here, the pipeline in
:mod:`opsconsole.packs.logql_pipeline`.

Not a full LogQL parser (no maintained Python one exists); it catches what breaks packs in practice:
unbalanced braces or quotes, bad matcher operators, a selector Loki would refuse because every matcher
can match the empty string, misspelt stages, regexes Go's regexp refuses, label filters and line
filters Loki's grammar does not read.
"""

from __future__ import annotations

import re

from opsconsole.packs.logql_pipeline import check_pipeline, label_regex
from opsconsole.packs.logql_strings import LogqlError, split_quoted, unquote

__all__ = ["LogqlError", "check_logql", "check_selector"]

_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*')


def _selector_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] in '"`':
            i = split_quoted(text, i)
            continue
        if text[i] == "}":
            return i
        if text[i] == "{":
            raise LogqlError(f"unexpected '{{' at column {i + 1} inside the stream selector")
        i += 1
    raise LogqlError("stream selector is missing its closing '}'")


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
        value = unquote(literal)
        if op == "=" and value:
            non_empty = True
        if op in ("=~", "!~"):
            regex = label_regex(name, value)
            if op == "=~" and not regex.fullmatch(""):
                non_empty = True
        position = match.end()
        if position < len(rest):
            if rest[position] != ",":
                raise LogqlError(f"expected ',' between matchers near {rest[position : position + 20]!r}")
            position += 1
    if not non_empty:
        raise LogqlError('every matcher can match the empty string; Loki needs one like app="x" or app=~".+"')


def check_logql(text: str) -> None:
    """Raise :class:`LogqlError` if ``text`` is not a structurally valid LogQL log query."""
    stripped = text.strip()
    start = stripped.find("{")
    if start != 0:
        raise LogqlError("a log query must start with a stream selector {...}")
    end = _selector_end(stripped, start)
    check_selector(stripped[start + 1 : end])
    check_pipeline(stripped, end + 1)
