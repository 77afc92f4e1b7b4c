"""Where the built-in query packs and themes live.

A wheel carries them as ``opsconsole/_data/{queries,themes}`` (hatch
force-include); an editable install or a source checkout uses the repository's
top-level ``queries/`` and ``themes/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    bundled = _PACKAGE / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def builtin_queries_dir() -> Path:
    """The built-in query packs."""
    return _data_dir("queries")


def builtin_themes_dir() -> Path:
    """The built-in themes."""
    return _data_dir("themes")
