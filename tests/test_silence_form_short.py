"""At 80x24 the silence form still shows what the silence will mute (its preview) and until when:
below a height the inputs take one row each instead of three, so the preview is not cut away."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Input

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.silence_form import SilenceFormScreen
from tests.support.ui_harness import demo_app, select_alert, settle, work_done

Demo = tuple[DemoStack, DemoUrls]


def screen_text(app: OpsConsoleApp) -> str:
    """The terminal as drawn, without colour."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def _form(app: OpsConsoleApp, size: tuple[int, int]) -> tuple[SilenceFormScreen, str]:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("s")
        await work_done(app)
        await pilot.pause(0.2)
        form = app.screen
        assert isinstance(form, SilenceFormScreen)
        return form, screen_text(app)


async def test_at_80x24_the_preview_says_what_it_mutes_and_until_when(frozen_demo: Demo) -> None:
    form, text = await _form(demo_app(frozen_demo[1]), (80, 24))
    assert "2026-11-22 05:00 UTC" in text  # the preview's first line, whole: until when
    entity = next(a.entity for a in form.view_alerts.values() if a.alertname == "AgentUnresponsive")
    assert entity and entity in text  # and the alert it mutes, by name and entity
    assert form.has_class("-short")
    assert all(i.outer_size.height == 1 for i in form.query(Input))


async def test_on_a_tall_terminal_the_inputs_keep_their_borders(frozen_demo: Demo) -> None:
    form, _ = await _form(demo_app(frozen_demo[1]), (120, 40))
    assert form.has_class("-tall")
    assert all(i.outer_size.height == 3 for i in form.query(Input))
