"""PromQL as text the console can compare and take apart (via ``promql-parser``).

Two spellings of one expression (spacing, line breaks, ``sum(x) by (a)`` vs ``sum by (a) (x)``)
have one canonical form, so a pack query can be matched to a recording rule that computes it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import promql_parser

from opsconsole.core.go_regex import RegexSyntaxError, compile_go_regex
from opsconsole.core.promql_strings import matcher as matcher_text
from opsconsole.core.promql_strings import selector as selector_text

_CHILDREN = ("expr", "lhs", "rhs", "param", "vector_selector")

# A refresh asks these of the same pack queries every few seconds; a parse costs far more than
# the lookup, and idle CPU is mostly what each refresh repeats. Bounded: texts are pack queries.
PARSE_CACHE_SIZE = 2048


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_tree(text: str) -> Any:
    """The parsed expression, None when it does not parse. One parse per text for every question
    asked of it (the pack check, the canonical text, selectors, ranges, labels: a snapshot parsed
    its 65 texts 113 times); the tree is shared, so it is read, never changed."""
    try:
        return promql_parser.parse(text)
    except (ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def canonical(text: str) -> str | None:
    """The expression as the parser prints it; None when it does not parse."""
    tree = parse_tree(text)
    return None if tree is None else str(tree)


def walk(node: Any) -> Iterator[Any]:
    """Every node of a parsed expression, depth first, the node itself first."""
    yield node
    for name in _CHILDREN:
        child = getattr(node, name, None)
        if child is not None and not isinstance(child, str | int | float):
            yield from walk(child)
    for arg in getattr(node, "args", None) or ():
        yield from walk(arg)


def vector_selectors(text: str) -> list[str]:
    """Every series selector in ``text`` (``metric{label="v"}``), without ranges, in order."""
    return list(_vector_selectors(text))


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _vector_selectors(text: str) -> tuple[str, ...]:
    tree = parse_tree(text)
    if tree is None:
        return ()
    found: list[str] = []
    for node in walk(tree):
        if type(node).__name__ == "VectorSelector":
            # Offsets and @ modifiers are dropped: callers ask about the series, not a shifted view.
            # Written by us, not the parser: it prints `{a.b="x"y"}` for `{"a.b"="x\\"y"}`.
            shown = selector_text(node.name or None, [str(m) for m in _matchers(node)])
            if shown not in found:
                found.append(shown)
    return tuple(found)


def metric_names(text: str) -> frozenset[str] | None:
    """The metric names the expression's selectors name; None when it does not parse, has no
    selector, or has one that names its metric otherwise (``{__name__=~"..."}``)."""
    tree = parse_tree(text)
    if tree is None:
        return None
    names = {getattr(node, "name", None) for node in walk(tree) if type(node).__name__ == "VectorSelector"}
    if not names or None in names or "" in names:
        return None
    return frozenset(str(name) for name in names)


_OPERATORS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


@dataclass(frozen=True)
class SelectorMatcher:
    """One label matcher of a selector: ``name op "value"``."""

    name: str
    op: str  # =, !=, =~, !~
    value: str

    def __str__(self) -> str:
        return matcher_text(self.name, self.op, self.value)

    def matches(self, value: str) -> bool:
        """Whether a label value (empty when the label is absent) satisfies the matcher, as
        Prometheus judges it; a pattern Prometheus would refuse matches nothing either way."""
        if self.op in ("=", "!="):
            return (value == self.value) == (self.op == "=")
        compiled = _label_regex(self.value)
        if compiled is None:
            return False
        return bool(compiled.fullmatch(value)) == (self.op == "=~")


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _label_regex(pattern: str) -> Any:
    """``pattern`` as Prometheus compiles a regex matcher: Go's regexp (RE2 syntax), anchored, and
    ``.`` matching a newline too (Prometheus 3); None when Go's regexp refuses it. Python's ``re``
    judged these before and raised on ``\\pL``, which Prometheus accepts."""
    try:
        return compile_go_regex(f"(?s:{pattern})", server="Prometheus")
    except RegexSyntaxError:
        return None


@dataclass(frozen=True)
class SelectorParts:
    """A series selector taken apart: metric name (or None), matchers, and its range if any."""

    name: str | None
    matchers: tuple[SelectorMatcher, ...]
    range_seconds: float | None = None

    def text(self, matchers: tuple[SelectorMatcher, ...] | None = None) -> str:
        """The selector as PromQL, with ``matchers`` instead of its own when given."""
        chosen = self.matchers if matchers is None else matchers
        return selector_text(self.name, [str(m) for m in chosen])

    @property
    def metric_names(self) -> tuple[str, ...] | None:
        """The metric name, or the alternatives of a ``__name__=~"a|b"`` matcher; None if open."""
        if self.name:
            return (self.name,)
        for matcher in self.matchers:
            if matcher.name == "__name__" and matcher.op == "=":
                return (matcher.value,)
        return None

    @property
    def label_matchers(self) -> tuple[SelectorMatcher, ...]:
        """Matchers on labels other than ``__name__``."""
        return tuple(m for m in self.matchers if m.name != "__name__")


def _matchers(selector: Any) -> tuple[SelectorMatcher, ...]:
    """A parsed selector's matchers, as values (the metric name stays apart, as written)."""
    return tuple(
        SelectorMatcher(m.name, _OPERATORS[str(m.op).rsplit(".", 1)[-1]], m.value)
        for m in selector.matchers.matchers
    )


def selector_parts(text: str) -> list[SelectorParts]:
    """Every series selector in ``text``, taken apart, in order (duplicates once)."""
    try:
        tree = promql_parser.parse(text)
    except (ValueError, TypeError):
        return []
    found: list[SelectorParts] = []
    for node in walk(tree):
        kind = type(node).__name__
        if kind not in ("VectorSelector", "MatrixSelector"):
            continue
        selector = node.vector_selector if kind == "MatrixSelector" else node
        matchers = _matchers(selector)
        window = node.range.total_seconds() if kind == "MatrixSelector" else None
        parts = SelectorParts(selector.name or None, matchers, window)
        if kind == "MatrixSelector":
            # The range selector's inner selector is walked next; keep the ranged one only.
            found = [p for p in found if (p.name, p.matchers) != (parts.name, parts.matchers)]
        if all((p.name, p.matchers) != (parts.name, parts.matchers) for p in found):
            found.append(parts)
    return found
