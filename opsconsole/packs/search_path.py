"""The pack search path for a configuration: built-in, then the user's folder."""

from __future__ import annotations

from pathlib import Path

from opsconsole.config import ConsoleConfig, default_packs_dir
from opsconsole.resources import builtin_queries_dir


def pack_dirs(config: ConsoleConfig) -> list[tuple[Path, str]]:
    """``(directory, origin)`` pairs in search order (later wins on a name clash)."""
    user = (config.packs_dir or default_packs_dir()).expanduser()
    return [(builtin_queries_dir(), "builtin"), (user, "user")]
