"""Extending a silence: the new end, always later than the current one.

``--by 1h`` adds to the silence's current end (an extension never shortens); ``--until TIME`` sets
the end, and an end that is not later than the current one is refused. A silence that has already
ended cannot be extended in place: it is recreated, from now, and the caller must ask first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from opsconsole.core.silence_draft import SilenceInvalid, parse_silence_duration


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def parse_end_time(text: str, now: float) -> float:
    """``HH:MM`` (UTC, the next such time after ``now``) or an ISO 8601 time (UTC unless it says)."""
    text = text.strip()
    if len(text) == 5 and text[2] == ":" and text.replace(":", "").isdigit():
        hour, minute = int(text[:2]), int(text[3:])
        if hour > 23 or minute > 59:
            raise SilenceInvalid(f"not a time of day: {text}")
        today = datetime.fromtimestamp(now, UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
        end = today.timestamp()
        return end if end > now else end + 86400
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SilenceInvalid(f"not a time: {text!r} (use HH:MM in UTC, or e.g. 2026-11-22T16:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@dataclass(frozen=True)
class Extension:
    """Where the silence ends after the change, and whether it must be recreated to get there."""

    current_end: float
    new_end: float
    recreate: bool  # it has ended: a new silence from now is made (ask first)

    def describe(self) -> str:
        """What will happen, in words."""
        if self.recreate:
            return (
                f"the silence ended at {_clock(self.current_end)}; extending recreates it as a new silence "
                f"from now until {_clock(self.new_end)}"
            )
        return f"the end moves from {_clock(self.current_end)} to {_clock(self.new_end)}"


def plan_extension(
    current_end: float, expired: bool, now: float, *, by: str | None = None, until: str | None = None
) -> Extension:
    """The new end for ``--by`` (added to the current end, or to now once it has ended) or ``--until``.

    :class:`SilenceInvalid` when the new end would not be later than the current one (or than now).
    """
    if (by is None) == (until is None):
        raise SilenceInvalid("say how far: either by a duration (--by 1h) or until a time (--until 16:00)")
    base = now if expired else current_end
    new_end = base + parse_silence_duration(by) if by is not None else parse_end_time(str(until), now)
    floor = max(current_end, now)
    if new_end <= floor:
        what = "now" if expired or now > current_end else f"its current end {_clock(current_end)}"
        raise SilenceInvalid(
            f"the new end {_clock(new_end)} is not later than {what}: extending never shortens a silence "
            "(expire it and create a shorter one if that is what you want)"
        )
    return Extension(current_end, new_end, expired)
