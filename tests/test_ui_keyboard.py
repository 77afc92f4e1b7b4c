"""Keys reach the screen they are pressed on: a trace search's query line is reachable from the
keyboard, and the main screen's keys (s for silence) do not fire from under another screen."""

from __future__ import annotations

from textual.widgets import Input

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.silence_screens import SilenceFormScreen
from opsconsole.ui.trace_search_screen import TraceSearchScreen
from tests.support.ui_harness import demo_app, select_alert, settle, work_done

Demo = tuple[DemoStack, DemoUrls]


async def test_trace_search_line_by_keyboard_and_s_is_not_a_silence_there(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentHighLatency")  # the alerts pane, an alert selected
        await pilot.press("T")
        await work_done(app)
        search = app.screen
        assert isinstance(search, TraceSearchScreen)
        line = search.query_one("#trace-search", Input)
        assert app.focused is not line
        await pilot.press("tab")
        assert app.focused is line
        await pilot.press("enter")  # back to the results
        await work_done(app)
        assert app.focused is not line
        await pilot.press("slash", "s")
        await pilot.pause()
        assert not isinstance(app.screen, SilenceFormScreen)
        assert app.focused is line
        assert line.value.endswith("s")
