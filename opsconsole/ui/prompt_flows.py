"""What the main screen's prompt does: ``/`` filters the focused pane (searches the log pane),
``:`` runs a command, Esc closes the prompt or clears the filter, and the line filter of the tail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsconsole.ui.commands import command_names
from opsconsole.ui.pane import Pane
from opsconsole.ui.prompt import Prompt

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp


class PromptFlows:
    """The prompt of one console app."""

    def __init__(self, app: OpsConsoleApp) -> None:
        self.app = app

    def open_filter(self) -> None:
        """/: filter the focused pane's rows (in the log pane: search the lines held)."""
        app = self.app
        if app.active == "logs":
            app.main.prompt.open("search", app.main.log_pane.view.search)
        else:
            app.main.prompt.open("filter", app.panes[app.active].filter_text, pane=app.active)

    def open_command(self, text: str = "") -> None:
        """The ``:`` prompt, holding ``text``."""
        self.app.main.prompt.open("command", text, commands=command_names())

    def clear(self) -> None:
        """Esc: close the prompt, else clear the pane's filter, else leave a zoomed pane."""
        main = self.app.main
        pane = self.app.panes[self.app.active]
        prompt = main.prompt
        view = main.log_pane.view
        if prompt.showing:
            main.close_prompt()
            if prompt.mode == "filter":
                self.set_filter(pane, "")
            elif prompt.mode == "search":
                view.start_search("")
        elif self.app.active == "logs" and view.search:
            view.start_search("")
        elif pane.filter_text:
            self.set_filter(pane, "")
        elif main.maximized is not None:
            main.minimize()

    def set_filter(self, pane: Pane, text: str) -> None:
        """Narrow a pane to the rows matching ``text`` (drawn again at once from the board held)."""
        pane.filter_text = text
        if self.app.board is not None:
            pane.render_dashboard(self.app.board, self.app.console_theme)

    def edited(self, event: Prompt.Edited) -> None:
        """The filter follows the prompt as it is typed."""
        if event.mode == "filter":
            self.set_filter(self.app.panes[self.app.active], event.value)

    def entered(self, event: Prompt.Entered) -> None:
        """Enter in the prompt: run the command, search the lines, or set the tail's line filter."""
        app = self.app
        app.panes[app.active].focus_target.focus()
        if event.mode == "command":
            app.run_command(event.value)
        elif event.mode == "search":
            app.main.log_pane.view.start_search(event.value)
        elif event.mode == "linefilter":
            app.logs.set_main_line_filter(event.value)
