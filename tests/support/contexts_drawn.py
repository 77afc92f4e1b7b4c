"""Waits for the views of the three contexts (``three_contexts``) to be drawn: the overview screen
and the wallboard's contexts page. A wait by the clock, not a count of pauses (see ``ui_harness``)."""

from __future__ import annotations

import time
from typing import Any

from textual.pilot import Pilot

from opsconsole.ui.overview_screen import OverviewApp
from opsconsole.ui.wallboard import WallboardApp


async def overview_drawn(pilot: Pilot[Any]) -> None:
    """Waits (up to a minute) until the overview has a row for each of the three contexts."""
    app = pilot.app
    assert isinstance(app, OverviewApp)
    screen = app.overview_screen
    deadline = time.monotonic() + 60
    while (screen.refreshing or len(screen.overview.rows) < 3) and time.monotonic() < deadline:
        await pilot.pause(0.1)
    assert len(screen.overview.rows) == 3, "the overview never drew every context"
    await pilot.pause(0.2)


async def contexts_drawn(pilot: Pilot[Any]) -> None:
    """Waits (up to a minute) until the wallboard's contexts page has a row for each of the three."""
    app = pilot.app
    assert isinstance(app, WallboardApp) and app.overview is not None
    deadline = time.monotonic() + 60
    while (app._overview_running or len(app.overview.rows) < 3) and time.monotonic() < deadline:
        await pilot.pause(0.1)
    assert len(app.overview.rows) == 3, "the contexts page never drew every context"
    await pilot.pause(0.3)
