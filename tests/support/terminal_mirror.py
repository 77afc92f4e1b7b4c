"""What a terminal would show of a headless app, built only from the updates the app sends it.

``run_test`` draws nothing: Textual renders each update and a headless app drops it. This keeps a
grid of characters and applies every update the screen hands the app (a full redraw or the spans
that changed), so a test reads what a user's terminal would show, not what the widgets hold: a
value put into a widget but never repainted stays as it was on the grid, and a repaint that sends
the same text again is counted. Text only: styles are not kept.

Attach it once the app has drawn its first frame: it starts from a full redraw of the screen as
it is then.
"""

from __future__ import annotations

from typing import Any

from rich.cells import get_character_cell_size
from rich.console import Console
from rich.segment import ControlType, Segment
from textual.app import App


class TerminalMirror:
    """The screen of ``app`` as its updates draw it, and how many cells each update wrote."""

    def __init__(self, app: App[Any]) -> None:
        width, height = app.size
        self.width = width
        self.lines = [[" "] * width for _ in range(height)]
        self.written: list[int] = []  # cells written, one entry per update sent
        self._console = Console(width=width, height=height, color_system=None, legacy_windows=False)
        self._display = app._display
        app._display = self._show  # type: ignore[method-assign]
        self._apply(self._console.render(app.screen._compositor.render_update(full=True)))

    def _show(self, screen: Any, renderable: Any) -> None:
        if renderable is not None:
            self.written.append(self._apply(self._console.render(renderable)))
        self._display(screen, renderable)

    def _apply(self, segments: Any) -> int:
        x = y = cells = 0
        for segment in segments:
            assert isinstance(segment, Segment)
            if segment.control:
                for control in segment.control:
                    if control[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = control[1], control[2]
                continue
            for char in segment.text:
                if char == "\n":
                    x, y = 0, y + 1
                    continue
                size = get_character_cell_size(char)
                if 0 <= y < len(self.lines) and 0 <= x < self.width:
                    self.lines[y][x] = char
                    if size == 2 and x + 1 < self.width:
                        self.lines[y][x + 1] = ""
                    cells += size
                x += size
        return cells

    def text(self) -> str:
        """The whole screen, a line each, trailing spaces removed."""
        return "\n".join("".join(line).rstrip() for line in self.lines)

    def since(self, mark: int) -> int:
        """Cells written by the updates after the first ``mark`` (``len(mirror.written)`` earlier)."""
        return sum(self.written[mark:])
