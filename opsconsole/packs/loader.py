"""Finding, merging (``extends``) and validating query packs.

Search path, later wins on a name clash (and the clash is reported): the built-in
``queries/``, then the user's packs dir, then ``--pack PATH``. One bad pack never
stops the others: errors are collected as :class:`PackError` with file, line and
field.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import promql_parser
from pydantic import ValidationError

from opsconsole.core.alert_matchers import MatcherSyntaxError, parse_matchers
from opsconsole.core.durations import parse_duration
from opsconsole.core.field_names import meant as field_meant
from opsconsole.core.located_yaml import LocatedDocument, YamlSyntaxError
from opsconsole.core.promql_text import parse_tree
from opsconsole.packs.logql_check import LogqlError, check_logql
from opsconsole.packs.render import (
    ENTITY_PLACEHOLDERS,
    SLO_WINDOW_PLACEHOLDER,
    FieldPath,
    PackQuery,
    pack_queries,
    pack_values,
    render,
    required_placeholders,
)
from opsconsole.packs.schema import UNION_TAGS, QueryPack, fields_at
from opsconsole.packs.variables import UnknownVariable, expand
from opsconsole.yaml_cache import load_yaml_cached

PACK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class PackError:
    """A problem in a pack file, located for humans."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class PackSource:
    """A pack file and where it came from (``builtin``, ``user`` or ``cli``)."""

    path: Path
    origin: str


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack; ``chain`` is its own document then those it extends."""

    pack: QueryPack
    source: PackSource
    chain: tuple[LocatedDocument, ...]

    @property
    def name(self) -> str:
        """The pack's name."""
        return self.pack.name


@dataclass(frozen=True)
class PackClash:
    """Two files of one pack name: the later on the search path wins."""

    name: str
    winner: PackSource
    loser: PackSource

    def __str__(self) -> str:
        builtin = self.loser.origin == "builtin"
        loser = (
            f"the built-in pack of that name ({self.loser.path})"
            if builtin
            else f"the one from {self.loser.path} ({self.loser.origin})"
        )
        other = "the built-in's" if builtin else "that one's"
        return (
            f"pack '{self.name}' from {self.winner.path} ({self.winner.origin}) replaces {loser}: "
            f"'{self.name}' (--pack, a context's pack:) now means this file. To keep both, give this "
            f"file another metadata.name (`extends: {self.name}` then takes {other} queries and "
            "changes only what the file writes)"
        )

    def involves(self, path: Path) -> bool:
        """Whether ``path`` is one of the two files."""
        return path.resolve() in (self.winner.path.resolve(), self.loser.path.resolve())


@dataclass
class PackSet:
    """Everything found on the search path."""

    packs: dict[str, LoadedPack] = field(default_factory=dict)
    errors: list[PackError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    clashes: list[PackClash] = field(default_factory=list)

    def clashes_of(self, name: str) -> list[PackClash]:
        """The clashes over pack ``name`` (which file won, which it replaced)."""
        return [clash for clash in self.clashes if clash.name == name]


def _locate(chain: Sequence[LocatedDocument], path: Sequence[str | int]) -> tuple[str, int]:
    """File and line of ``path``: the first document in the chain that spells out the field."""
    key = tuple(path)
    while key:
        for doc in chain:
            if key in doc.lines:
                return doc.source, doc.lines[key]
        key = key[:-1]
    return chain[0].source, chain[0].first_line


def _merge(base: Any, override: Any) -> Any:
    """Deep merge of mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def discover(dirs: Iterable[tuple[Path, str]], files: Iterable[Path] = ()) -> list[PackSource]:
    """Pack files in search-path order."""
    sources: list[PackSource] = []
    for directory, origin in dirs:
        if directory.is_dir():
            sources += [
                PackSource(p, origin)
                for p in sorted(directory.iterdir())
                if p.suffix in PACK_SUFFIXES and p.is_file()
            ]
    sources += [PackSource(Path(f), "cli") for f in files]
    return sources


def _read(source: PackSource, errors: list[PackError]) -> LocatedDocument | None:
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        errors.append(PackError(str(source.path), 1, "(file)", f"cannot read: {exc.strerror or exc}"))
        return None
    try:
        # Universal newlines, as read_text gives them: the YAML cache's key is this text.
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        # A binary file, or one saved as UTF-16 or Latin-1: an error on this file, not a crash of
        # every command that loads the search path.
        line = data.count(b"\n", 0, exc.start) + 1
        errors.append(
            PackError(
                str(source.path),
                line,
                "(file)",
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}): save it as UTF-8",
            )
        )
        return None
    try:
        doc = load_yaml_cached(text, str(source.path))
    except YamlSyntaxError as exc:
        errors.append(PackError(str(source.path), exc.line or 1, "(yaml)", f"invalid YAML: {exc.problem}"))
        return None
    if not isinstance(doc.data, dict):
        errors.append(
            PackError(str(source.path), 1, "(document)", "expected a mapping with apiVersion, kind, metadata")
        )
        return None
    name = (
        (doc.data.get("metadata") or {}).get("name") if isinstance(doc.data.get("metadata"), dict) else None
    )
    if not isinstance(name, str) or not name:
        errors.append(
            PackError(
                str(source.path), doc.line_of(("metadata",)), "metadata.name", "required field is missing"
            )
        )
        return None
    return doc


def load_packs(
    dirs: Iterable[tuple[Path, str]],
    files: Iterable[Path] = (),
    overrides: Mapping[str, str] | None = None,
    *,
    only: str | None = None,
) -> PackSet:
    """Load and validate every pack on the search path.

    ``only``: validate just the pack of that name (with what it extends) and leave the others out,
    errors included; when no pack has that name, every pack is validated as usual, so the caller
    can list the packs there are and the errors of the files that may have meant it.
    """
    result = PackSet()
    raw: dict[str, tuple[PackSource, LocatedDocument]] = {}
    for source in discover(dirs, files):
        doc = _read(source, result.errors)
        if doc is None:
            continue
        name = doc.data["metadata"]["name"]
        if name in raw and raw[name][0].path.resolve() != source.path.resolve():
            # (the same file twice, from the packs folder and --pack, replaces nothing)
            clash = PackClash(name, source, raw[name][0])
            result.clashes.append(clash)
            result.notices.append(str(clash))
        raw[name] = (source, doc)

    for name, (source, doc) in raw.items():
        if only in raw and name != only:
            continue
        chain = _chain(name, raw, result.errors)
        if chain is None:
            continue
        merged: Any = {}
        for link in reversed(chain):
            merged = _merge(merged, {k: v for k, v in link.data.items() if k != "extends"})
        merged["metadata"] = doc.data.get("metadata")
        try:
            pack = QueryPack.model_validate(merged)
        except ValidationError as exc:
            result.errors += _schema_errors(exc, chain)
            continue
        if doc.data.get("extends"):
            pack = pack.model_copy(update={"extends": doc.data["extends"]})
        loaded = LoadedPack(pack, source, tuple(chain))
        problems = validate_pack(loaded, overrides)
        if problems:
            result.errors.extend(problems)
            continue
        result.packs[name] = loaded
    return result


def _schema_errors(exc: ValidationError, chain: Sequence[LocatedDocument]) -> list[PackError]:
    """Pydantic's errors located in the files; an unknown field names the field it most likely
    meant (``querry``: did you mean `query`?), and a required field it stands for is not said
    missing again on a line of its own."""
    items = [
        (item, tuple(p for p in item["loc"] if isinstance(p, str | int)))
        for item in exc.errors(include_url=False)
    ]
    missing = {
        tuple(p for p in raw if p not in UNION_TAGS) for item, raw in items if item["type"] == "missing"
    }
    messages: dict[int, str] = {}
    meant: set[tuple[str | int, ...]] = set()
    for index, (item, raw) in enumerate(items):
        if item["type"] != "extra_forbidden":
            continue
        parent = tuple(p for p in raw[:-1] if p not in UNION_TAGS)
        allowed = fields_at(raw[:-1])
        close = field_meant(str(raw[-1]), allowed)
        if close and (*parent, close[0]) in missing:
            meant.add((*parent, close[0]))
            messages[index] = f"unknown field: did you mean `{close[0]}`? (it is required and missing)"
        elif close:
            messages[index] = f"unknown field: did you mean `{close[0]}`?"
        elif allowed:
            messages[index] = f"unknown field (allowed here: {', '.join(allowed)})"
        else:
            messages[index] = "unknown field (see docs/query-packs.md for the allowed fields)"
    errors = []
    for index, (item, raw) in enumerate(items):
        loc = tuple(p for p in raw if p not in UNION_TAGS)
        if item["type"] == "missing":
            if loc in meant:
                continue  # said on the misspelt field's line, where it is mended
            message = "required field is missing"
        else:
            message = messages.get(index, item["msg"])
        file, line = _locate(chain, loc)
        errors.append(PackError(file, line, ".".join(str(p) for p in loc) or "(document)", message))
    # Pydantic reports in the model's field order; a person mends a file top to bottom.
    order = {doc.source: index for index, doc in reversed(list(enumerate(chain)))}
    return sorted(errors, key=lambda e: (order.get(e.file, len(chain)), e.line))


def _chain(
    name: str, raw: Mapping[str, tuple[PackSource, LocatedDocument]], errors: list[PackError]
) -> list[LocatedDocument] | None:
    """The document of ``name`` followed by those it extends, or None (error recorded)."""
    chain: list[LocatedDocument] = []
    seen: list[str] = []
    current: str | None = name
    while current is not None:
        if current in seen:
            doc = raw[name][1]
            cycle = " -> ".join([*seen, current])
            errors.append(
                PackError(doc.source, doc.line_of(("extends",)), "extends", f"circular extends: {cycle}")
            )
            return None
        if current not in raw:
            child = chain[-1]
            errors.append(
                PackError(
                    child.source, child.line_of(("extends",)), "extends", f"extends unknown pack '{current}'"
                )
            )
            return None
        seen.append(current)
        doc = raw[current][1]
        chain.append(doc)
        parent = doc.data.get("extends")
        if parent is not None and not (isinstance(parent, str) and parent):
            # A list or a number would otherwise be dropped and the pack loaded without its base.
            errors.append(
                PackError(
                    doc.source,
                    doc.line_of(("extends",)),
                    "extends",
                    f"expected one pack's name, not {parent!r}",
                )
            )
            return None
        current = parent
    return chain


def _check_query(query: PackQuery, values: Mapping[str, str]) -> str | None:
    scoped = dict(values)
    if "window" in query.runtime_variables:
        scoped["window"] = SLO_WINDOW_PLACEHOLDER
    if query.runtime_variables & set(ENTITY_PLACEHOLDERS):
        scoped.update(ENTITY_PLACEHOLDERS)
    try:
        text = render(query, scoped).text
    except UnknownVariable as exc:
        return str(exc)
    if query.language == "promql":
        try:
            if parse_tree(text) is None:  # the refresh reuses this parse; the error needs its own
                promql_parser.parse(text)
        except ValueError as exc:
            return f"PromQL does not parse: {exc} (after expansion: {text})"
    elif query.language == "logql":
        try:
            check_logql(text)
        except LogqlError as exc:
            return f"LogQL: {exc} (after expansion: {text})"
    return None


def _blamed_path(query: PackQuery, values: Mapping[str, str], pipeline: str) -> FieldPath:
    """Where a failing query is written: a log query is its selector followed by ``logs.pipeline``,
    and the error is the pipeline's when the selector alone passes."""
    if query.language != "logql" or not pipeline.strip():
        return query.path
    selector = replace(query, source=query.source.removesuffix(pipeline.strip()).strip())
    return ("logs", "pipeline") if _check_query(selector, values) is None else query.path


def validate_pack(loaded: LoadedPack, overrides: Mapping[str, str] | None = None) -> list[PackError]:
    """Semantic checks pydantic cannot do: variables, PromQL, LogQL, matchers, durations."""
    pack = loaded.pack
    errors: list[PackError] = []

    def add(path: Sequence[str | int], message: str) -> None:
        file, line = _locate(loaded.chain, path)
        errors.append(PackError(file, line, ".".join(str(p) for p in path), message))

    values = {**required_placeholders(pack), **pack_values(pack, overrides)}
    for query in pack_queries(pack):
        problem = _check_query(query, values)
        if problem:
            add(_blamed_path(query, values, pack.logs.pipeline if pack.logs else ""), problem)
    for index, matcher in enumerate(pack.alerts.matchers):
        # Variables may stand for label names as well as values ($namespace_label=~"$namespace"):
        # the matcher must parse once they are filled in.
        try:
            parse_matchers(expand(matcher, values))
        except UnknownVariable as exc:
            add(("alerts", "matchers", index), str(exc))
        except MatcherSyntaxError as exc:
            add(("alerts", "matchers", index), f"{exc} (after expansion: {expand(matcher, values)})")
    for name, slo in pack.slos.items():
        try:
            parse_duration(slo.window)
        except ValueError as exc:
            add(("slos", name, "window"), str(exc))
        for index, rule in enumerate(slo.burn_rules):
            for part in ("long", "short"):
                try:
                    parse_duration(getattr(rule, part))
                except ValueError as exc:
                    add(("slos", name, "burn_rules", index, part), str(exc))
    return errors
