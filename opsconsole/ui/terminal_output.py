"""Output to a terminal that may hang up under us (a dropped SSH connection).

Textual writes to the terminal from one output thread fed by a bounded queue. Once the connection
drops, a write raises EIO and that thread dies; the next 30 writes fill its queue, and the exit that
SIGHUP asked for blocks forever on one more. The process then never runs its clean-up (the kube
token file stays on disk). Here a terminal that has gone away swallows what is written to it.
"""

from __future__ import annotations

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

    return HangUpTolerantLinuxDriver
