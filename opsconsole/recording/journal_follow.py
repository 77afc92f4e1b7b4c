"""Follow the mutation journal (one JSON object a line, appended by every change sent) from where it
ended when the recording started, so a recording holds every change made meanwhile, by this console
or any other on the same machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from opsconsole.recording.store import journal_json


def entry_time(entry: dict[str, Any]) -> float | None:
    """The journal entry's ``at`` (ISO 8601) as unix seconds."""
    try:
        return datetime.fromisoformat(str(entry.get("at", ""))).timestamp()
    except ValueError:
        return None


@dataclass
class JournalFollower:
    """New whole lines of the journal since the last call (a half-written line waits)."""

    path: Path
    offset: int = 0
    _partial: bytes = field(default=b"", repr=False)

    @classmethod
    def from_end(cls, path: Path) -> JournalFollower:
        """Start at the journal's current end: earlier changes are not this recording's."""
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        return cls(path, size)

    def new_entries(self) -> list[dict[str, Any]]:
        """Entries appended since the last call."""
        try:
            with self.path.open("rb") as handle:
                if self.path.stat().st_size < self.offset:  # rotated or truncated: start over
                    self.offset, self._partial = 0, b""
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return []
        self.offset += len(data)
        data = self._partial + data
        *lines, self._partial = data.split(b"\n")
        out = []
        for line in lines:
            entry = journal_json(line.decode("utf-8", "replace"))
            if entry is not None:
                out.append(entry)
        return out
