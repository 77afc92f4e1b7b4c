"""``NO_COLOR`` means no colour codes at all (https://no-color.org).

Textual's own answer to ``NO_COLOR`` is to turn colours into greys, which it still sends as
256-colour escape codes. The monochrome theme (chosen for ``NO_COLOR``) carries every state in
bold, reverse and symbols, so dropping the colour codes entirely loses nothing.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.filter import NoColor


def honour_no_color(app: App[Any]) -> None:
    """Strip every foreground and background colour from what ``app`` writes, under NO_COLOR."""
    if app.no_color:
        # Textual keeps its line filters in a private list and offers no public hook.
        app._filters.append(NoColor())
