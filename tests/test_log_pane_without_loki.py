"""The log pane of a context with no Loki: it says so and how to give it one, and never claims to
be following a tail that does not exist."""

from __future__ import annotations

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.panes import LogPane
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


async def test_a_context_without_loki_has_a_log_pane_that_says_so(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    loki = app.service.backends.loki
    assert loki is not None
    await loki.aclose()
    app.service.backends.loki = None  # as a context whose config names no Loki
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        pane = app.main.log_pane
        assert isinstance(pane, LogPane)
        assert str(pane.border_title) == "Log tail"
        assert str(pane.border_subtitle).startswith("no Loki in this context: --loki URL")
        # Pausing a tail that is not there does not make one up either.
        await pilot.press("5", "p")
        await pilot.pause()
        assert str(pane.border_title) == "Log tail"
        assert len(pane.view.buffer) == 0
