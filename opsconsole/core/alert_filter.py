"""The alerts pane's filter: amtool-style matchers and free text, in one box.

``severity="critical", service=~"agents|db" npa`` keeps alerts whose labels satisfy both matchers and
whose labels, annotations or state mention "npa". A matcher with a bad regex is reported, not
silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsconsole.core.alert_matchers import LabelMatcher, MatcherSyntaxError, parse_matchers
from opsconsole.core.dashboard import AlertView

_MATCHER = re.compile(r'@?[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*(?:"(?:[^"\\]|\\.)*"|[^\s,"]+)')
# ``@context=prod`` (or any matcher on it) in views that merge contexts: a label no alert can carry.
CONTEXT_LABEL = "__opsconsole_context__"
_NAME_END = re.compile(r"[\s=!]")


@dataclass(frozen=True)
class AlertFilter:
    """Matchers, free-text words, and whether suppressed alerts are shown."""

    matchers: tuple[LabelMatcher, ...] = ()
    words: tuple[str, ...] = ()
    show_silenced: bool = True
    show_inhibited: bool = True
    error: str = ""

    @classmethod
    def parse(cls, text: str, *, show_silenced: bool = True, show_inhibited: bool = True) -> AlertFilter:
        """Split ``text`` into matchers and words."""
        matchers: list[LabelMatcher] = []
        error = ""
        for found in _MATCHER.findall(text):
            name = _NAME_END.split(found, maxsplit=1)[0]  # whatever the operator and spaces
            if name == "@context":
                found = CONTEXT_LABEL + found[len(name) :]
            elif name.startswith("@"):  # a typo must not filter on a label no alert has: say so
                error = f"unknown {name}: the only @ name is @context"
                continue
            try:
                matchers.extend(parse_matchers(found))
            except MatcherSyntaxError as exc:
                error = str(exc)
        rest = _MATCHER.sub(" ", text).replace(",", " ").replace("{", " ").replace("}", " ")
        words = tuple(w.lower() for w in rest.split())
        return cls(tuple(matchers), words, show_silenced, show_inhibited, error)

    @property
    def active(self) -> bool:
        """Whether anything is filtered at all."""
        return bool(self.matchers or self.words) or not (self.show_silenced and self.show_inhibited)

    def keeps(self, alert: AlertView, context: str | None = None) -> bool:
        """Whether ``alert`` is shown; ``context``: the context it came from (for ``@context``)."""
        if alert.state == "silenced" and not self.show_silenced:
            return False
        if alert.state == "inhibited" and not self.show_inhibited:
            return False
        labels = alert.labels if context is None else {**alert.labels, CONTEXT_LABEL: context}
        if not all(m.matches(labels) for m in self.matchers):
            return False
        if self.words:
            haystack = " ".join(
                [*alert.labels.values(), *alert.annotations.values(), alert.state, alert.source]
            ).lower()
            return all(word in haystack for word in self.words)
        return True
