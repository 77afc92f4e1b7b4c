"""``y``: the pane on screen as Markdown, to the terminal's clipboard with OSC 52 (which works over
SSH: the escape travels to the local terminal) and always to a file too, since a terminal may ignore
OSC 52 without saying so. The toast says which was done and where the file is. ``c`` on the detail
screen copies its queries the same way.

Inside tmux an application's OSC 52 reaches neither tmux nor the terminal outside it unless tmux is
told to pass it on (``set-clipboard on``, or ``allow-passthrough`` for a wrapped one; both off by
default since tmux 3.3). tmux's own ``load-buffer -w`` needs neither: it keeps the text as a tmux
buffer and sends it to the outer terminal's clipboard itself. So under tmux the copy goes that way;
where that fails (tmux before 3.2 has no ``-w``) the toast says what tmux needs.

The copy runs off the event loop (:func:`copy_text` starts it, :func:`make_copy` is the work): a
tmux that does not answer holds up the copy, up to :data:`TMUX_TIMEOUT`, never the keys; the toast
comes when the copy is done."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App

# Terminals known to ignore OSC 52: there the file is the copy.
NO_OSC52_TERMS = ("dumb", "linux", "vt100", "vt220")
# How long tmux's load-buffer may take before the copy is sent with OSC 52 instead (seconds).
TMUX_TIMEOUT = 2.0


@dataclass(frozen=True)
class Copied:
    """What a copy did: the toast's sentence, and whether the app is to send the text with OSC 52
    (which only the event loop may write to the terminal)."""

    said: str
    osc52: bool


def copy_file() -> Path:
    """Where the last copy is written (the XDG state dir)."""
    return Path(platformdirs.user_state_dir("opsconsole", appauthor=False)) / "copied.md"


def osc52_likely(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal probably takes OSC 52 (``OPSCONSOLE_CLIPBOARD=file`` turns it off)."""
    env = os.environ if environ is None else environ
    if env.get("OPSCONSOLE_CLIPBOARD", "").lower() == "file":
        return False
    return env.get("TERM", "").split("-")[0] not in NO_OSC52_TERMS


def copy_markdown(app: App[Any], text: str, what: str, environ: Mapping[str, str] | None = None) -> None:
    """Copy ``text``, the Markdown of ``what`` (see :func:`copy_text`)."""
    copy_text(app, text, f"{what} as Markdown", environ)


def copy_text(app: App[Any], text: str, what: str, environ: Mapping[str, str] | None = None) -> None:
    """Copy ``text`` off the event loop; when it is done, send it with OSC 52 where that is the way
    and say in a toast which way it went and where the file is."""
    env = dict(os.environ if environ is None else environ)  # as it is at the key press

    async def copy() -> None:
        done = await asyncio.to_thread(make_copy, text, what, env)
        if done.osc52:
            app.copy_to_clipboard(text)
        app.notify(done.said, timeout=8)

    app.run_worker(copy(), group="copy", exit_on_error=False)


def make_copy(text: str, what: str, environ: Mapping[str, str] | None = None) -> Copied:
    """The copy itself, blocking (the file, tmux's buffer): which way it went, for the toast."""
    env = os.environ if environ is None else environ
    path = copy_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        saved = f"saved to {path}"
    except OSError as exc:
        saved = f"not saved to {path}: {exc.strerror or exc}"
    if not osc52_likely(env):
        return Copied(f"{what} {saved} (this terminal takes no OSC 52; OPSCONSOLE_CLIPBOARD=file)", False)
    if env.get("TMUX"):
        failed = _tmux_buffer(text)
        if failed is None:
            return Copied(
                f"copied {what} to the clipboard through tmux (a tmux buffer too); also {saved}", False
            )
        return Copied(
            f"{failed}sent {what} with OSC 52, which tmux passes to the clipboard only with "
            f"`set -g set-clipboard on`; also {saved}",
            True,
        )
    return Copied(f"copied {what} to the clipboard (OSC 52, works over SSH); also {saved}", True)


def _tmux_buffer(text: str) -> str | None:
    """``tmux load-buffer -w -``: a tmux buffer, and the terminal's clipboard by tmux itself.
    None when it did; else what the toast says first ("" for a tmux that refused)."""
    try:
        command = ["tmux", "load-buffer", "-w", "-"]  # the text on stdin, never in an argument
        done = subprocess.run(
            command, input=text.encode(), capture_output=True, timeout=TMUX_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return f"tmux did not answer in {TMUX_TIMEOUT:g}s: "
    except OSError:
        return ""
    return None if done.returncode == 0 else ""
