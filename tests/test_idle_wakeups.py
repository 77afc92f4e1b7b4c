"""An idle console sleeps: nothing wakes it on a clock between refreshes, and news still shows.

The log pane's tail used to be looked at four times a second whether or not anything had arrived.
Now the tail (lines taken in, its state moving) and the view (following, paused, filters) say
when something changed, and the pane shows it then. The demo here runs on a frozen clock, so its
Loki sends no new lines: what is left to wake the console is its own doing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.log_tails import PUMP_SPACING
from tests.support.demo_fixtures import running_demo
from tests.support.ui_harness import demo_app, settle


@pytest.fixture(scope="module")
def quiet_demo() -> Iterator[tuple[DemoStack, DemoUrls]]:
    with running_demo() as demo:
        yield demo


async def test_an_idle_console_has_no_running_timer_and_shows_the_log_panes_news_at_once(
    quiet_demo: tuple[DemoStack, DemoUrls],
) -> None:
    app = demo_app(quiet_demo[1])  # no refresh timer: only what the screen itself would run
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        nodes = [app, *app.screen_stack, *app.screen.query("*")]
        running = [
            (type(node).__name__, timer.name)
            for node in nodes
            for timer in list(node._timers)
            if timer._active.is_set()  # a paused timer (a blinking cursor out of focus) sleeps
        ]
        assert running == []
        # Every showing has a cause: the tail or the view said something changed (a websocket
        # that connects late on a busy machine is news too). The old pump looked four times a
        # second with no cause at all.
        causes = 0
        wake = app.tails.wake

        def counted_wake() -> None:
            nonlocal causes
            causes += 1
            wake()

        for binding in app.tails.bindings.values():
            binding.tail.on_change = binding.view.on_change = counted_wake
        shown = app.tails.pumps
        await asyncio.sleep(4 * PUMP_SPACING)
        assert app.tails.pumps - shown <= causes
        pane = app.panes["logs"]
        assert pane.tail_status.startswith("live · ")
        assert "not following" not in pane.tail_status

        # A key that stops following: the status line says so without anything else happening.
        await pilot.press("5", "g")
        await asyncio.sleep(2 * PUMP_SPACING)
        assert "not following (G follows)" in pane.tail_status
        await pilot.press("G")
        await asyncio.sleep(2 * PUMP_SPACING)
        assert "not following" not in pane.tail_status


async def test_lines_arriving_are_shown_without_a_clock_and_a_firehose_is_shown_a_few_times_a_second(
    quiet_demo: tuple[DemoStack, DemoUrls],
) -> None:
    app = demo_app(quiet_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        [binding] = app.tails.bindings.values()
        view, tail = binding.view, binding.tail
        before = len(view.buffer)
        shown = app.tails.pumps
        rows = list(view.buffer.rows())[-1:]
        began = time.monotonic()
        for _ in range(40):  # forty batches in about a second, as a busy tail delivers them
            view.buffer.extend(rows)
            assert tail.on_change is not None
            tail.on_change()
            await asyncio.sleep(0.025)
        await asyncio.sleep(2 * PUMP_SPACING)
        assert f"{before + 40:,} lines" in app.panes["logs"].tail_status
        pumps = app.tails.pumps - shown
        # At most one showing per spacing over however long the forty took (longer when busy),
        # not one per batch.
        assert 1 <= pumps <= 2 + (time.monotonic() - began) / PUMP_SPACING
