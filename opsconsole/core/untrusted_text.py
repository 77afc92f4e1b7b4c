"""Make text from backends safe to put on a terminal.

Log lines, label values, annotations and error bodies come from systems the
on-call engineer does not control. They may carry terminal escape sequences
(CSI colour/cursor moves, OSC 8 hyperlinks, OSC 52 clipboard writes, DCS) that
would act on the user's terminal if written through. Everything shown goes
through :func:`sanitize` first; rendering then treats it as plain text (never as
Rich markup).
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
# DCS/SOS/PM/APC (ESC P|X|^|_ ... ST), and two-byte escapes (ESC + one char).
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC, ended by BEL or ST (or cut off)
  | \x1b[PX^_][^\x1b]*(?:\x1b\\)?      # DCS, SOS, PM, APC
  | \x1b[@-Z\\-_]                      # other two-byte escapes (Fe)
  | \x1b                               # a lone ESC
  | \x9b[0-?]*[ -/]*[@-~]              # 8-bit CSI
  | [\x90\x9d\x98\x9e\x9f][^\x9c]*\x9c? # 8-bit DCS/OSC/SOS/PM/APC ended by 8-bit ST
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates reorder what the eye reads ("Trojan Source"); zero-width
# characters hide text. Both are shown as their code point.
# Anything any of the rules below would touch: ESC and every C0/C1 control, the invisibles.
_NEEDS_WORK = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Strip escape sequences; show other control characters as ``\\xNN`` and bidi/zero-width
    characters as ``\\uNNNN``.

    Tabs are kept (as a space-preserving tab); newlines become ``⏎`` unless
    ``keep_newlines`` is set, so one log record stays on one row.
    """
    if not _NEEDS_WORK.search(text):
        return text  # the common case: one scan instead of four (the log tail calls this a lot)
    text = _ESCAPE_SEQUENCE.sub("", text)
    if not keep_newlines:
        text = text.replace("\r\n", "\n").replace("\n", "⏎")
    text = _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def excerpt(text: str, limit: int = 300) -> str:
    """A sanitised single-line excerpt of at most ``limit`` characters."""
    clean = sanitize(text.strip())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
