"""Screen snapshots on the frozen demo stack (fixed seed, frozen clock, fixed terminal sizes).

Update after an intended change with ``pytest tests/test_ui_snapshots.py --snapshot-update`` and
review the SVG diffs before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.log_view import LogView
from tests.support.ui_harness import demo_app, settle, with_dead_prometheus, work_done

Demo = tuple[DemoStack, DemoUrls]
SnapCompare = Callable[..., bool]


def then(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare: SnapCompare, frozen_demo: Demo, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=size, run_before=then())


@pytest.mark.parametrize("pack", ["kubernetes", "otel-http", "meta"])
def test_every_builtin_pack_on_the_demo(snap_compare: SnapCompare, frozen_demo: Demo, pack: str) -> None:
    """``opsconsole demo --pack NAME``: the demo serves the standard exporters every pack reads."""
    assert snap_compare(demo_app(frozen_demo[1], pack=pack), terminal_size=(200, 60), run_before=then())


@pytest.mark.parametrize("theme", ["light", "high-contrast", "monochrome"])
def test_themes(snap_compare: SnapCompare, frozen_demo: Demo, theme: str) -> None:
    assert snap_compare(demo_app(frozen_demo[1], theme=theme), terminal_size=(160, 45), run_before=then())


def test_narrow_alerts_tab(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(80, 24), run_before=then("2"))


def test_detail_screen(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(160, 50), run_before=then("j", "enter"))


def test_help_screen(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(120, 40), run_before=then("question_mark"))


def test_prometheus_down(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    app = demo_app(with_dead_prometheus(frozen_demo[1]))
    assert snap_compare(app, terminal_size=(160, 45), run_before=then())


def test_empty_data(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """A pack that fits nothing here: every pane says so, in its body, and points to the doctor."""
    nothing = {"namespace": "no-such-namespace", "agent_jobs": "none", "core_job": "none", "db_jobs": "none"}
    app = demo_app(frozen_demo[1], variables=nothing)
    assert snap_compare(app, terminal_size=(160, 45), run_before=then())


def test_every_alert_with_A(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """`A`: the alerts the pack's matchers leave out (FreeAgentics') join the pack's own."""
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(120, 40), run_before=then("2", "A"))


def test_freeagentics_pack(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """Its logs are in Elasticsearch: the log pane says where instead of staying empty."""
    app = demo_app(frozen_demo[1], pack="freeagentics")
    assert snap_compare(app, terminal_size=(160, 45), run_before=then())


def test_slo_screen(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, OpsConsoleApp)
        app.run_command("slo")
        await work_done(app)
        await pilot.pause(0.2)

    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(120, 40), run_before=run)


def test_alert_logs_pivot(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    # The first row: AgentUnresponsive, a group of one, on one line.
    assert snap_compare(app, terminal_size=(120, 40), run_before=then("2", "enter"))


def test_log_pane_zoomed_at_80x24(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(80, 24), run_before=then("5", "z"))


def test_trace_waterfall(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, OpsConsoleApp)
        view = app.panes["logs"].focus_target
        assert isinstance(view, LogView)
        await pilot.press("5")
        assert view.start_search("meal plan generation timed out")
        await pilot.press("enter")
        await work_done(app)
        await pilot.pause(0.2)

    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(140, 40), run_before=run)


def test_trace_search(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(120, 40), run_before=then("j", "T"))
