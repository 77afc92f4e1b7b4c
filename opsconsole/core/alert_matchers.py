"""Alertmanager matcher syntax, as amtool and the API ``filter`` use it.

``severity="critical", service=~"agents|db"`` (braces optional, comma-separated);
operators ``=``, ``!=``, ``=~``, ``!~``; values double-quoted (unquoted values
without spaces or commas are accepted, as Alertmanager does). Regexes are
anchored on both ends when matched, and read as Alertmanager reads them: Go's
regexp, RE2 syntax (:mod:`opsconsole.core.go_regex`), not Python's ``re``, which
accepts lookaround Alertmanager refuses and refuses ``\\pL`` it accepts.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

from opsconsole.core.go_regex import RegexSyntaxError, compile_go_regex

Operator = Literal["=", "!=", "=~", "!~"]
_ONE = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^",{}\s]*)\s*(?:,|$)')


@functools.lru_cache(maxsize=1024)
def _go_regex(pattern: str) -> Any:
    """The pattern compiled as Alertmanager compiles it (kept: a filter matches it against every alert)."""
    return compile_go_regex(pattern, "Alertmanager")


class MatcherSyntaxError(ValueError):
    """Text that is not a list of matchers; the message says where."""


@dataclass(frozen=True)
class LabelMatcher:
    """``name op value``."""

    name: str
    op: Operator
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether a label set satisfies this matcher (a missing label is the empty string)."""
        actual = labels.get(self.name, "")
        if self.op in ("=", "!="):
            return (actual == self.value) == (self.op == "=")
        return bool(_go_regex(self.value).fullmatch(actual)) == (self.op == "=~")

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


def unquote(quoted: str) -> str:
    """The value between the double quotes, unescaped the way Alertmanager does it.

    ``\\"``, ``\\\\`` and ``\\n`` are escapes; any other backslash is literal (so regexes such as
    ``"5\\d\\d"`` keep theirs). Text is never re-decoded: ``café`` stays ``café``.
    """
    out: list[str] = []
    chars = iter(quoted)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, None)
        if following is None:
            out.append("\\")  # a backslash at the very end is literal
        elif following == "n":
            out.append("\n")
        elif following in ('"', "\\"):
            out.append(following)
        else:
            out.append("\\" + following)
    return "".join(out)


def parse_matchers(text: str) -> list[LabelMatcher]:
    """Parse a matcher list; raises :class:`MatcherSyntaxError` naming the bad part."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    out: list[LabelMatcher] = []
    position = 0
    while position < len(body) and body[position:].strip():
        match = _ONE.match(body, position)
        if not match or match.end() == position:
            near = body[position : position + 30]
            raise MatcherSyntaxError(f'bad matcher near {near!r}: expected name="value" with =, !=, =~ or !~')
        name, op, raw = match.groups()
        value = unquote(raw[1:-1]) if raw.startswith('"') else raw
        if op in ("=~", "!~"):
            try:
                _go_regex(value)
            except RegexSyntaxError as exc:
                raise MatcherSyntaxError(f"invalid regex in {name}{op}: {exc}") from None
        out.append(LabelMatcher(name, op, value))  # type: ignore[arg-type]
        position = match.end()
    return out
