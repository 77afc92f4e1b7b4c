"""Symbols whose glyphs vary by terminal, and their ASCII fallbacks.

The health pane marks an agent with firing alerts. The bell emoji (U+1F514) is two cells wide in
some terminals, one in others, and a missing glyph in many fonts: the table's columns shift under
it. ``⚑`` (U+2691, Miscellaneous Symbols, the block ``⚠`` comes from) is one cell everywhere and
present in the usual monospace fonts. A terminal whose locale is not UTF-8 gets ASCII, as does
anyone who asks for it (``--symbols ascii``, ``OPSCONSOLE_SYMBOLS=ascii``, ``symbols: ascii`` in
the config).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SymbolSet = Literal["auto", "unicode", "ascii"]


@dataclass(frozen=True)
class Symbols:
    """The marks the panes draw."""

    alerts: str  # before an agent's count of firing alerts

    @property
    def ascii(self) -> bool:
        """Whether every mark is plain ASCII."""
        return self.alerts.isascii()


UNICODE = Symbols(alerts="⚑")
ASCII = Symbols(alerts="*")


def utf8_locale(environ: Mapping[str, str]) -> bool:
    """Whether the locale the terminal was started with is UTF-8 (the first of ``LC_ALL``,
    ``LC_CTYPE``, ``LANG`` that is set decides, as in the C library; none set is the C locale).

    Python's own encoding is no guide: it turns the C locale into UTF-8 for itself.
    """
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name, "")
        if value:
            codeset = value.partition(".")[2].partition("@")[0]
            return codeset.lower().replace("-", "") == "utf8"
    return False


def pick_symbols(
    configured: str = "auto", environ: Mapping[str, str] | None = None, requested: str | None = None
) -> Symbols:
    """``--symbols`` > ``OPSCONSOLE_SYMBOLS`` > config (``auto``, ``unicode``, ``ascii``); ``auto``
    follows the locale.

    An unknown value in the environment or the config is treated as ``auto``: a typo in a cosmetic
    setting must not stop the console (the flag refuses one).
    """
    env = os.environ if environ is None else environ
    setting = (
        (requested or "").strip().lower() or env.get("OPSCONSOLE_SYMBOLS", "").strip().lower() or configured
    )
    if setting == "ascii":
        return ASCII
    if setting == "unicode":
        return UNICODE
    return UNICODE if utf8_locale(env) else ASCII
