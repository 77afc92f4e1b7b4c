"""The pipeline of a LogQL log query (what follows the stream selector), read as Loki's grammar reads it.

Written from the LogQL documentation (no Loki code: Loki is AGPL), it checks what otherwise fails
only when Loki runs the query:

- line filters ``|=``, ``!=``, ``|~``, ``!~`` and the pattern filters ``|>``, ``!>``, each taking a
  string, chained with ``or`` (``|= "a" or "b"``); ``|=`` and ``!=`` also take ``ip("...")``, an
  address, a range ``a-b`` or a CIDR block;
- label filter expressions: ``name op value`` joined by ``and``, ``,``, a space (all "and") or
  ``or``, grouped by parentheses (``| (level="error" or status>=500) and path!~"/health.*"``);
  strings take ``=``, ``!=``, ``=~``, ``!~``; numbers, durations (``250ms``) and sizes (``20MB``) the
  comparisons; ``ip("...")`` takes ``=`` and ``!=``;
- the ``regexp`` stage's pattern: RE2-valid, with at least one named group, whose text becomes a label;
- the ``pattern`` stage's expression: at least one named capture (``<name>``; ``<_>`` keeps nothing),
  no two captures without text between them (nothing says where one ends), no name captured twice.

Every regex is judged by Go's regexp syntax (:mod:`opsconsole.core.go_regex`). Other stages (``json``,
``logfmt``, ``line_format`` ...) are recognised by name; their arguments are Loki's to judge.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from opsconsole.core.go_regex import RegexSyntaxError, compile_go_regex
from opsconsole.packs.logql_strings import LogqlError, split_quoted, unquote

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
    "distinct",
}
_LINE_OPS = ("|=", "|~", "|>")  # always a line filter
_BANG_OPS = ("!=", "!~", "!>")  # a line filter, or a label filter's operator after a name
_COMPARISONS = ("=~", "==", ">=", "<=", "=", ">", "<")
_TOKEN = re.compile(
    r"(?P<op>\|=|\|~|\|>|!=|!~|!>|=~|==|>=|<=|=|>|<|\||\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    # A number, duration (1h30m, 250ms, 1.5s) or size (20MB, 5KiB): digits and unit letters.
    r"|(?P<literal>[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[A-Za-zµμ]*)+)"
    r"|(?P<other>\S)"
)
# Units a label filter's literal may carry: Go durations (and Loki's d, w, y) and byte sizes.
_UNITS = {
    *("ns", "us", "µs", "μs", "ms", "s", "m", "h", "d", "w", "y"),
    *(f"{p}{s}" for p in "kmgtpe" for s in ("", "b", "i", "ib")),
    "b",
    "e",  # an exponent (1e3)
}
_UNIT_RUN = re.compile(r"[A-Za-zµμ]+")
# A capture in a pattern expression; any other "<" is text to match.
_CAPTURE = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")


@dataclass(frozen=True)
class _Token:
    kind: str  # "op", "name", "literal", "string", "other", "end"
    text: str
    start: int  # index in the query


def _tokens(text: str, start: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = start
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] in '"`':
            end = split_quoted(text, i)
            tokens.append(_Token("string", text[i:end], i))
            i = end
            continue
        match = _TOKEN.match(text, i)
        assert match is not None  # "other" takes any one character
        assert match.lastgroup is not None
        tokens.append(_Token(match.lastgroup, match.group(), i))
        i = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _go_regex(pattern: str, what: str) -> Any:
    try:
        return compile_go_regex(pattern)
    except RegexSyntaxError as exc:
        raise LogqlError(f"{what}: {exc}") from None


def label_regex(name: str, pattern: str) -> Any:
    """``pattern`` of a ``name=~``/``name!~`` matcher or label filter, compiled as Loki would."""
    return _go_regex(pattern, f"invalid regex for {name}")


def _check_ip(literal: str, where: str) -> None:
    """``ip("...")``'s argument: an address, a range ``a-b`` of one family, or a CIDR block."""
    pattern = unquote(literal)
    try:
        if "/" in pattern:
            ipaddress.ip_network(pattern, strict=False)
        elif "-" in pattern:
            first, last = (ipaddress.ip_address(part) for part in pattern.split("-", 1))
            if first.version != last.version:
                raise ValueError("a range of two families")
        else:
            ipaddress.ip_address(pattern)
    except ValueError:
        raise LogqlError(
            f"{where} ip({literal[:40]}): not an IP address, a range a-b or a CIDR block"
        ) from None


class _Pipeline:
    """A recursive-descent reader of the pipeline's tokens; raises :class:`LogqlError` at the first
    thing Loki would refuse."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.tokens = _tokens(text, start)
        self.at = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def stage_ends(self, token: _Token) -> bool:
        """Whether ``token`` starts the next stage (or ends the query)."""
        return token.kind == "end" or token.text == "|" or token.text in _LINE_OPS + _BANG_OPS

    def read(self) -> None:
        while (token := self.take()).kind != "end":
            if token.text in _LINE_OPS + _BANG_OPS:
                self.line_filter(token)
            elif token.text == "|":
                self.stage(token)
            else:
                raise LogqlError(f"expected '|' before {self.text[token.start :][:20]!r}")

    # -- line filters -------------------------------------------------------------------------

    def line_filter(self, op: _Token) -> None:
        self.filter_value(op)
        while self.peek.text == "or":
            self.take()
            self.filter_value(op)

    def filter_value(self, op: _Token) -> None:
        value = self.take()
        if value.kind == "name" and value.text == "ip" and op.text in ("|=", "!="):
            self.ip_call(f"line filter {op.text}")
        elif value.kind != "string":
            raise LogqlError(f"line filter {op.text} needs a quoted string")
        elif op.text[1] == "~":
            try:
                pattern = unquote(value.text)
            except LogqlError:
                raise self.unreadable(value) from None
            _go_regex(pattern, f"bad regex {pattern[:40]!r}")
        else:
            try:
                unquote(value.text)
            except LogqlError:
                raise self.unreadable(value) from None
        if not self.stage_ends(self.peek) and self.peek.text != "or":
            raise self.unreadable(value)

    def unreadable(self, value: _Token) -> LogqlError:
        """A filter's string with something after it that is no next stage: the string and what
        follows, up to the next stage, quoted in part."""
        end = self.at
        while not self.stage_ends(self.tokens[end]):
            end += 1
        written = self.text[value.start : self.tokens[end].start].strip()
        return LogqlError(f"cannot read the string {written[:40]}")

    def ip_call(self, where: str) -> None:
        if self.take().text != "(":
            raise LogqlError(f'{where} ip needs ("address"), a range or a CIDR block in parentheses')
        literal = self.take()
        if literal.kind != "string" or self.take().text != ")":
            raise LogqlError(f'{where} ip needs ("address"), a range or a CIDR block in parentheses')
        _check_ip(literal.text, where)

    # -- stages -------------------------------------------------------------------------------

    def stage(self, pipe: _Token) -> None:
        first = self.peek
        if first.kind == "name" and first.text in _STAGES:
            self.take()
            if first.text == "regexp":
                self.regexp_stage()
                return
            if first.text == "pattern":
                self.pattern_stage()
                return
            previous = first
            # A named stage's arguments are Loki's to judge; they run to the next "|" or line filter
            # ("| drop a != "x"": after a name that is not the stage's own, "!=" is an argument's).
            while not (
                self.peek.kind == "end"
                or self.peek.text == "|"
                or self.peek.text in _LINE_OPS
                or (self.peek.text in _BANG_OPS and not (previous.kind == "name" and previous is not first))
            ):
                previous = self.take()
            return
        if first.kind != "name" and first.text != "(":
            raise self.unknown_stage(pipe)
        self.or_expression(pipe)
        if not self.stage_ends(self.peek):
            raise LogqlError(f"unexpected {self.peek.text[:20]!r} in the label filter")

    def unknown_stage(self, pipe: _Token) -> LogqlError:
        end = self.at
        while not self.stage_ends(self.tokens[end]):
            end += 1
        body = self.text[pipe.start + 1 : self.tokens[end].start].strip()
        return LogqlError(f"unknown pipeline stage {body[:30]!r}")

    def regexp_stage(self) -> None:
        pattern = self.take()
        if pattern.kind != "string" or not self.stage_ends(self.peek):
            raise LogqlError("the regexp stage takes one quoted regex")
        text = unquote(pattern.text)
        compiled = _go_regex(text, f"regexp stage: bad regex {text[:40]!r}")
        if not getattr(compiled, "groupindex", None):
            raise LogqlError(
                f"regexp stage: {text[:40]!r} has no named group: Loki makes labels of (?P<name>...) only"
            )

    def pattern_stage(self) -> None:
        expression = self.take()
        if expression.kind != "string" or not self.stage_ends(self.peek):
            raise LogqlError("the pattern stage takes one quoted pattern")
        text = unquote(expression.text)
        shown = repr(text[:40])
        named: set[str] = set()
        previous_end = -1
        for capture in _CAPTURE.finditer(text):
            name = capture.group(1)
            if capture.start() == previous_end:
                raise LogqlError(
                    f"pattern stage: {shown} has two captures with no text between them "
                    f"(before <{name}>): nothing says where the first ends"
                )
            previous_end = capture.end()
            if name == "_":
                continue
            if name in named:
                raise LogqlError(f"pattern stage: {shown} captures <{name}> twice")
            named.add(name)
        if not named:
            raise LogqlError(
                f"pattern stage: {shown} has no named capture: "
                "Loki makes labels of <name> only (<_> keeps nothing)"
            )

    # -- label filter expressions -------------------------------------------------------------

    def or_expression(self, pipe: _Token) -> None:
        self.and_expression(pipe)
        while self.peek.text == "or":
            self.take()
            self.and_expression(pipe)

    def and_expression(self, pipe: _Token) -> None:
        self.primary(pipe)
        while True:
            if self.peek.text in ("and", ","):
                self.take()
            elif not (self.peek.text == "(" or (self.peek.kind == "name" and self.peek.text != "or")):
                return  # a name or "(" right after a predicate is "and" too
            self.primary(pipe)

    def primary(self, pipe: _Token) -> None:
        token = self.take()
        if token.text == "(":
            self.or_expression(pipe)
            if self.take().text != ")":
                raise LogqlError("label filter: '(' without its ')'")
            return
        if token.kind != "name":
            shown = token.text[:20] if token.kind != "end" else "the end"
            raise LogqlError(f"label filter: expected a label name, not {shown!r}")
        op = self.take()
        if op.text not in _COMPARISONS + _BANG_OPS[:2]:
            if self.tokens[self.at - 3] is pipe:  # "| bogus": no label filter, no stage
                self.at -= 1
                raise self.unknown_stage(pipe)
            raise LogqlError(f"label filter {token.text}: expected an operator, not {op.text[:20]!r}")
        self.predicate_value(token.text, op.text)

    def predicate_value(self, name: str, op: str) -> None:
        value = self.take()
        if op in ("=~", "!~"):
            if value.kind != "string":
                raise LogqlError(f"label filter {name} {op} needs a quoted regex")
            label_regex(name, unquote(value.text))
        elif value.kind == "name" and value.text == "ip":
            if op not in ("=", "!="):
                raise LogqlError(f"label filter {name} {op} ip(...): only = and != take an ip()")
            self.ip_call(f"label filter {name} {op}")
        elif value.kind == "string":
            if op not in ("=", "!=", "=="):
                raise LogqlError(f"label filter {name} {op} needs a number, a duration or a size")
            unquote(value.text)
        elif value.kind == "literal":
            units = {unit.lower() for unit in _UNIT_RUN.findall(value.text)}
            if not units <= _UNITS:
                raise LogqlError(
                    f"label filter {name} {op} {value.text[:20]}: not a number, a duration or a size"
                )
        else:
            raise LogqlError(f"label filter {name} {op} needs a value")


def check_pipeline(text: str, start: int) -> None:
    """Check the pipeline of the log query ``text`` from index ``start`` (columns in errors count from
    the query's start); raise :class:`LogqlError` at the first thing Loki would refuse."""
    _Pipeline(text, start).read()
