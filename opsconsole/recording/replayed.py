"""A recorded refresh by file and moment, for ``snapshot --replay``."""

from __future__ import annotations

from pathlib import Path

from opsconsole.core.dashboard import Dashboard
from opsconsole.recording.moments import parse_moment
from opsconsole.recording.store import RecordingError, RecordingReader


def recorded_board(path: Path, at: str | None) -> Dashboard:
    """The dashboard recorded at or before ``at`` (the last one when None); ``ValueError`` (with
    :class:`RecordingError`'s words) for a file or moment that does not fit."""
    try:
        with RecordingReader(path) as reader:
            if not reader.frames:
                raise RecordingError(f"{path}: the recording holds no refresh")
            first, last = reader.frames[0].at, reader.frames[-1].at
            moment = last if at is None else parse_moment(at, first, last)
            return reader.board(reader.frame_at(moment))
    except RecordingError as exc:
        raise ValueError(str(exc)) from None
