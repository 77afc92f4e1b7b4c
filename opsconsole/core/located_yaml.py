"""YAML that remembers where each value came from.

Config files and query packs are edited by hand, so every error must name the
file, the line and the field. ruamel.yaml keeps line information on the nodes it
builds; this module turns its output into plain Python data plus a map from
field path to line, and turns pydantic errors into ``file:line: field: message``.
Parsing text is pure: callers read the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

# ruamel is imported when a text is parsed, not with this module: most starts read every
# document from opsconsole.yaml_cache and never need it (its import is a sizeable part of a start).

FieldPath = tuple[str | int, ...]
# How ruamel says the text ended with something still open: the parser ("but got '<stream end>'")
# and the scanner, e.g. for an unterminated string ("found unexpected end of stream").
_AT_END = ("stream end", "end of stream")


class YamlSyntaxError(ValueError):
    """The text is not valid YAML; ``line`` is 1-based."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: invalid YAML: {problem}")


@dataclass(frozen=True)
class LocatedDocument:
    """Plain data from one YAML document and the line of every field in it."""

    data: Any
    source: str
    lines: dict[FieldPath, int] = field(default_factory=dict)
    first_line: int = 1

    def line_of(self, path: Sequence[str | int]) -> int:
        """Line of the deepest known field on ``path`` (the document start if none)."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.first_line


# A pack, theme or config nests a few levels and holds hundreds of values. Aliases are expanded
# into plain data: nine aliases of nine ("billion laughs") would make 387 million values, and an
# alias inside the node it names, or brackets nested thousands deep, recursed without end.
MAX_DEPTH = 64
MAX_VALUES = 100_000


class _TooBig(Exception):
    def __init__(self, problem: str, path: FieldPath) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = path


def _plain(node: Any, path: FieldPath, lines: dict[FieldPath, int]) -> Any:
    """``node`` (ruamel's) as plain data, every field's line recorded in ``lines``; raises
    :class:`_TooBig` for a document nested or expanded beyond reason, or an alias inside itself."""
    return _Flattener(lines).plain(node, path, frozenset())


class _Flattener:
    def __init__(self, lines: dict[FieldPath, int]) -> None:
        self.lines = lines
        self.left = MAX_VALUES

    def plain(self, node: Any, path: FieldPath, inside: frozenset[int]) -> Any:
        self.left -= 1
        if self.left < 0:
            raise _TooBig(f"more than {MAX_VALUES:,} values once its aliases are expanded", path)
        if len(path) > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep", path)
        # ruamel's CommentedMap and CommentedSeq are a dict and a list that know their lines (``lc``).
        located: Any = node
        if isinstance(node, dict | list):
            if id(node) in inside:
                raise _TooBig("an alias refers to a node that contains it", path)
            inside = inside | {id(node)}
        if isinstance(node, dict):
            out: dict[Any, Any] = {}
            for key, value in node.items():
                child = (*path, str(key))
                with contextlib.suppress(KeyError, TypeError, AttributeError):
                    self.lines[child] = located.lc.key(key)[0] + 1
                out[str(key)] = self.plain(value, child, inside)
            return out
        if isinstance(node, list):
            items: list[Any] = []
            for index, value in enumerate(node):
                child = (*path, index)
                with contextlib.suppress(KeyError, TypeError, AttributeError, IndexError):
                    self.lines[child] = located.lc.item(index)[0] + 1
                items.append(self.plain(value, child, inside))
            return items
        if isinstance(node, str):
            return str(node)
        # ruamel's own scalar types (a float that remembers how it was written) become the builtins,
        # so the data is the same whether it was parsed now or read back from the cache (yaml_cache).
        if isinstance(node, bool):
            return bool(node)
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        return node


def _located(node: Any, source: str, first: int = 1) -> LocatedDocument:
    """The document of ``node``, or the :class:`YamlSyntaxError` of one too big to be a config."""
    lines: dict[FieldPath, int] = {}
    try:
        return LocatedDocument(_plain(node, (), lines), source, lines, first)
    except _TooBig as exc:
        key = exc.path
        while key and key not in lines:
            key = key[:-1]
        raise YamlSyntaxError(source, lines.get(key, first), exc.problem) from None


def _loader() -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _syntax_error(source: str, exc: YAMLError, text: str = "") -> YamlSyntaxError:
    from ruamel.yaml.error import MarkedYAMLError

    line = None
    problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and any(end in (exc.problem or "") for end in _AT_END):
            # Something left open at the end of the file: where it was opened is the useful line.
            mark = exc.context_mark
        if mark is not None:
            line = mark.line + 1
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or problem
    last = max((i + 1 for i, row in enumerate(text.splitlines()) if row.strip()), default=None)
    if line is not None and last is not None and line > last:
        line = last  # "end of file" errors point at the last line that has content
    return YamlSyntaxError(source, line, problem)


def load_yaml(text: str, source: str) -> LocatedDocument:
    """Parse one YAML document; raises :class:`YamlSyntaxError` with the line."""
    from ruamel.yaml.error import YAMLError

    try:
        node = _loader().load(text)
    except YAMLError as exc:
        raise _syntax_error(source, exc, text) from None
    except RecursionError:
        raise YamlSyntaxError(source, None, f"nested more than {MAX_DEPTH} levels deep") from None
    return _located(node, source)


def load_yaml_documents(text: str, source: str) -> Iterator[LocatedDocument]:
    """Parse a multi-document YAML stream (``---`` separated)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    try:
        nodes = list(_loader().load_all(text))
    except YAMLError as exc:
        raise _syntax_error(source, exc, text) from None
    except RecursionError:
        raise YamlSyntaxError(source, None, f"nested more than {MAX_DEPTH} levels deep") from None
    for node in nodes:
        first = 1
        if isinstance(node, CommentedMap | CommentedSeq):
            first = node.lc.line + 1
        yield _located(node, source, first)


def describe_validation_error(
    err: ValidationError,
    doc: LocatedDocument,
    prefix: FieldPath = (),
    *,
    model: type[BaseModel] | None = None,
    docs: str = "the docs",
) -> list[str]:
    """One ``file:line: field: message`` line per pydantic error, in the file's order. With the
    ``model`` validated against, an unknown field names the field it likely meant (``timout``: did
    you mean `timeout`?) or those allowed where it stands; ``docs`` says where fields are listed."""
    from opsconsole.core.field_names import fields_at, unknown_field_message

    located: list[tuple[int, str]] = []
    for item in err.errors(include_url=False):
        raw = tuple(p for p in item["loc"] if isinstance(p, str | int))
        loc = (*prefix, *raw)
        field_name = ".".join(str(p) for p in loc) or "(document)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            allowed = fields_at(model, raw[:-1]) if model is not None and raw else []
            if model is None:
                message = f"unknown field (check the spelling; see {docs} for the allowed fields)"
            else:
                message = unknown_field_message(str(raw[-1]), allowed, docs)
        elif item["type"] == "missing":
            message = "required field is missing"
        line = doc.line_of(loc)
        located.append((line, f"{doc.source}:{line}: {field_name}: {message}"))
    # Pydantic reports in the model's field order; a person mends a file top to bottom.
    return [text for _line, text in sorted(located, key=lambda pair: pair[0])]
