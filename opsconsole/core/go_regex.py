"""Regexes as Loki and Alertmanager compile them: Go's ``regexp`` package, whose syntax is RE2's.

Python's ``re`` is the wrong judge in both directions: it accepts what Go refuses (backreferences,
lookaround, atomic groups, possessive quantifiers, ``(?x)``, ``\\Z``, repeats over 1000) and refuses
what Go accepts (``\\pL``, ``\\Q…\\E``, ``(?i)`` in mid-pattern, ``\\z`` before Python 3.14). So the
pattern is compiled by RE2 itself (Google's ``google-re2`` bindings), whose parser Go's follows; the
one construct C++ RE2 has and Go has not, ``\\C`` (any byte), is refused here.

``re2`` is imported on the first regex that needs it (about 10 ms): a plain pattern (literals, ``|``,
``.`` with one ``*``, ``+`` or ``?``), which Go and Python read alike, is compiled by ``re``, so the
built-in packs, whose selectors are all plain, load without it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# For a friendlier word when RE2 has refused the pattern (the usual reason a regex written for
# Python or PCRE fails at Loki); only consulted after a refusal, so "\\1" matching here is harmless.
_PERL_ONLY = re.compile(r"\(\?<?[=!]|\\[1-9]")


# Plain patterns: letters, digits, a few punctuation marks that are literal in both engines, "|", and
# "." alone or with one quantifier. Both compile every such pattern and match the same strings.
_PLAIN = re.compile(r"(?:[A-Za-z0-9_\-/:@,= |]|\.[*+?]?)*")


class RegexSyntaxError(ValueError):
    """Go's regexp (RE2 syntax) would refuse the pattern; the message says why."""


@functools.cache
def _options() -> Any:
    import re2  # see the module's docstring: loaded on first use

    options = re2.Options()
    # RE2 logs every refused pattern to stderr, which would be drawn over the console's screen.
    options.log_errors = False
    return options


def _any_byte_escape(pattern: str) -> bool:
    """Whether ``pattern`` uses ``\\C`` outside ``\\Q…\\E`` (C++ RE2 accepts it, Go does not)."""
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] != "\\":
            i += 1
            continue
        if pattern[i + 1] == "C":
            return True
        if pattern[i + 1] == "Q":
            end = pattern.find("\\E", i + 2)
            if end < 0:
                return False
            i = end + 2
            continue
        i += 2
    return False


def compile_go_regex(pattern: str, server: str = "Loki") -> Any:
    """``pattern`` compiled by RE2 (an ``re2._Regexp``: ``fullmatch``, ``groupindex``), or
    :class:`RegexSyntaxError` saying why ``server`` (Loki, Alertmanager: both Go) would refuse it. A
    plain pattern comes back compiled by ``re`` (the same ``fullmatch``), sparing the RE2 import."""
    if _PLAIN.fullmatch(pattern):
        return re.compile(pattern)
    import re2

    try:
        compiled = re2.compile(pattern, options=_options())
    except re2.error as exc:
        if _PERL_ONLY.search(pattern):
            raise RegexSyntaxError(f"{server}'s regexes (RE2) have no lookaround or backreferences") from None
        why = exc.args[0].decode("utf-8", "replace") if exc.args else "does not compile"
        raise RegexSyntaxError(why) from None
    if _any_byte_escape(pattern):
        raise RegexSyntaxError("invalid escape sequence: \\C (Go's regexp has no any-byte escape)")
    return compiled
