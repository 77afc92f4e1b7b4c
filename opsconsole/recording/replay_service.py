"""A refresh service that answers from a recording: its "refresh" is the recorded board at a time
cursor. It has no backend clients at all, so nothing can be sent: a replay is read-only at the
transport, not by a flag a key could flip."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsconsole.core.dashboard import Dashboard
from opsconsole.recording.store import FrameRef, RecordingReader
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.refresh.service import RefreshService


def no_backends() -> BackendSet:
    """Not one client: there is nothing to send a request with."""
    return BackendSet(read_only=True)


@dataclass
class TimeCursor:
    """Which recorded refresh is shown, and the replay's speed when playing."""

    frames: list[FrameRef]
    index: int = 0
    speed: float = 1.0
    playing: bool = False

    @property
    def frame(self) -> FrameRef:
        """The refresh under the cursor."""
        return self.frames[self.index]

    def step(self, delta: int) -> bool:
        """Move by ``delta`` refreshes; False at either end (the cursor stays)."""
        target = min(len(self.frames) - 1, max(0, self.index + delta))
        moved = target != self.index
        self.index = target
        return moved

    def jump(self, at: float) -> None:
        """The last refresh at or before ``at`` (the first when ``at`` is earlier)."""
        self.index = max(0, sum(1 for f in self.frames if f.at <= at) - 1)

    def advance(self, seconds: float) -> bool:
        """Playing: move to the refresh ``seconds * speed`` of recorded time on; False at the end."""
        if self.index >= len(self.frames) - 1:
            self.playing = False
            return False
        target = self.frame.at + seconds * self.speed
        before = self.index
        while self.index < len(self.frames) - 1 and self.frames[self.index + 1].at <= target:
            self.index += 1
        if self.index == before:  # never stall: a slow speed still reaches the next refresh
            self.index += 1
        return True


@dataclass
class RecordedBoards:
    """The reader and cursor a replay service answers from."""

    reader: RecordingReader
    cursor: TimeCursor = field(init=False)

    def __post_init__(self) -> None:
        self.cursor = TimeCursor(list(self.reader.frames))

    def board(self) -> Dashboard:
        """The recorded board under the cursor."""
        return self.reader.board(self.cursor.frame)


@dataclass
class ReplayService(RefreshService):
    """The console's service on a recording: each refresh is the board under the cursor."""

    recorded: RecordedBoards | None = None

    async def refresh(self, settings: RefreshSettings | None = None) -> Dashboard:
        """The recorded board under the cursor (the backends are never asked: there are none)."""
        assert self.recorded is not None
        if settings is not None:
            self.settings = settings
        board = self.recorded.board()
        self._last = board
        return board

    def tail_request(self, **_: object) -> None:
        """No live tail: the recorded lines come with each board."""
        return None
