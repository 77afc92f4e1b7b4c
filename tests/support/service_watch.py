"""Which refresh services an app's options made, and the boards they returned (start-up tests)."""

from __future__ import annotations

import threading

from opsconsole.core.dashboard import Dashboard
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.console_options import ConsoleOptions
from opsconsole.ui.wallboard_options import WallboardOptions


class ServicesWatched:
    """Each service made through the options it watches, and each board those services return."""

    def __init__(self) -> None:
        self.made: list[RefreshService] = []
        self.boards: list[Dashboard] = []
        self.first_board = threading.Event()

    def watch(self, service: RefreshService) -> RefreshService:
        service.observers.append(self._seen)
        self.made.append(service)
        return service

    def _seen(self, board: Dashboard) -> None:
        self.boards.append(board)
        self.first_board.set()


def watch_console(options: ConsoleOptions) -> ServicesWatched:
    """Wrap ``options.make_service`` (console: one service per context and pack)."""
    watched, make = ServicesWatched(), options.make_service
    options.make_service = lambda context, pack: watched.watch(make(context, pack))
    return watched


def watch_wallboard(options: WallboardOptions) -> ServicesWatched:
    """Wrap ``options.make_service`` (wallboard: one service)."""
    watched, make = ServicesWatched(), options.make_service
    options.make_service = lambda: watched.watch(make())
    return watched
