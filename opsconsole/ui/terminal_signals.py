"""Leaving the terminal as we found it when the session ends from outside.

A dropped SSH connection sends SIGHUP and ``kill`` sends SIGTERM. Python's default for both
is to die on the spot: no ``finally`` blocks, so the kube token file stays on disk, the demo
stack is not stopped and, for SIGTERM on a terminal that is still there, the screen is left in
raw mode on the alternate screen. Both therefore become an ordinary, clean exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from textual.app import App

EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


def exit_cleanly_on_hangup(app: App[Any]) -> None:
    """Make SIGHUP and SIGTERM exit ``app`` the normal way (return code 128 + signal number)."""
    if app.is_headless:
        return  # tests: the test runner owns the process's signals
    loop = asyncio.get_running_loop()
    for number in EXIT_SIGNALS:
        # Not possible off the main thread or on platforms without these signals: keep the default.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, _exit, app, 128 + number)


def _exit(app: App[Any], code: int) -> None:
    app.exit(return_code=code)
