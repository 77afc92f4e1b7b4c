"""``y``: the pane on screen as Markdown, to the terminal's clipboard with OSC 52 (which works over
SSH: the escape travels to the local terminal) and always to a file too, since a terminal may ignore
OSC 52 without saying so. The toast says which was done and where the file is."""

from __future__ import annotations

import os
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
    """Copy ``text``; returns the sentence for the toast (which way, and the file)."""
    path = copy_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        saved = f"saved to {path}"
    except OSError as exc:
        saved = f"not saved to {path}: {exc.strerror or exc}"
    if osc52_likely(environ):
        app.copy_to_clipboard(text)
        return f"copied {what} as Markdown to the clipboard (OSC 52, works over SSH); also {saved}"
    return f"{what} as Markdown {saved} (this terminal takes no OSC 52; OPSCONSOLE_CLIPBOARD=file)"
