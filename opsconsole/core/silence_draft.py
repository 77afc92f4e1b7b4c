"""Silences before they are sent: building, validating, previewing, and recognising acks.

Validation mirrors Alertmanager's own rules (at least one matcher, not every matcher matching the
empty string, end after start) plus ours (a comment is required), so a refusal is explained before a
request is made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opsconsole.core.alert_matchers import LabelMatcher, MatcherSyntaxError, parse_matchers
from opsconsole.core.durations import parse_duration

ACK_PREFIX = "ACK"
# Who and where end at a space or at the ``: `` that starts the note (a colon is not part of them).
_ACK = re.compile(r"^ACK by (?P<who>\S+?)(?: from (?P<where>\S+?))?(?=:?(?:\s|$))")
# Labels that identify an alert; the rest (summary-like or per-evaluation values) would make the
# silence too narrow to survive the next evaluation.
VOLATILE_LABELS = frozenset({"__name__", "alertstate", "value"})


class SilenceInvalid(ValueError):
    """A draft Alertmanager would refuse; the message says why in its words where it has some."""


@dataclass(frozen=True)
class SilenceDraft:
    """What the user is about to send."""

    matchers: tuple[LabelMatcher, ...]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    silence_id: str | None = None

    def problems(self) -> list[str]:
        """Everything wrong with the draft; empty means it can be sent."""
        out = []
        if not self.matchers:
            out.append("a silence needs at least one matcher")
        elif all(m.matches({}) for m in self.matchers):
            out.append("at least one matcher must not match the empty string (it would silence everything)")
        if self.ends_at <= self.starts_at:
            out.append("the end must be after the start")
        if not self.comment.strip():
            out.append("a comment is required: say why, so the next person on call knows")
        if not self.created_by.strip():
            out.append("an author is required")
        return out

    def check(self) -> None:
        """Raise :class:`SilenceInvalid` listing every problem."""
        problems = self.problems()
        if problems:
            raise SilenceInvalid("; ".join(problems))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the silence would mute an alert with these labels."""
        return all(m.matches(dict(labels)) for m in self.matchers)

    def matchers_text(self) -> str:
        """The matchers in amtool syntax."""
        return ", ".join(str(m) for m in self.matchers)


def matchers_for_alert(
    labels: Mapping[str, str], keep: Sequence[str] | None = None
) -> tuple[LabelMatcher, ...]:
    """Equality matchers that pin one alert: every identifying label, or only ``keep`` if given."""
    names = [n for n in sorted(labels) if n not in VOLATILE_LABELS and (keep is None or n in keep)]
    return tuple(LabelMatcher(n, "=", labels[n]) for n in names)


def parse_draft_matchers(text: str) -> tuple[LabelMatcher, ...]:
    """Matchers typed by a user (amtool syntax); :class:`SilenceInvalid` with the parser's message."""
    try:
        return tuple(parse_matchers(text))
    except MatcherSyntaxError as exc:
        raise SilenceInvalid(str(exc)) from None


def parse_silence_duration(text: str) -> float:
    """``15m``, ``1h``, ``4h``, ``1d`` or any Prometheus-style duration such as ``90m``."""
    text = text.strip()
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise SilenceInvalid(f"not a duration: {text!r} (use 15m, 1h, 4h, 1d or e.g. 90m)") from None
    if seconds <= 0:
        raise SilenceInvalid("the duration must be positive")
    return seconds


def ack_comment(who: str, where: str, note: str = "") -> str:
    """``ACK by alice@laptop from opsconsole: note`` — recognisable by :func:`parse_ack`."""
    tail = f": {note}" if note else ""
    return f"{ACK_PREFIX} by {who} from {where}{tail}"


@dataclass(frozen=True)
class Ack:
    """Who acknowledged, from where, until when."""

    who: str
    where: str
    until: float

    def describe(self, now: float) -> str:
        """``acked by alice, 12 min left``."""
        minutes = max(0, round((self.until - now) / 60))
        return f"acked by {self.who}, {minutes} min left"


def parse_ack(comment: str, ends_at: float) -> Ack | None:
    """The ack a silence comment records, or None for an ordinary silence."""
    found = _ACK.match(comment)
    if not found:
        return None
    return Ack(found.group("who"), found.group("where") or "", ends_at)
