"""A full-screen log tail (the pivot from an alert, an agent or a RED row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from opsconsole.core.log_buffer import LogBuffer
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.log_view import LogView
from opsconsole.ui.themes import ConsoleTheme


class LineFilterChanged(Message):
    """A LogQL line filter was typed for ``view``'s tail ("" removes it)."""

    def __init__(self, view: LogView, text: str) -> None:
        super().__init__()
        self.view = view
        self.text = text


class LogsScreen(Screen[None]):
    """One narrowed tail: the same keys as the log pane, full size."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("p", "pause", "Pause"),
        Binding("slash", "search", "Search"),
        Binding("f", "line_filter", "LogQL filter"),
        Binding("L", "level", "Level filter"),
    ]
    DEFAULT_CSS = """
    LogsScreen #logs-title { height: 1; padding: 0 1; text-style: bold; }
    LogsScreen #logs-status { height: 1; padding: 0 1; color: $text-muted; }
    LogsScreen LogView { height: 1fr; }
    LogsScreen #logs-prompt { display: none; height: 1; border: none; padding: 0 1; }
    LogsScreen #logs-prompt.-visible { display: block; }
    """

    def __init__(
        self, title: str, buffer: LogBuffer, theme: ConsoleTheme, on_close: Callable[[LogView], None]
    ) -> None:
        super().__init__()
        self.title_text = title
        self.view = LogView(buffer, theme, id="logs-view")
        self.on_close = on_close
        self._prompt_mode = "search"
        self.line_filter = ""

    def compose(self) -> Any:
        yield Static(Text(self.title_text), id="logs-title")
        yield Static(Text("connecting…"), id="logs-status")
        yield self.view
        yield Input(id="logs-prompt")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.view.focus()

    def on_unmount(self) -> None:
        self.on_close(self.view)

    def set_status(self, text: str) -> None:
        """The tail's state and counts (ignored while the screen is being built or torn down)."""
        for status in self.query("#logs-status").results(Static):
            status.update(Text(text))

    def _prompt(self, mode: str, placeholder: str, value: str) -> None:
        prompt = self.query_one("#logs-prompt", Input)
        self._prompt_mode = mode
        prompt.placeholder = placeholder
        prompt.value = value
        prompt.add_class("-visible")
        prompt.focus()

    def action_search(self) -> None:
        """/: search the lines held (n/N step through matches)."""
        self._prompt(
            "search", "search these lines (Enter; n/N next/previous; empty clears)", self.view.search
        )

    def action_line_filter(self) -> None:
        """f: a LogQL line filter for the tail itself (e.g. timeout or != "healthz")."""
        self._prompt(
            "filter", 'LogQL line filter: words, |= "x", != "x", |~ "re" (empty removes)', self.line_filter
        )

    @on(LogView.LineFilterRequested)
    def _filter_requested(self, event: LogView.LineFilterRequested) -> None:
        event.stop()
        self.action_line_filter()

    def action_level(self) -> None:
        """L: cycle the minimum level shown."""
        self.view.action_cycle_level()

    def action_pause(self) -> None:
        """p: pause (new lines are counted, not lost) or resume."""
        self.view.set_paused(not self.view.paused)

    @on(Input.Submitted, "#logs-prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        prompt = self.query_one("#logs-prompt", Input)
        prompt.remove_class("-visible")
        self.view.focus()
        if self._prompt_mode == "search":
            self.view.start_search(event.value)
        else:
            self.line_filter = event.value
            self.post_message(LineFilterChanged(self.view, event.value))

    def action_back(self) -> None:
        """Esc: close the prompt, else leave."""
        prompt = self.query_one("#logs-prompt", Input)
        if prompt.has_class("-visible"):
            prompt.remove_class("-visible")
            self.view.focus()
        else:
            self.app.pop_screen()
