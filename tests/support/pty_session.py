"""Run a console process in a real pseudo-terminal and watch what it does to the terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


class PtySession:
    """A child process whose controlling terminal is a pty we hold the master side of."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        size: tuple[int, int] = (100, 30),
        env: Mapping[str, str] | None = None,
    ) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "COLORTERM"}}
        environment.update({"TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])})
        environment.update(env or {})
        pid, fd = pty.fork()
        if pid == 0:  # the child
            os.chdir(ROOT)
            os.execve(argv[0], list(argv), environment)  # noqa: S606 (the test's own argv)
        self.pid = pid
        self.fd: int | None = fd
        self.output = bytearray()
        self.returncode: int | None = None
        self.resize(size)

    @staticmethod
    def python(*args: str) -> list[str]:
        """argv for ``python <args>`` with this interpreter."""
        return [sys.executable, *args]

    def resize(self, size: tuple[int, int]) -> None:
        """Tell the terminal its new size (the child gets SIGWINCH)."""
        assert self.fd is not None
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))

    def read_for(self, seconds: float) -> bytes:
        """Collect output for ``seconds``; returns what arrived."""
        start = len(self.output)
        deadline = time.monotonic() + seconds
        while self.fd is not None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.output += chunk
        return bytes(self.output[start:])

    def wait_for(self, needle: bytes, timeout: float = 30.0, *, since_start: bool = False) -> None:
        """Read until ``needle`` appears in the output after this call started (``since_start``:
        anywhere in the session's output, for what may have been drawn before an earlier wait)."""
        start = 0 if since_start else len(self.output)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read_for(0.2)
            if needle in self.output[start:]:
                return
        tail = bytes(self.output[-400:])
        raise AssertionError(f"{needle!r} never appeared; last output: {tail!r}")

    def send(self, data: bytes) -> None:
        """Type ``data``."""
        assert self.fd is not None
        os.write(self.fd, data)

    def tty_mode(self) -> tuple[bool, bool]:
        """(canonical line mode, echo) of the terminal right now: both True is a usable shell."""
        assert self.fd is not None
        lflag = termios.tcgetattr(self.fd)[3]
        return bool(lflag & termios.ICANON), bool(lflag & termios.ECHO)

    def state(self) -> str:
        """The process state letter from /proc (R, S, T for stopped, Z, ...)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return "gone"
        return stat.rsplit(")", 1)[1].split()[0]

    def wait_state(self, wanted: str, timeout: float = 10.0) -> None:
        """Wait (reading output meanwhile) until the process is in state ``wanted``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state() == wanted:
                return
            self.read_for(0.1)
        raise AssertionError(f"process state {self.state()!r}, expected {wanted!r}")

    def wait_exit(self, timeout: float = 15.0) -> int:
        """Wait for the child to exit (draining output); returns its exit code or -signal."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
                return self.returncode
            self.read_for(0.1)
        raise AssertionError("the console did not exit")

    def hang_up(self) -> None:
        """Close the master side, as a dropped SSH connection does (the child gets SIGHUP)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def close(self) -> None:
        """Kill the child if it is still there and release the pty."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.hang_up()


def sgr_parameters(output: bytes) -> set[str]:
    """Every parameter of every SGR (colour/style) sequence in ``output``."""
    found: set[str] = set()
    for match in SGR.finditer(output):
        found.update(p for p in match.group(1).decode().replace(":", ";").split(";") if p)
    return found


def sgr_sequences(output: bytes) -> set[str]:
    """Every SGR sequence's parameter string, e.g. ``38;5;208``."""
    return {m.group(1).decode() for m in SGR.finditer(output)}
