"""Turn a resolved context and a pack name into a ready :class:`RefreshService`.

Shared by the interactive console and ``opsconsole snapshot`` so both run the same code path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from opsconsole.config import ConfigError, ResolvedContext
from opsconsole.packs.loader import PackSet, load_packs
from opsconsole.packs.search_path import pack_dirs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService

DEFAULT_PACK = "progressive-framework"


def load_pack_set(context: ResolvedContext, only: str | None = None) -> PackSet:
    """Built-in packs and the user's folder for this configuration.

    ``only``: a one-shot command that uses one pack validates that one alone (every pack's
    queries parsed is a sizeable part of its start); see :func:`~opsconsole.packs.loader.load_packs`.
    """
    return load_packs(pack_dirs(context.config), only=only)


def wanted_pack(context: ResolvedContext, requested: str | None = None) -> str:
    """The pack's name: ``--pack`` > the context's ``pack`` > the first built-in pack."""
    return requested or context.settings.pack or DEFAULT_PACK


def choose_pack(context: ResolvedContext, packs: PackSet, requested: str | None = None) -> str:
    """``--pack`` > the context's ``pack`` > the first built-in pack; ``ConfigError`` if unknown."""
    name = wanted_pack(context, requested)
    if name not in packs.packs:
        problems = [f"{e.file}:{e.line}: {e.field}: {e.message}" for e in packs.errors if name in str(e.file)]
        detail = ("; " + "; ".join(problems[:3])) if problems else ""
        known = ", ".join(sorted(packs.packs)) or "none"
        raise ConfigError(f"unknown pack {name!r} (known: {known}){detail}")
    return name


def build_service(
    context: ResolvedContext,
    packs: PackSet,
    pack: str,
    variables: Mapping[str, str] | None = None,
    *,
    backends: BackendSet | None = None,
    clock: Callable[[], float] = time.time,
) -> RefreshService:
    """A refresh service for ``pack`` on ``context`` (context variables, then ``variables``)."""
    overrides = {**context.settings.variables, **(variables or {})}
    return RefreshService(
        context_name=context.name,
        pack=packs.packs[pack].pack,
        backends=backends or BackendSet.for_context(context),
        overrides=overrides,
        clock=clock,
    )
