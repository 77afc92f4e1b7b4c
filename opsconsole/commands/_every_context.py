"""Every configured context, for the commands that look at all of them at once (``--all-contexts``,
``overview``). Read-only, given any way, stays in force for each; URL flags name one context's
backends, so they are refused here rather than applied to every context."""

from __future__ import annotations

import argparse

from opsconsole.config import ConfigError, Overrides, ResolvedContext, load_config, resolve_context

URL_FLAGS = ("prometheus", "alertmanager", "loki", "jaeger")


def every_context(args: argparse.Namespace) -> list[ResolvedContext]:
    """Each context of the config file, in name order (the implicit ``default`` when there are none)."""
    given = [f"--{name}" for name in URL_FLAGS if getattr(args, name, None)]
    if given:
        raise ConfigError(f"{', '.join(given)} name one context's backends: drop them with --all-contexts")
    config, path = load_config(getattr(args, "config", None))
    read_only = bool(getattr(args, "read_only", False))
    names: list[str | None] = list(sorted(config.contexts)) or [None]
    return [
        resolve_context(config, Overrides(context=name, read_only=read_only), config_path=path)
        for name in names
    ]
