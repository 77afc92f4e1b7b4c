"""Output to a terminal that may hang up under us (a dropped SSH connection), sized by the terminal.

Textual writes to the terminal from one output thread fed by a bounded queue. Once the connection
drops, a write raises EIO and that thread dies; the next 30 writes fill its queue, and the exit that
SIGHUP asked for blocks forever on one more. The process then never runs its clean-up (the kube
token file stays on disk). Here a terminal that has gone away swallows what is written to it.

Textual sizes the screen with ``shutil.get_terminal_size()``, which believes ``COLUMNS`` and ``LINES``
before the terminal. Those are exported by ``eval $(resize)`` (a habit on serial consoles and some SSH
set-ups) and by pytest-xdist's workers; the console then drew 80 columns in a 160-column terminal and
never followed a resize (each SIGWINCH read the same variables). Here the terminal is asked first.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

from textual.driver import Driver


class HungUpTolerantOutput:
    """A text stream that drops writes once the terminal behind it has gone (EIO, EPIPE…)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        """Write ``text``, or drop it when the terminal is gone."""
        if not self.gone:
            try:
                return self.stream.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        """Flush, unless the terminal is gone."""
        if not self.gone:
            try:
                self.stream.flush()
            except OSError:
                self.gone = True

    def fileno(self) -> int:
        """The terminal's file descriptor."""
        return self.stream.fileno()

    def isatty(self) -> bool:
        """Whether the stream is a terminal."""
        return self.stream.isatty()


def hang_up_tolerant_driver(chosen: type[Driver]) -> type[Driver]:
    """Textual's Linux driver with its output wrapped; any other driver (headless, web) as it is."""
    if sys.platform == "win32":
        return chosen
    from textual.drivers.linux_driver import LinuxDriver

    if chosen is not LinuxDriver:
        return chosen

    class HangUpTolerantLinuxDriver(LinuxDriver):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # Textual is pinned only from below: a release that renames the private ``_file`` gets
            # the stock output (hang-ups then end the app through the SIGHUP handler alone) rather
            # than a crash at start-up.
            stream = getattr(self, "_file", None)
            if stream is not None and hasattr(stream, "write"):
                self._file = HungUpTolerantOutput(stream)  # type: ignore[assignment]

        def _get_terminal_size(self) -> tuple[int, int]:
            return terminal_size(getattr(self, "_file", None)) or super()._get_terminal_size()

    return HangUpTolerantLinuxDriver


def terminal_size(stream: Any) -> tuple[int, int] | None:
    """The size the terminal behind ``stream`` reports (never ``COLUMNS``/``LINES``), or None when
    it cannot tell (not a terminal, gone, or a size of zero)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return None
    return (size.columns, size.lines) if size.columns and size.lines else None
