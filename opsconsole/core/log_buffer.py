"""The log tail's memory: a ring buffer of parsed rows addressed by sequence number.

Every row gets a sequence number when it arrives (1, 2, 3…); when the buffer is full the oldest row
is evicted and its number is simply no longer held. Views (filters, search, selection) keep
sequence numbers, so eviction never shifts what they point at. Indexing is O(1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from opsconsole.core.dashboard import LogRow
from opsconsole.core.log_parse import LEVEL_ORDER

DEFAULT_CAPACITY = 50_000


class LogBuffer:
    """At most ``capacity`` rows, newest last; counts what was received, evicted and dropped."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        # Rows are held as plain tuples of int/str, which the cycle collector stops tracking, with
        # their fields (str -> str dicts, also untracked) in a parallel list. Held as 50,000 LogRow
        # objects they were rescanned by every full collection: at 5,000 lines/s a 150-200 ms pause
        # of the whole UI every second or two.
        self._slots: list[tuple[int, str, str, str, str] | None] = [None] * capacity
        self._fields: list[dict[str, str] | None] = [None] * capacity
        self.received = 0  # rows ever appended; the newest row's sequence number
        self.dropped = 0  # rows Loki reported it dropped before they reached us

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest row held (``last_seq + 1`` when empty)."""
        return max(1, self.received - self.capacity + 1)

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest row (0 when nothing arrived yet)."""
        return self.received

    @property
    def evicted(self) -> int:
        """Rows pushed out by newer ones."""
        return max(0, self.received - self.capacity)

    def __len__(self) -> int:
        return min(self.received, self.capacity)

    def append(self, row: LogRow) -> int:
        """Add one row; returns its sequence number."""
        self.received += 1
        slot = (self.received - 1) % self.capacity
        self._slots[slot] = (row.ts_ns, row.level, row.entity, row.message, row.trace_id)
        self._fields[slot] = row.fields
        return self.received

    def extend(self, rows: Iterable[LogRow]) -> None:
        """Add rows in order."""
        for row in rows:
            self.append(row)

    def get(self, seq: int) -> LogRow | None:
        """The row with this sequence number, or None when evicted or not yet received."""
        if seq < self.first_seq or seq > self.received:
            return None
        slot = (seq - 1) % self.capacity
        held, fields = self._slots[slot], self._fields[slot]
        if held is None or fields is None:
            return None
        return LogRow(*held, fields=fields)

    def seqs(self) -> range:
        """Every sequence number held, oldest first."""
        return range(self.first_seq, self.received + 1)

    def rows(self) -> Iterator[LogRow]:
        """Every row held, oldest first."""
        for seq in self.seqs():
            row = self.get(seq)
            if row is not None:
                yield row

    def clear(self) -> None:
        """Forget every row (counts restart too)."""
        self._slots = [None] * self.capacity
        self._fields = [None] * self.capacity
        self.received = 0
        self.dropped = 0


@dataclass(frozen=True)
class LogFilter:
    """Which rows a view shows: at least ``min_level`` (unknown levels always show) and ``text``."""

    min_level: str = ""
    text: str = ""

    def accepts(self, row: LogRow) -> bool:
        """Whether ``row`` passes."""
        known = self.min_level and row.level in LEVEL_ORDER
        if known and LEVEL_ORDER.index(row.level) < LEVEL_ORDER.index(self.min_level):
            return False
        return not self.text or self.text.casefold() in row.message.casefold()

    @property
    def active(self) -> bool:
        """False when every row passes."""
        return bool(self.min_level or self.text)


def matches(row: LogRow, needle: str) -> bool:
    """Search: case-insensitive, in the message, entity, level or any field value."""
    folded = needle.casefold()
    return (
        folded in row.message.casefold()
        or folded in row.entity.casefold()
        or any(folded in v.casefold() for v in row.fields.values())
    )


def find(
    buffer: LogBuffer,
    seqs: Iterable[int],
    predicate: Callable[[LogRow], bool],
) -> int | None:
    """First sequence number in ``seqs`` whose row passes ``predicate``."""
    for seq in seqs:
        row = buffer.get(seq)
        if row is not None and predicate(row):
            return seq
    return None
