"""The trace screen on a broken trace: what was repaired is said, references lead somewhere.

The trace is ``tests/fixtures/jaeger/v1-broken-trace.json`` read by the real client parser:
missing and zero start times, a parent cycle, an orphan, a repeated span, FOLLOWS_FROM within
and across traces, Jaeger's own warnings. Snapshots at fixed sizes; no clock or network involved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from opsconsole.backends.jaeger import parse_v1_trace
from opsconsole.backends.jaeger_models import Trace
from opsconsole.ui.themes import load_themes
from opsconsole.ui.trace_screens import ReferenceList, TraceScreen, TraceView
from opsconsole.ui.trace_search_screen import TraceSearchScreen
from tests.support.ui_harness import demo_app, settle

FIXTURES = Path(__file__).parent / "fixtures" / "jaeger"
SnapCompare = Callable[..., bool]
OTHER_TRACE = "00000000000000000000000000000226"


def broken_trace() -> Trace:
    body = json.loads((FIXTURES / "v1-broken-trace.json").read_text())
    return parse_v1_trace(body["data"][0])


class TraceApp(App[None]):
    """Just the trace screen; records the traces it is asked to open."""

    def __init__(self, trace: Trace) -> None:
        super().__init__()
        self.trace = trace
        self.opened: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.push_screen(TraceScreen(self.trace, load_themes()[0]["dark"]))

    def on_trace_screen_trace_requested(self, event: TraceScreen.TraceRequested) -> None:
        self.opened.append((event.trace_id, event.span_id))


def text_of(widget: Static) -> str:
    return str(widget.content)


def operation_at_cursor(view: TraceView) -> str:
    return view.trace.spans[view.rows[view.cursor].index].operation


async def test_every_span_is_drawn_and_the_problems_are_said() -> None:
    trace = broken_trace()
    app = TraceApp(trace)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        screen = app.screen
        view = screen.query_one(TraceView)
        assert sorted(r.index for r in view.rows) == list(range(9))
        title = text_of(screen.query_one("#trace-title", Static))
        assert "POST /v1/plans" in title and "9 spans" in title
        problems = text_of(screen.query_one("#trace-problems", Static))
        assert "⚠ Jaeger: invalid parent span IDs=ffffffffffffffff" in problems
        assert f"and {len(trace.problems) - 2} more (w lists them all)" in problems
        await pilot.press("w")
        listed = screen.query_one("#span-details", Static).content
        assert all(p in str(listed.columns[1]._cells) for p in trace.problems)  # type: ignore[union-attr]
        assert len(trace.problems) == 5  # Jaeger's, repeated id, orphan, cycle, no start time


async def test_enter_on_a_follows_from_reference_opens_that_span() -> None:
    app = TraceApp(broken_trace())
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TraceView)
        await pilot.press("j", "j", "j", "enter")
        assert operation_at_cursor(view) == "plan.execute"
        refs = app.screen.query_one(ReferenceList)
        assert app.focused is refs
        lines = [str(refs.get_option_at_index(i).prompt) for i in range(refs.option_count)]
        assert lines == [
            "→ CHILD_OF api-gateway: POST /v1/plans (a1b2c3d4e5f60718) · parent",
            "→ FOLLOWS_FROM planner: plan.enqueue (0f1e2d3c4b5a6978)",
            f"→ FOLLOWS_FROM trace {OTHER_TRACE} span 0000000000000004 (another trace)",
        ]
        await pilot.press("down", "enter")
        assert app.focused is view
        assert operation_at_cursor(view) == "plan.enqueue"
        assert view.trace.spans[view.rows[view.cursor].index].span_id == "0f1e2d3c4b5a6978"
        # From the target, the reference is listed the other way round and leads back.
        await pilot.press("enter")
        back = [str(refs.get_option_at_index(i).prompt) for i in range(refs.option_count)]
        assert back[-1] == "← FOLLOWS_FROM from planner: plan.execute (1122334455667788)"
        await pilot.press("end", "enter")
        assert operation_at_cursor(view) == "plan.execute"


async def test_e_reveals_an_error_span_hidden_under_collapsed_spans() -> None:
    app = TraceApp(broken_trace())
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TraceView)
        await pilot.press("C")
        assert len(view.rows) == 3  # the true root, the cycle's root, the orphan
        await pilot.press("e")
        assert operation_at_cursor(view) == "plan.execute"  # under the collapsed root
        await pilot.press("e")
        assert operation_at_cursor(view) == "POST /v1/plans"  # wrapped round


async def test_enter_on_a_reference_to_another_trace_asks_for_that_trace() -> None:
    app = TraceApp(broken_trace())
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "j", "enter", "down", "down", "enter")
        await pilot.pause()
        assert app.opened == [(OTHER_TRACE, "0000000000000004")]
        await pilot.press("escape")  # Esc in the list goes back to the waterfall, not out
        assert isinstance(app.screen, TraceScreen)
        assert app.focused is app.screen.query_one(TraceView)


async def test_a_repaired_span_says_what_was_repaired_in_its_details() -> None:
    app = TraceApp(broken_trace())
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TraceView)
        await pilot.press("j", "j", "j", "j")
        assert operation_at_cursor(view) == "SELECT plans"
        table = app.screen.query_one("#span-details", Static).content
        details = str(table.columns[1]._cells)  # type: ignore[union-attr]
        assert "no usable start time (missing or 0): placed at its parent's start" in details
        assert "startTime missing" in details
        assert app.screen.query_one(ReferenceList).option_count == 1  # just its parent


def at(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

    return run


def test_snapshot_broken_trace(snap_compare: SnapCompare) -> None:
    """Cycle and orphan warnings, ≈ on repaired offsets, ⚠ on repaired spans, the references."""
    assert snap_compare(TraceApp(broken_trace()), terminal_size=(120, 34), run_before=at("j", "j", "j"))


def test_snapshot_broken_trace_at_80x24(snap_compare: SnapCompare) -> None:
    """The same at the smallest size: the span with no start time selected."""
    assert snap_compare(TraceApp(broken_trace()), terminal_size=(80, 24), run_before=at("j", "j", "j", "j"))


async def test_the_search_list_marks_broken_traces_and_says_what_jaeger_left_out() -> None:
    class SearchApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(TraceSearchScreen("service=api-gateway", load_themes()[0]["dark"]))

    app = SearchApp()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TraceSearchScreen)
        screen.show([broken_trace()], warnings=["trace 0000000000000000000000000000f00d: trace not found"])
        await pilot.pause()
        status = str(screen.query_one("#search-status", Static).content)
        assert "1 traces, newest first" in status
        assert "△ Jaeger: trace 0000000000000000000000000000f00d: trace not found" in status
        table = screen.query_one("#trace-results", DataTable)
        assert str(table.get_row_at(0)[1]) == "⚠ api-gateway: POST /v1/plans"


async def test_the_console_opens_the_other_trace_a_reference_leads_to(frozen_demo: Any) -> None:
    app = demo_app(frozen_demo[1])
    asked: list[tuple[str, str | None]] = []
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot)
        app.open_trace = lambda trace_id, focus_span=None: asked.append((trace_id, focus_span))  # type: ignore[method-assign]
        await app.push_screen(TraceScreen(broken_trace(), app.console_theme))
        await pilot.pause()
        await pilot.press("j", "j", "j", "enter", "down", "down", "enter")
        await pilot.pause()
    assert asked == [(OTHER_TRACE, "0000000000000004")]
