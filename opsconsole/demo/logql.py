"""The LogQL subset the demo Loki evaluates: log queries, not metric queries.

Supported: a stream selector with ``= != =~ !~``; line filters ``|= != |~ !~``;
``| json`` and ``| logfmt`` (extracted fields become labels, as in Loki); label
filters with ``= != =~ !~`` and numeric ``> >= < <= ==``; ``| line_format`` with
``{{.label}}`` references (no template functions). Anything else is
refused with a 400, the way Loki refuses what it cannot parse.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

_SELECTOR_MATCHER = re.compile(
    r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*,?'
)
_LINE_FILTER = re.compile(r'\s*(\|=|!=|\|~|!~)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)')
_LABEL_FILTER = re.compile(
    r'\s*\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|==|>=|<=|=|>|<)\s*("(?:[^"\\]|\\.)*"|`[^`]*`|[0-9.]+)'
)
_STAGE = re.compile(r"\s*\|\s*(json|logfmt)\b\s*")
_LINE_FORMAT = re.compile(r'\s*\|\s*line_format\s+("(?:[^"\\]|\\.)*"|`[^`]*`)')
_TEMPLATE_FIELD = re.compile(r"\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class LogqlUnsupported(ValueError):
    """A query the demo Loki will not run (the message is Loki-style)."""


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    if text.startswith('"'):
        return str(json.loads(text))
    return text


def _label_test(op: str, value: str) -> Callable[[str | None], bool]:
    if op in ("=~", "!~"):
        pattern = re.compile(value)
        return lambda actual: (pattern.fullmatch(actual or "") is not None) == (op == "=~")
    if op in (">", ">=", "<", "<=") or (op == "==" and re.fullmatch(r"[0-9.]+", value)):
        number = float(value)

        def numeric(actual: str | None) -> bool:
            try:
                a = float(actual or "")
            except ValueError:
                return False
            return {
                ">": a > number,
                ">=": a >= number,
                "<": a < number,
                "<=": a <= number,
                "==": a == number,
            }[op]

        return numeric
    if op in ("=", "=="):
        return lambda actual: (actual or "") == value
    return lambda actual: (actual or "") != value


@dataclass(frozen=True)
class LineFormat:
    """``| line_format "…{{.label}}…"``: rewrites the line from the labels so far."""

    template: str

    def render(self, labels: dict[str, str]) -> str:
        """The new line (a missing label renders empty, as in Loki)."""
        return _TEMPLATE_FIELD.sub(lambda m: labels.get(m.group(1), ""), self.template)


@dataclass
class LogQuery:
    """A parsed log query."""

    matchers: list[tuple[str, str, str]]
    steps: list[Callable[[str, dict[str, str]], dict[str, str] | None] | LineFormat] = field(
        default_factory=list
    )

    def selects(self, labels: dict[str, str]) -> bool:
        """Whether a stream with ``labels`` is selected."""
        return all(_label_test(op, value)(labels.get(name)) for name, op, value in self.matchers)

    def apply(self, line: str, labels: dict[str, str]) -> tuple[str, dict[str, str]] | None:
        """The line and its stream labels after the pipeline, or None if it is filtered out."""
        current: dict[str, str] | None = dict(labels)
        for step in self.steps:
            if current is None:
                return None
            if isinstance(step, LineFormat):
                line = step.render(current)
            else:
                current = step(line, current)
        return None if current is None else (line, current)


def _json_stage(line: str, labels: dict[str, str]) -> dict[str, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {**labels, "__error__": "JSONParserErr"}
    out = dict(labels)
    if isinstance(record, dict):
        for key, value in record.items():
            name = re.sub(r"[^A-Za-z0-9_]", "_", str(key))
            if isinstance(value, dict | list):
                continue
            out[name if name not in labels else f"{name}_extracted"] = "" if value is None else str(value)
    return out


def _logfmt_stage(line: str, labels: dict[str, str]) -> dict[str, str]:
    out = dict(labels)
    try:
        parts = shlex.split(line)
    except ValueError:
        return {**labels, "__error__": "LogfmtParserErr"}
    for part in parts:
        key, _, value = part.partition("=")
        if key:
            out[key if key not in labels else f"{key}_extracted"] = value
    return out


Step = Callable[[str, dict[str, str]], dict[str, str] | None]


def _regex_filter(pattern: re.Pattern[str], keep: bool) -> Step:
    def step(line: str, labels: dict[str, str]) -> dict[str, str] | None:
        return labels if (pattern.search(line) is not None) == keep else None

    return step


def _contains_filter(needle: str, keep: bool) -> Step:
    def step(line: str, labels: dict[str, str]) -> dict[str, str] | None:
        return labels if (needle in line) == keep else None

    return step


def _label_filter(name: str, test: Callable[[str | None], bool]) -> Step:
    def step(line: str, labels: dict[str, str]) -> dict[str, str] | None:
        return labels if test(labels.get(name)) else None

    return step


def parse_log_query(text: str) -> LogQuery:
    """Parse ``text``; raises :class:`LogqlUnsupported` with a Loki-like message."""
    query = text.strip()
    if not query.startswith("{"):
        raise LogqlUnsupported(
            f"parse error : syntax error: unexpected {query[:20]!r}, expecting {{ or a metric query"
        )
    end = query.find("}")
    if end < 0:
        raise LogqlUnsupported("parse error : syntax error: unexpected end of input, expecting }")
    body, position = query[1:end], 0
    matchers = []
    while body[position:].strip():
        match = _SELECTOR_MATCHER.match(body, position)
        if not match:
            raise LogqlUnsupported(f"parse error : syntax error near {body[position : position + 20]!r}")
        matchers.append((match.group(1), match.group(2), _unquote(match.group(3))))
        position = match.end()
    if not matchers:
        raise LogqlUnsupported("parse error : queries require at least one regexp or equality matcher")
    if all(_label_test(op, value)("") for _, op, value in matchers):
        raise LogqlUnsupported(
            "parse error : queries require at least one regexp or equality matcher that does not have an "
            "empty-compatible value"
        )
    parsed = LogQuery(matchers)
    rest = query[end + 1 :]
    while rest.strip():
        if m := _LINE_FILTER.match(rest):
            op, needle = m.group(1), _unquote(m.group(2))
            if op in ("|~", "!~"):
                parsed.steps.append(_regex_filter(re.compile(needle), keep=op == "|~"))
            else:
                parsed.steps.append(_contains_filter(needle, keep=op == "|="))
        elif m := _STAGE.match(rest):
            parsed.steps.append(_json_stage if m.group(1) == "json" else _logfmt_stage)
        elif m := _LABEL_FILTER.match(rest):
            name, test = m.group(1), _label_test(m.group(2), _unquote(m.group(3)))
            parsed.steps.append(_label_filter(name, test))
        elif m := _LINE_FORMAT.match(rest):
            template = _unquote(m.group(1))
            if "{{" in _TEMPLATE_FIELD.sub("", template):
                raise LogqlUnsupported(
                    "parse error : the demo Loki supports only {{.label}} in line_format templates"
                )
            parsed.steps.append(LineFormat(template))
        else:
            raise LogqlUnsupported(f"parse error : the demo Loki does not support {rest.strip()[:40]!r}")
        rest = rest[m.end() :]
    return parsed
