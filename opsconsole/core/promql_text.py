"""PromQL as text the console can compare and take apart (via ``promql-parser``).

Two spellings of one expression (spacing, line breaks, ``sum(x) by (a)`` vs ``sum by (a) (x)``)
have one canonical form, so a pack query can be matched to a recording rule that computes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser

_CHILDREN = ("expr", "lhs", "rhs", "param", "vector_selector")


def canonical(text: str) -> str | None:
    """The expression as the parser prints it; None when it does not parse."""
    try:
        return str(promql_parser.parse(text))
    except (ValueError, TypeError):
        return None


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
    try:
        tree = promql_parser.parse(text)
    except (ValueError, TypeError):
        return []
    found = []
    for node in walk(tree):
        if type(node).__name__ == "VectorSelector":
            # Offsets and @ modifiers are dropped: callers ask about the series, not a shifted view.
            shown = f"{node.name or ''}{node.matchers}".strip()
            if shown not in found:
                found.append(shown)
    return found
