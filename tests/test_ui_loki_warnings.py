"""Loki's warnings on screen: the log pane's border and the full-screen tail's status line.

A real Loki adds ``warnings`` when it had to split, truncate or partly skip a query; the lines
shown are then not the whole answer and the on-call engineer must know. The demo's Loki is told
to warn (its own stack: the shared frozen demo must not be changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.logs_screen import LogsScreen
from tests.support.demo_fixtures import running_demo
from tests.support.ui_harness import demo_app, settle

WARNING = "query was split at the max_query_length limit: lines before 06:00 were not searched"
SnapCompare = Callable[..., bool]


@pytest.fixture(scope="module")
def warning_demo() -> Iterator[tuple[DemoStack, DemoUrls]]:
    with running_demo() as (stack, urls):
        stack.loki.query_warnings = [WARNING]
        yield stack, urls


async def test_the_log_pane_and_the_full_screen_tail_say_what_loki_warned(
    warning_demo: tuple[DemoStack, DemoUrls],
) -> None:
    app = demo_app(warning_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        pane = app.panes["logs"]
        assert f"△ Loki: {WARNING}" in pane.tail_status
        assert not pane.has_class("-error")  # a warning, not a failure
        await pilot.press("2", "j", "enter")  # an alert: its entity's logs, full screen
        await settle(pilot)  # its tail has its backlog in (5,000 lines: seconds on a busy machine)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        status = str(screen.query_one("#logs-status").content)  # type: ignore[attr-defined]
        assert f"△ Loki: {WARNING}" in status


def test_snapshot_log_pane_with_loki_warnings(
    snap_compare: SnapCompare, warning_demo: tuple[DemoStack, DemoUrls]
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("5", "z")
        await pilot.pause(0.2)

    assert snap_compare(demo_app(warning_demo[1]), terminal_size=(100, 24), run_before=run)
