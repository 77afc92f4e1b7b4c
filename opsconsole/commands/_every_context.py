"""Every configured context, for the commands that look at all of them at once (``--all-contexts``,
``overview``). Read-only, given any way, stays in force for each; ``--context`` and the URL flags
name one context (its backends), so the command line refuses them there (``all_contexts_mode`` in
:mod:`opsconsole.shared_flags`; ``overview`` does not take them) rather than apply them to every
context."""

from __future__ import annotations

import argparse
from typing import Any

from opsconsole.config import ResolvedContext, load_config
from opsconsole.refresh.context_overview import ContextOverviewService, resolve_every_context


def every_context(args: argparse.Namespace) -> list[ResolvedContext]:
    """Each context of the config file, in name order (the implicit ``default`` when there are none)."""
    config, path = load_config(getattr(args, "config", None))
    return resolve_every_context(config, path, read_only=bool(getattr(args, "read_only", False)))


def overview_service(args: argparse.Namespace) -> tuple[list[ResolvedContext], ContextOverviewService]:
    """Every context and a refresh service per context, each on the pack and variables given
    (``--pack``, ``--var``), bounded by ``--context-timeout``; raises ConfigError."""
    from opsconsole.commands.packs import parse_vars
    from opsconsole.refresh.session import build_service, choose_pack, load_pack_set

    contexts = every_context(args)
    packs = load_pack_set(contexts[0])
    variables = parse_vars(args.var)

    def make(context: Any) -> Any:
        return build_service(context, packs, choose_pack(context, packs, args.pack), variables)

    return contexts, ContextOverviewService(contexts, make, deadline=args.context_timeout)
