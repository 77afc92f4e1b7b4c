"""What the console and the wallboard share: themes, ``NO_COLOR``, a terminal that survives a
hang-up, the refresh loop and the freshness of each backend in the header.

Each app says what it refreshes with (:meth:`ConsoleShell.refresh_settings`) and how it shows a
new board (:meth:`ConsoleShell.show_board`); the shell decides when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from rich.text import Text
from textual.app import App
from textual.driver import Driver

from opsconsole import startup_collector
from opsconsole.core.backend_labels import backend_labels
from opsconsole.core.dashboard import Dashboard
from opsconsole.core.durations import format_duration
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.no_color import honour_no_color
from opsconsole.ui.terminal_output import hang_up_tolerant_driver
from opsconsole.ui.terminal_signals import exit_cleanly_on_hangup
from opsconsole.ui.themes import ConsoleTheme


class ConsoleShell(App[None]):
    """The base of both apps. ``service`` is set by the subclass before it mounts."""

    service: RefreshService

    def __init__(
        self,
        themes: Mapping[str, ConsoleTheme],
        theme: str,
        *,
        clock: Callable[[], float],
        refresh_interval: float,
        auto_refresh: bool,
    ) -> None:
        super().__init__()
        honour_no_color(self)
        self.console_themes = dict(themes)
        self.console_theme = themes.get(theme) or next(iter(themes.values()))
        self.shell_clock = clock
        self.refresh_every = refresh_interval
        self.refresh_timer_on = auto_refresh
        self.board: Dashboard | None = None
        self._refreshing = False
        self._refresh_again = False

    def get_driver_class(self) -> type[Driver]:
        """Textual's choice, with terminal output that survives a hang-up (see terminal_output)."""
        return hang_up_tolerant_driver(super().get_driver_class())

    def start_shell(self) -> None:
        """From ``on_mount``: the themes, the first refresh, the refresh timer, the hang-up exit."""
        for theme in self.console_themes.values():
            self.register_theme(theme.textual)
        self.theme = self.console_theme.textual.name
        self.action_refresh()
        if self.refresh_timer_on:
            self.set_interval(self.refresh_every, self.action_refresh)
        exit_cleanly_on_hangup(self)

    # -- the refresh loop ---------------------------------------------------------------------

    def refresh_settings(self) -> RefreshSettings:
        """Range, grouping and log polling for the next refresh (the service's defaults here)."""
        return RefreshSettings()

    def show_board(self, board: Dashboard) -> None:
        """Draw a new board (the subclass's)."""

    def action_refresh(self) -> None:
        """Refresh now; while one is running, one more follows it (never more: work does not pile up).

        The one that follows matters after a change: a refresh that started before an ack was sent
        would otherwise be the last word, and show the alert and the silences screen without it.
        """
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self.run_worker(self._refresh(), group="refresh")

    async def _refresh(self) -> None:
        try:
            board = await self.service.refresh(self.refresh_settings())
        finally:
            self._refreshing = False
        self.board = board
        self.show_board(board)
        self.call_after_refresh(startup_collector.settle)  # the first board: start-up is over
        if self._refresh_again:
            self._refresh_again = False
            self.action_refresh()

    def restart_refresh(self) -> None:
        """After the service was replaced: a refresh of the new one now, whatever the old one does."""
        self._refreshing = False
        self._refresh_again = False
        self.board = None
        self.action_refresh()

    async def on_unmount(self) -> None:
        await self.service.backends.aclose()


def freshness(board: Dashboard | None, now: float, theme: ConsoleTheme, *, short: bool = False) -> Text:
    """The header's backends: ``✖`` failing, ``…`` not answered yet, ``●`` with the answer's age."""
    text = Text()
    if board is None:
        text.append("│ loading…", style=theme.style("muted"))
        return text
    for backend, name in zip(board.backends, backend_labels(board.backends, short=short), strict=True):
        if backend.error:
            text.append(f"│ {name} ✖ ", style=theme.style("crit"))
        elif backend.last_success is None:
            text.append(f"│ {name} … ", style=theme.style("muted"))
        else:
            age = format_duration(max(0.0, now - backend.last_success))
            text.append(f"│ {name} ● {age} ", style=theme.style("ok"))
    return text


def clock_text(now: float) -> str:
    """The header's clock, in UTC."""
    return f"{datetime.fromtimestamp(now, UTC).strftime('%H:%M:%S')}Z"
