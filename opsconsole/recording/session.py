"""One recording in progress: a refresh service's boards and the journal's new entries, written as
they come (shared by ``opsconsole record`` and ``--record`` on the console and the wallboard)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from opsconsole.core.dashboard import Dashboard, LogRow
from opsconsole.recording.journal_follow import JournalFollower, entry_time
from opsconsole.recording.store import RecordingWriter


@dataclass
class RecordingSession:
    """Writes each refresh and the changes journaled since the last one."""

    writer: RecordingWriter
    journal: JournalFollower | None = None
    frames: int = 0
    # The console tails Loki itself (its boards carry no lines): what its log pane shows instead.
    shown_logs: Callable[[], list[LogRow]] | None = field(default=None, repr=False)
    _told: str = field(default="", repr=False)

    @classmethod
    def start(cls, writer: RecordingWriter, journal_path: Path | None) -> RecordingSession:
        """Record from now on; the journal is followed from its current end."""
        return cls(writer, JournalFollower.from_end(journal_path) if journal_path else None)

    def add(self, board: Dashboard, shown_logs: list[LogRow] | None = None) -> None:
        """Record ``board``; ``shown_logs``: the lines the screen shows when they are not the board's
        (the console tails Loki itself, so its board carries none)."""
        if shown_logs is not None:
            board = replace(board, logs=list(shown_logs))
        self.record_journal(board.now)
        self.writer.add(board)
        self.frames += 1

    def observe(self, board: Dashboard) -> None:
        """A refresh service's observer: record ``board`` (with the lines shown), and when the size
        cap dropped refreshes, say so on screen through the board's notices (once each time)."""
        self.add(board, self.shown_logs() if self.shown_logs is not None else None)
        dropped = self.writer.dropped_notice
        if dropped and dropped != self._told:
            self._told = dropped
            board.notices.append(f"recording {self.writer.path}: {dropped}")

    def record_journal(self, fallback_at: float) -> None:
        """Every change journaled since the last call, as ``mutation`` events."""
        if self.journal is None:
            return
        for entry in self.journal.new_entries():
            self.writer.add_event("mutation", entry_time(entry) or fallback_at, entry)

    @property
    def notice(self) -> str:
        """What to say on screen about the recording: where it goes and what the cap dropped."""
        text = f"recording to {self.writer.path}"
        if self.writer.dropped_notice:
            text += f"; {self.writer.dropped_notice}"
        return text

    def close(self) -> None:
        """Take in the last journal entries and fold the file into one."""
        try:
            self.record_journal(0.0)
        finally:
            self.writer.close()
