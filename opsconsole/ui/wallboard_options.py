"""What the wallboard is given from outside, and what its refreshes ask, without Textual: the
wallboard's first refresh starts before Textual is imported (``launch.open_wallboard``), and it
must ask exactly what the app's first refresh would, or the app would not take its board."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsconsole.core.wallboard_figures import PAGES, panes_drawn
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.themes import ConsoleTheme


@dataclass
class WallboardOptions:
    """What the wallboard needs; ``make_service`` must give a read-only service."""

    make_service: Callable[[], RefreshService]
    themes: dict[str, ConsoleTheme]
    theme: str = "dark"
    pages: tuple[str, ...] = PAGES
    rotate_seconds: float = 30.0
    refresh_interval: float = 5.0
    stale_after: int = 3  # refresh intervals without an answer before the banner shows
    clock: Callable[[], float] = time.time
    auto_refresh: bool = True
    title: str = ""
    # The ``contexts`` page: every context of the config (read-only), a row each.
    make_overview: Callable[[], Any] | None = None
    notices: list[str] = field(default_factory=list)


def wallboard_refresh_settings(pages: tuple[str, ...]) -> RefreshSettings:
    """What every wallboard refresh asks: the service's defaults, without Loki (the wallboard
    shows no logs), and only the panes its pages draw (no RED or saturation rows)."""
    return RefreshSettings(poll_logs=False, panes=panes_drawn(pages))
