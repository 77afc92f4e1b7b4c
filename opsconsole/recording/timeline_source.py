"""The incident timeline of a recording: its boards and its journaled changes, in order."""

from __future__ import annotations

from pathlib import Path

from opsconsole.core.incident_timeline import TimelineBuilder
from opsconsole.recording.store import RecordingReader


def recording_timeline(path: Path) -> str:
    """The Markdown timeline of the recording at ``path`` (``RecordingError`` for a bad file)."""
    with RecordingReader(path) as reader:
        builder = TimelineBuilder()
        for board in reader.boards():
            builder.add(board)
        for at, _kind, entry in reader.events("mutation"):
            builder.add_change(at, entry)
        info = reader.info
        notes = [info.dropped_text()] if info.dropped_frames else []
        return builder.markdown(f"Timeline: context {info.context}, pack {info.pack}", notes)
