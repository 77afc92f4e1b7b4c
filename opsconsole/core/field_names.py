"""Which field a misspelt YAML key meant, for every file the console reads against a pydantic model
(packs, the config file, themes): ``timout: 5`` says "did you mean `timeout`?", not only that the
field is unknown, and a key with no likely twin lists the fields allowed where it stands."""

from __future__ import annotations

import difflib
import types
from collections.abc import Collection, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


def one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter changed, added, dropped or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def meant(name: str, allowed: Sequence[str]) -> list[str]:
    """The allowed field ``name`` most likely misspells: one slip of a key (``uq`` for ``up``,
    which is too short for a similarity ratio), else the closest by difflib's ratio."""
    slips = [field for field in allowed if one_edit(name.lower(), field.lower())]
    return slips[:1] or difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)


def _members(annotation: Any) -> list[Any]:
    """The types an annotation allows: ``X | None`` and tagged unions taken apart, ``Annotated``
    unwrapped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for arg in get_args(annotation) for t in _members(arg)]
    return [] if annotation is type(None) else [annotation]


def fields_at(root: type[BaseModel], path: Sequence[str | int], tags: Collection[str] = ()) -> list[str]:
    """The fields ``root`` allows in the mapping at ``path`` (a pydantic error location; ``tags``
    are the tagged-union names pydantic puts in it), as written in the file (aliases); [] where the
    mapping's keys are free names or the path leads nowhere."""
    current: list[Any] = [root]
    for step in path:
        if step in tags:
            continue  # every form's fields stay candidates: a typo may be what chose the form
        following: list[Any] = []
        for kind in current:
            origin = get_origin(kind)
            if isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(step, str):
                for name, info in kind.model_fields.items():
                    if step in (name, info.alias):
                        following += _members(info.annotation)
            elif origin is dict:
                following += _members(get_args(kind)[1])
            elif origin is list and isinstance(step, int):
                following += _members(get_args(kind)[0])
        current = following
    names: list[str] = []
    for kind in current:
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += [info.alias or name for name, info in kind.model_fields.items()]
    return list(dict.fromkeys(names))


def unknown_field_message(name: str, allowed: Sequence[str], docs: str) -> str:
    """What to say of an unknown key ``name`` where ``allowed`` are the fields: the one it likely
    meant, else the list, else where the fields are documented (``docs``)."""
    close = meant(name, allowed)
    if close:
        return f"unknown field: did you mean `{close[0]}`?"
    if allowed:
        return f"unknown field (allowed here: {', '.join(allowed)})"
    return f"unknown field (see {docs} for the allowed fields)"
