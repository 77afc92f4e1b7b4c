"""The one-line prompt under the panes: ``/`` filters or searches, ``:`` takes a command.

One widget for every mode; what a mode does with the text is the screen's, told by messages that
carry the mode (so a filter typed for one pane never lands in another).
"""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.message import Message
from textual.widgets import Input

PromptMode = Literal["filter", "search", "linefilter", "command"]

PLACEHOLDERS: dict[PromptMode, str] = {
    "filter": "filter {pane} (Enter keeps it, Esc clears)",
    "search": "search the log lines held (Enter; n/N next/previous; Esc clears)",
    "linefilter": 'LogQL line filter for the tail: words, |= "x", != "x", |~ "re" (empty removes)',
    "command": "command: {commands}",
}


class Prompt(Input):
    """The prompt; hidden until :meth:`open`."""

    class Edited(Message):
        """The text changed (filters follow every key)."""

        def __init__(self, mode: PromptMode, value: str) -> None:
            super().__init__()
            self.mode = mode
            self.value = value

    class Entered(Message):
        """Enter: the prompt is closed, ``value`` is what it held."""

        def __init__(self, mode: PromptMode, value: str) -> None:
            super().__init__()
            self.mode = mode
            self.value = value

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode: PromptMode = "filter"

    @property
    def showing(self) -> bool:
        """Whether the prompt is showing."""
        return self.has_class("-visible")

    def open(self, mode: PromptMode, value: str = "", *, pane: str = "", commands: str = "") -> None:
        """Show the prompt in ``mode`` holding ``value``, and focus it."""
        self.mode = mode
        self.placeholder = PLACEHOLDERS[mode].format(pane=pane, commands=commands)
        self.value = value
        # A filter or search held is selected (typing replaces it); a command held ("goto ",
        # "range " from the palette) is continued: Input would select it and the first key erase it.
        self.select_on_focus = mode != "command"
        self.cursor_position = len(value)
        self.add_class("-visible")
        self.focus()

    def close(self) -> None:
        """Hide the prompt (the screen puts the focus back where it belongs)."""
        self.remove_class("-visible")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Edited(self.mode, event.value))

    async def action_submit(self) -> None:
        """Enter: close and say what was typed, at once (not through Input's ``Submitted``, one
        message later: the keys typed after Enter wait for this, see :mod:`opsconsole.ui.key_order`)."""
        self.close()
        self.post_message(self.Entered(self.mode, self.value))
