"""The main screen's keys are its own bindings: a pushed screen does not inherit them (no `a` ack
of the alert under a help page, no Tab stealing a form's focus), while help lists them."""

from __future__ import annotations

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.keys import CONSOLE_BINDINGS, MAIN_SCREEN_BINDINGS
from opsconsole.ui.main_screen import MainScreen
from opsconsole.ui.screens import FieldsScreen, HelpScreen
from tests.support.ui_harness import demo_app, select_alert, settle

Demo = tuple[DemoStack, DemoUrls]

MAIN_KEYS = {"a", "s", "z", "tab", "slash", "colon", "1", "2", "l", "T", "A", "y", "escape"}


def _active(screen: object) -> dict[str, str]:
    """key -> action of the bindings that would run on ``screen`` now."""
    bindings = screen.active_bindings  # type: ignore[attr-defined]
    return {key: active.binding.action for key, active in bindings.items()}


def test_the_main_screens_keys_are_bound_on_the_main_screen_not_the_app() -> None:
    app_keys = {b.key for b in CONSOLE_BINDINGS}  # type: ignore[union-attr]
    screen_keys = {b.key for b in MAIN_SCREEN_BINDINGS}  # type: ignore[union-attr]
    assert screen_keys >= MAIN_KEYS
    assert not MAIN_KEYS & app_keys
    assert MainScreen.BINDINGS is MAIN_SCREEN_BINDINGS


async def test_a_main_screen_key_does_nothing_on_a_pushed_screen(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        assert _active(app.screen)["a"] == "app.ack"  # on the main screen: ack the alert
        await pilot.press("i")  # the alert's fields, a pushed screen
        await settle(pilot)
        fields = app.screen
        assert isinstance(fields, FieldsScreen)
        active = _active(fields)
        main_actions = {b.action for b in MAIN_SCREEN_BINDINGS}  # type: ignore[union-attr]
        assert not main_actions & set(active.values()), active  # none of them even shown disabled
        for key in ("a", "s", "z", "3", "A", "y"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is fields, key  # no ack confirmation, no silence form
        assert app.active == "alerts"  # `3` did not switch the pane under it
        assert not app.panes["alerts"].show_all  # `A` did not toggle it
        assert app.main.maximized is None  # `z` did not zoom it


async def test_help_lists_the_main_screens_keys(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sections = dict(app.help_sections())
        assert ("a", "Ack") in sections["Main screen"]
        assert ("tab", "Next pane") in sections["Main screen"]
        assert ("q", "Quit") in sections["Everywhere"]
        assert ("q", "Quit") not in sections["Main screen"]  # listed once
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
