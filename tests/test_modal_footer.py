"""Under a modal (help, an alert's fields, the ack confirmation, the silence form, the typed
confirmation), the footer on the terminal's last row lists the modal's keys, not the dimmed main
screen's: `a Ack` or `tab Next pane` there would promise keys that do nothing."""

from __future__ import annotations

import io
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Footer

from opsconsole.core.silence_blast_radius import BlastRadius
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.confirm_screens import ConfirmScreen, TypedConfirmScreen
from opsconsole.ui.screens import FieldsScreen, HelpScreen
from opsconsole.ui.silence_form import SilenceFormScreen
from tests.support.ui_harness import demo_app, select_alert, settle, work_done

Demo = tuple[DemoStack, DemoUrls]
SIZE = (80, 24)
MAIN_SCREEN_WORDS = ("Next pane", "Filter", "Command", "Ack", "Silence", "Zoom")


def last_row(app: OpsConsoleApp) -> str:
    """The terminal's last row as drawn (the modal over the dimmed main screen), without colour."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()[height - 1]


async def footer_drawn(pilot: Pilot[Any], app: OpsConsoleApp) -> None:
    """Until the screen's footer holds its keys (it composes them after the screen is mounted)."""
    deadline = time.monotonic() + 60.0  # a footer that never composes fails here, not hangs
    footers = app.screen.query(Footer)  # none: the main screen's shows through (the bug)
    while footers and not footers.first().children and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await pilot.pause()


async def _help(pilot: Pilot[Any], app: OpsConsoleApp) -> None:
    await pilot.press("question_mark")


async def _fields(pilot: Pilot[Any], app: OpsConsoleApp) -> None:
    await select_alert(pilot, app, "AgentUnresponsive")
    await pilot.press("i")


async def _ack(pilot: Pilot[Any], app: OpsConsoleApp) -> None:
    await select_alert(pilot, app, "AgentUnresponsive")
    await pilot.press("a")


async def _silence_form(pilot: Pilot[Any], app: OpsConsoleApp) -> None:
    await select_alert(pilot, app, "AgentUnresponsive")
    await pilot.press("s")


async def _typed(pilot: Pilot[Any], app: OpsConsoleApp) -> None:
    radius = BlastRadius(muted=(), total=3, in_view=None, heartbeats=("Watchdog",), limit=0.5)
    await app.push_screen(TypedConfirmScreen("silence everything", "POST /api/v2/silences", radius))


Opener = Callable[[Pilot[Any], OpsConsoleApp], Awaitable[None]]
CASES: list[tuple[str, Opener, type[ModalScreen[Any]], tuple[str, ...]]] = [
    ("help", _help, HelpScreen, ("Close",)),
    ("fields", _fields, FieldsScreen, ("Back", "Reload")),
    ("ack", _ack, ConfirmScreen, ("Send", "Cancel", "Exact request")),
    ("silence form", _silence_form, SilenceFormScreen, ("Review and send", "Cancel")),
    ("typed confirmation", _typed, TypedConfirmScreen, ("Cancel",)),
]


@pytest.mark.parametrize(("name", "opener", "kind", "words"), CASES, ids=[c[0] for c in CASES])
async def test_the_footer_under_a_modal_lists_the_modals_keys(
    frozen_demo: Demo, name: str, opener: Opener, kind: type[ModalScreen[Any]], words: tuple[str, ...]
) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        assert "Next pane" in last_row(app)  # the main screen's footer, before
        await opener(pilot, app)
        await work_done(app)
        assert isinstance(app.screen, kind)
        await footer_drawn(pilot, app)
        row = last_row(app)
        for word in words:
            assert word in row, (name, row)
        for word in MAIN_SCREEN_WORDS:
            assert word not in row, (name, row)
