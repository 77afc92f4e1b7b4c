"""Silence hygiene: how many alerts each silence mutes now, and the two marks that cause missed or
surprise pages: a silence that **mutes nothing** (a typo in a matcher, an alert renamed: it will not
hold the page it was made for) and one that **ends within 1h** (the page comes back soon).

"Mutes" is Alertmanager's own word: the alerts whose ``silencedBy`` names the silence. The console,
``silence list`` (text and ``--json``) and the overview all take these figures from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

ENDS_SOON_SECONDS = 3600.0
MUTES_NOTHING = "mutes nothing"
ENDS_SOON = "ends within 1h"


def mutes_by_silence(silenced_by: Iterable[Iterable[str]]) -> Counter[str]:
    """How many alerts each silence id mutes, from every alert's ``silencedBy`` (one alert counts once
    per silence, whatever else mutes it)."""
    counts: Counter[str] = Counter()
    for ids in silenced_by:
        counts.update(set(ids))
    return counts


@dataclass(frozen=True)
class SilenceHygiene:
    """The figures of one silence at one moment."""

    state: str
    mutes: int
    ends_at: float
    now: float

    @property
    def mutes_nothing(self) -> bool:
        """Active and holding no alert."""
        return self.state == "active" and self.mutes == 0

    @property
    def ends_soon(self) -> bool:
        """Active and ending within the hour."""
        return self.state == "active" and self.ends_at - self.now <= ENDS_SOON_SECONDS

    def marks(self) -> tuple[str, ...]:
        """The marks in the words every view uses."""
        return tuple(m for m, on in ((MUTES_NOTHING, self.mutes_nothing), (ENDS_SOON, self.ends_soon)) if on)

    def as_json(self) -> dict[str, object]:
        """For ``silence list --json``."""
        return {
            "mutes": self.mutes,
            "mutes_nothing": self.mutes_nothing,
            "ends_within_1h": self.ends_soon,
            "marks": list(self.marks()),
        }
