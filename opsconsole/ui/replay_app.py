"""``opsconsole replay``: the console on a recording, with a time cursor.

Every screen of the console works on the recorded boards; the service has no backend clients, so no
key can send anything (acks and silences are refused as in a read-only context). ``[``/``]`` step a
refresh, ``space`` plays at the speed ``+``/``-`` set, ``g`` jumps to a time; the header says REPLAY,
the position and the recorded time (the clock is the cursor's).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from opsconsole.recording.moments import parse_moment
from opsconsole.recording.replay_service import TimeCursor
from opsconsole.ui.app import ConsoleOptions, OpsConsoleApp

PLAY_TICK = 0.5  # seconds between steps while playing
SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)


class ReplayApp(OpsConsoleApp):
    """The console, replaying."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *OpsConsoleApp.BINDINGS,
        Binding("left_square_bracket", "step(-1)", "◀ Refresh"),
        Binding("right_square_bracket", "step(1)", "Refresh ▶"),
        Binding("space", "play", "Play/pause"),
        Binding("plus", "speed(1)", "Faster", show=False),
        Binding("minus", "speed(-1)", "Slower", show=False),
        # Before the panes' own `g` (top), or it never reached the app; the main screen's only.
        Binding("g", "goto", "Go to time", priority=True),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    def __init__(self, options: ConsoleOptions, cursor: TimeCursor) -> None:
        self.cursor = cursor
        super().__init__(options)

    @property
    def header_badge(self) -> str:  # type: ignore[override]
        """``REPLAY 12/240 ▶ 10x``."""
        cursor = self.cursor
        state = f" ▶ {cursor.speed:g}x" if cursor.playing else ""
        return f"REPLAY {cursor.index + 1}/{len(cursor.frames)}{state}"

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(PLAY_TICK, self._play_tick)

    def start_shell(self) -> None:
        """After the first layout: a recorded refresh answers at once, before the panes have mounted
        their columns (a live refresh waits on the network long enough)."""
        self.call_after_refresh(super().start_shell)

    def start_main_tail(self) -> None:
        """No live tail: the log pane shows the lines recorded with each refresh."""
        self.main.log_pane.show_tail_status("recorded: the lines shown at each refresh")

    def render_board(self) -> None:
        """The recorded board, its log lines in the log pane as the live tail had them."""
        board = self.board
        pane = self.main.log_pane
        if board is not None:
            pane.view.buffer.clear()
            pane.view.buffer.extend(board.logs)
            pane.view.sync()  # as the live tail does after new lines: following, at the newest
            pane.show_tail_status(f"recorded · {len(board.logs):,} lines")
        super().render_board()

    _render_board = render_board

    # -- the cursor ---------------------------------------------------------------------------

    def _moved(self) -> None:
        self.action_refresh()
        self.render_header()

    def action_step(self, delta: int) -> None:
        """One recorded refresh back or on."""
        self.cursor.playing = False
        if not self.cursor.step(delta):
            self.notify(
                "the first refresh of the recording" if delta < 0 else "the last refresh of the recording"
            )
        self._moved()

    def action_first(self) -> None:
        """The first recorded refresh."""
        self.cursor.index = 0
        self._moved()

    def action_last(self) -> None:
        """The last recorded refresh."""
        self.cursor.index = len(self.cursor.frames) - 1
        self._moved()

    def action_play(self) -> None:
        """Play or pause at the current speed (recorded seconds per second)."""
        self.cursor.playing = not self.cursor.playing
        self.render_header()

    def action_speed(self, direction: int) -> None:
        """The next speed up or down."""
        faster = [s for s in SPEEDS if s > self.cursor.speed]
        slower = [s for s in SPEEDS if s < self.cursor.speed]
        if direction > 0 and faster:
            self.cursor.speed = faster[0]
        elif direction < 0 and slower:
            self.cursor.speed = slower[-1]
        self.notify(f"replay speed {self.cursor.speed:g}x")
        self.render_header()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``g`` jumps from the main screen; on the others it is theirs (a log view's top)."""
        if action == "goto" and self.screen is not self.main:
            return False
        return super().check_action(action, parameters)

    def action_goto(self) -> None:
        """Ask for a time (``:goto 14:05``, ``+5m``, ``-30s``)."""
        self.open_command_prompt("goto ")

    def run_command(self, line: str) -> None:
        """``:goto TIME`` moves the cursor; everything else is the console's."""
        words = line.strip().lstrip(":").split(maxsplit=1)
        if words and words[0].lower() in ("goto", "at"):
            if len(words) < 2:
                self.notify("usage: :goto 14:05 | 2026-11-29T14:05:30Z | +5m | -30s", severity="warning")
                return
            frames = self.cursor.frames
            try:
                at = parse_moment(words[1], frames[0].at, frames[-1].at)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
            self.cursor.playing = False
            self.cursor.jump(at)
            self._moved()
            return
        super().run_command(line)

    def _play_tick(self) -> None:
        if self.cursor.playing and self.cursor.advance(PLAY_TICK):
            self._moved()
        elif not self.cursor.playing:
            return
