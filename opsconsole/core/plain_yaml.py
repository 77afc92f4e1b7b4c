"""YAML read fast (libyaml, through PyYAML) with the meaning the line-locating parser gives it.

:mod:`opsconsole.core.located_yaml` (ruamel's round-trip parser) keeps every field's line, which
an error message needs, but importing and running it costs a start some 20 to 50 ms; a document
that validates needs no line. So a document is read here first, and only one that fails
validation, or that this reader cannot read exactly as ruamel does, goes to ruamel.

The two differ in what a plain scalar means: PyYAML follows YAML 1.1 (``yes`` and ``on`` are
booleans, ``0755`` is octal), ruamel YAML 1.2. Here the plain scalars that are unmistakable
(``true``, ``null``, a decimal integer, a decimal fraction, a duration, a word) get the meaning ruamel gives
them. Anything else raises :class:`NotPlainYaml`, and the caller parses with ruamel, whose
answer (or error) is the one that counts: a scalar starting like a number (a date, ``.inf``,
``0o17``), a merge key ``<<``, a key given twice, a ``%YAML`` directive, a tab, an anchor (any
``&`` or ``*``), an explicit tag, a comment against a block scalar's header (the places where
the two parsers were seen to differ, by ``tests/test_plain_yaml.py``) and whatever libyaml
refuses.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+")
# A duration as configs write them (15m, 1h30m, 500ms): a string to both.
_DURATION = re.compile(r"(?:[0-9]+(?:ms|[smhdwy]))+")
# Where ruamel's YAML 1.2 resolvers may read something other than a string (numbers in every
# base and spelling, dates, .inf and .nan, the merge and value keys): decided by ruamel.
_NUMBER_LIKE = frozenset("0123456789+-.<=")
_PLAIN_TYPES = (str, int, float, bool, type(None))
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")

_loader_base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NotPlainYaml(Exception):
    """This reader cannot say that ruamel would read the text the same: let ruamel read it."""


# The tags given here to plain scalars: private, so that the standard ones (``!!int``, ``!!timestamp``)
# can only have been written in the text, where their meaning is ruamel's to say.
_NULL_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG = (
    f"tag:opsconsole,plain:{kind}" for kind in ("null", "bool", "int", "float")
)
_STR_TAG = "tag:opsconsole,plain:str"


def _plain_tag(value: str) -> str:
    if value in _NULL:
        return _NULL_TAG
    if value in _BOOL:
        return _BOOL_TAG
    if value[0] in _NUMBER_LIKE:
        if _INT.fullmatch(value):
            return _INT_TAG
        if _FLOAT.fullmatch(value):
            return _FLOAT_TAG
        if _DURATION.fullmatch(value):
            return _STR_TAG
        raise NotPlainYaml(value)
    return _STR_TAG


class _Loader(_loader_base):  # type: ignore[misc]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            if not any(implicit):
                raise NotPlainYaml("the tag !")  # libyaml's empty string is ruamel's null
            return _plain_tag(value) if implicit[0] else _STR_TAG  # quoted: a string
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value):
            raise NotPlainYaml("a merge key")
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        # Keys equal as Python values are one key twice, as ruamel sees them (and names the line).
        if len(set(map(_hashable, keys))) != len(keys):
            raise NotPlainYaml("a key given twice")
        return super().construct_mapping(node, deep=deep)


def _refuse(loader: Any, node: Any) -> Any:
    raise NotPlainYaml(f"an explicit {node.tag}")


_Loader.add_constructor(_STR_TAG, lambda loader, node: node.value)
_Loader.add_constructor(_NULL_TAG, lambda loader, node: None)
_Loader.add_constructor(_BOOL_TAG, lambda loader, node: node.value in ("true", "True", "TRUE"))
_Loader.add_constructor(_INT_TAG, lambda loader, node: int(node.value))
_Loader.add_constructor(_FLOAT_TAG, lambda loader, node: float(node.value))
for _kind in (
    "str",
    "null",
    "bool",
    "int",
    "float",
    "binary",
    "timestamp",
    "omap",
    "pairs",
    "set",
    "merge",
    "value",
):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_kind}", _refuse)


def _hashable(key: Any) -> Any:
    # A mapping or a list as a key: unhashable here, not plain data anyway.
    if not isinstance(key, _PLAIN_TYPES):
        raise NotPlainYaml(f"a {type(key).__name__} as a key")
    return key


def _plain(value: Any) -> Any:
    """Keys as strings (as :mod:`located_yaml` gives them); anything but plain data refused."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, _PLAIN_TYPES):
        return value
    raise NotPlainYaml(type(value).__name__)


def load_plain(text: str) -> Any:
    """The one document in ``text`` as plain data, exactly as :func:`located_yaml.load_yaml`
    gives its ``data``; raises :class:`NotPlainYaml` when that cannot be told here."""
    if any(line.startswith("%") for line in text.splitlines()):
        raise NotPlainYaml("a directive")  # %YAML 1.1 changes what scalars mean
    if "\t" in text:
        raise NotPlainYaml("a tab")  # where a tab may stand, libyaml and ruamel disagree
    if "&" in text or "*" in text:
        raise NotPlainYaml("maybe an anchor")  # what an anchor's name takes in, too
    if _BLOCK_HEADER_COMMENT.search(text):
        raise NotPlainYaml("a comment against a block scalar's header")  # ruamel refuses it
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader with stricter scalars
    except yaml.YAMLError as exc:
        raise NotPlainYaml(str(exc)) from None
    return _plain(data)
