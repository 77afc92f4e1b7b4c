"""Moments in a recording as people write them: ``--at 14:05``, ``--at 2026-11-29T14:05:30Z``,
``--at +5m`` (from the first refresh), ``--at -30s`` (before the last), or unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime, time

from opsconsole.core.durations import parse_duration


def parse_moment(text: str, first: float, last: float) -> float:
    """Unix seconds for ``text`` within a recording spanning ``first`` .. ``last`` (``ValueError``
    with the forms accepted otherwise)."""
    value = text.strip()
    try:
        if value.startswith("+"):
            return first + parse_duration(value[1:])
        if value.startswith("-"):
            return last - parse_duration(value[1:])
        if value.replace(".", "", 1).isdigit() and len(value) >= 9:
            return float(value)
        if "T" in value or " " in value or value.count("-") >= 2:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
        clock = time.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"not a moment: {text!r} (expected 14:05[:30] UTC on the recording's day, "
            "2026-11-29T14:05:30Z, +5m from the first refresh, -30s before the last, or unix seconds)"
        ) from None
    day = datetime.fromtimestamp(last, UTC).date()
    moment = datetime.combine(day, clock, tzinfo=UTC).timestamp()
    if moment > last + 60:  # a time of day after the end is the day before's (a recording over midnight)
        moment -= 86400
    return moment
