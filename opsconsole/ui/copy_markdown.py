"""``y``: the pane on screen as Markdown, to the terminal's clipboard with OSC 52 (which works over
SSH: the escape travels to the local terminal) and always to a file too, since a terminal may ignore
OSC 52 without saying so. The toast says which was done and where the file is. ``c`` on the detail
screen copies its queries the same way.

Inside tmux an application's OSC 52 reaches neither tmux nor the terminal outside it unless tmux is
told to pass it on (``set-clipboard on``, or ``allow-passthrough`` for a wrapped one; both off by
default since tmux 3.3). tmux's own ``load-buffer -w`` needs neither: it keeps the text as a tmux
buffer and sends it to the outer terminal's clipboard itself. So under tmux the copy goes that way;
where that fails (tmux before 3.2 has no ``-w``) the toast says what tmux needs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App

# Terminals known to ignore OSC 52: there the file is the copy.
NO_OSC52_TERMS = ("dumb", "linux", "vt100", "vt220")


def copy_file() -> Path:
    """Where the last copy is written (the XDG state dir)."""
    return Path(platformdirs.user_state_dir("opsconsole", appauthor=False)) / "copied.md"


def osc52_likely(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal probably takes OSC 52 (``OPSCONSOLE_CLIPBOARD=file`` turns it off)."""
    env = os.environ if environ is None else environ
    if env.get("OPSCONSOLE_CLIPBOARD", "").lower() == "file":
        return False
    return env.get("TERM", "").split("-")[0] not in NO_OSC52_TERMS


def copy_markdown(app: App[Any], text: str, what: str, environ: Mapping[str, str] | None = None) -> str:
    """Copy ``text``, the Markdown of ``what``; returns the sentence for the toast."""
    return copy_text(app, text, f"{what} as Markdown", environ)


def copy_text(app: App[Any], text: str, what: str, environ: Mapping[str, str] | None = None) -> str:
    """Copy ``text``; returns the sentence for the toast (which way, and the file)."""
    env = os.environ if environ is None else environ
    path = copy_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        saved = f"saved to {path}"
    except OSError as exc:
        saved = f"not saved to {path}: {exc.strerror or exc}"
    if not osc52_likely(env):
        return f"{what} {saved} (this terminal takes no OSC 52; OPSCONSOLE_CLIPBOARD=file)"
    if env.get("TMUX"):
        if _tmux_buffer(text):
            return f"copied {what} to the clipboard through tmux (a tmux buffer too); also {saved}"
        app.copy_to_clipboard(text)
        return (
            f"sent {what} with OSC 52, which tmux passes to the clipboard only with "
            f"`set -g set-clipboard on`; also {saved}"
        )
    app.copy_to_clipboard(text)
    return f"copied {what} to the clipboard (OSC 52, works over SSH); also {saved}"


def _tmux_buffer(text: str) -> bool:
    """``tmux load-buffer -w -``: a tmux buffer, and the terminal's clipboard by tmux itself."""
    try:
        command = ["tmux", "load-buffer", "-w", "-"]  # the text on stdin, never in an argument
        done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=2, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
