"""Names and values written into PromQL text the console builds.

A label value from a server can hold any character; a label or metric name in Prometheus 3 can be
any UTF-8 (OpenTelemetry's ``k8s.pod.name``), and then has to be quoted: ``{"k8s.pod.name"="x"}``.
Written raw, a quote or a dot breaks the query, or worse, changes what it selects.
"""

from __future__ import annotations

import re

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# Go's strconv escapes, which Prometheus's lexer reads; every other control character as \xNN so
# nothing invisible reaches the query (or a terminal that shows it).
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# regexp.QuoteMeta's set: the characters RE2 reads as syntax.
_REGEX_META = frozenset("\\.+*?()|[]{}^$")


def promql_string(value: str) -> str:
    """``value`` as a double-quoted PromQL string literal, quotes included."""
    out = []
    for char in value:
        escaped = _ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def label_name(name: str) -> str:
    """A label name as a matcher writes it: bare when the classic syntax allows, else quoted."""
    return name if _LABEL_NAME.fullmatch(name) else promql_string(name)


def bare_metric_name(name: str) -> bool:
    """Whether ``name`` can stand before the braces as written (else it goes inside, quoted)."""
    return _METRIC_NAME.fullmatch(name) is not None


def regex_literal(text: str) -> str:
    """``text`` as an RE2 pattern that matches exactly it (Go's ``regexp.QuoteMeta``); Python's
    ``re.escape`` also escapes characters RE2 does not need escaped, and its output is not always
    a pattern Go reads the same way."""
    return "".join("\\" + char if char in _REGEX_META else char for char in text)


def any_of(names: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> str:
    """A quoted regex matching exactly one of ``names`` (sorted, for a stable query text)."""
    return promql_string("|".join(regex_literal(name) for name in sorted(names)))


def matcher(name: str, op: str, value: str) -> str:
    """One label matcher as PromQL: ``name op "value"``, the name quoted when it must be."""
    return f"{label_name(name)}{op}{promql_string(value)}"


def selector(metric: str | None, matchers: list[str] | tuple[str, ...]) -> str:
    """A series selector from a metric name (or None) and matcher texts; a name the classic
    syntax cannot hold goes inside the braces, quoted, as Prometheus 3 writes it."""
    if metric and not bare_metric_name(metric):
        return "{" + ", ".join([promql_string(metric), *matchers]) + "}"
    if metric and not matchers:
        return metric  # `metric`, not `metric{}`: the same selector, as people write it
    return f"{metric or ''}{{{', '.join(matchers)}}}"
