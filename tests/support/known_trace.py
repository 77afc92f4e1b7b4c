"""A small known trace for the waterfall and cursor tests: seven spans, given out of order.

api ──────────────────────────────────────────────── 0..100
  coordinator.plan ───────── 5..40
    npa.solve ─────── 10..30
  coordinator.dispatch ──────────────── 45..95
    wpa.run ─────────────── 50..90           (ends last: critical)
    db.query ───── 55..70                   (overlapped by wpa.run: not critical)
      db.lock ─ 56..60                      (under a non-critical span: not critical)
"""

from __future__ import annotations

from dataclasses import dataclass

T0 = 1_795_385_633_228_000  # a real start time (µs): 0 means "no start time" to the layout


@dataclass(frozen=True)
class S:
    """A span; ``at`` is its start relative to T0 (the real ``start_us`` is absolute)."""

    span_id: str
    parent_id: str | None
    at: int
    duration_us: int

    @property
    def start_us(self) -> int:
        return T0 + self.at


SPANS = [
    S("db", "disp", 55, 15),
    S("api", None, 0, 100),
    S("plan", "api", 5, 35),
    S("wpa", "disp", 50, 40),
    S("solve", "plan", 10, 20),
    S("disp", "api", 45, 50),
    S("lock", "db", 56, 4),
]
