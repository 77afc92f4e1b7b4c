"""The log tail and traces on screen: follow/pause, search, level and LogQL filters, hostile lines,
the pivots alert → logs → trace and agent → logs/traces, and the trace waterfall."""

from __future__ import annotations

import json
from typing import Any

from rich.style import Style
from rich.table import Table
from textual.widgets import Static

from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.log_parse import log_row
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import PIVOT_LEAD_SECONDS, OpsConsoleApp
from opsconsole.ui.log_view import LogView
from opsconsole.ui.logs_screen import LogsScreen
from opsconsole.ui.pane_table import AlertRowKey, RedRowKey
from opsconsole.ui.panes import LogPane
from opsconsole.ui.screens import FieldsScreen
from opsconsole.ui.themes import load_themes
from opsconsole.ui.trace_screens import TraceScreen, TraceView
from opsconsole.ui.trace_search_screen import TraceSearchScreen
from tests.support.one_widget import OneWidgetApp
from tests.support.ui_harness import demo_app, settle, work_done

Demo = tuple[DemoStack, DemoUrls]
NS = 1_000_000_000


def _log_view(app: OpsConsoleApp) -> LogView:
    pane = app.panes["logs"]
    assert isinstance(pane, LogPane)
    return pane.view


def _line_text(view: LogView, y: int) -> str:
    return "".join(segment.text for segment in view.render_line(y))


# -- hostile lines -------------------------------------------------------------------------------


async def test_hostile_lines_are_drawn_as_plain_text() -> None:
    payloads = [
        "\x1b[2J\x1b[Hcleared?",
        "\x1b]52;c;cm0gLXJmIH4=\x07clipboard?",
        "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
        "\x1bP+q544e\x1b\\dcs?",
        "[bold red]markup?[/] [link=https://evil.example]link[/link]",
        "right\u202etfel",
    ]
    buffer = LogBuffer(100)
    for n, text in enumerate(payloads):
        line = json.dumps({"level": "error", "message": text, "agent_id": "[reverse]x\x1b[7m"})
        buffer.append(log_row(n * NS, line, {}, entity_field="agent_id"))
    view = LogView(buffer, load_themes()[0]["dark"])
    app = OneWidgetApp(view)
    async with app.run_test(size=(120, 10)) as pilot:
        view.sync()
        await pilot.pause()
        drawn = [_line_text(view, y) for y in range(len(payloads))]
        for text in drawn:
            assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text), repr(text)
        assert "[bold red]markup?[/] [link=https://evil.example]link[/link]" in drawn[4]
        assert "[reverse]x" in drawn[0]
        assert "right\\u202etfel" in drawn[5]
        # No segment got a style from the text itself: no link, no reverse outside the cursor line.
        for y in range(len(payloads) - 1):
            for segment in view.render_line(y):
                style = segment.style or Style()
                assert style.link is None
                assert not style.reverse
        assert "\x1b" not in app.export_screenshot()


# -- the log pane --------------------------------------------------------------------------------


async def test_pause_counts_new_lines_and_resume_follows(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        held = len(view.buffer)
        assert held > 50
        await pilot.press("5", "p")
        assert view.paused
        newest_shown = view.upto
        more = [log_row(view.buffer.last_seq + n, '{"level":"info","message":"late"}', {}) for n in range(7)]
        view.buffer.extend(more)
        app.tails.pump()
        assert view.unseen == 7
        assert view.upto == newest_shown  # the screen did not move
        assert "PAUSED · 7 new" in str(app.panes["logs"].border_subtitle)
        await pilot.press("p")
        app.tails.pump()
        await pilot.pause()
        assert not view.paused and view.follow
        assert view.selected() == more[-1]


async def test_search_highlights_and_n_N_step_between_matches(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        await pilot.press("5", "slash", *"timed OUT", "enter")
        await pilot.pause()
        first = view.selected()
        assert first is not None and "timed out" in first.message
        assert not view.follow  # a search stops following so the match stays put
        await pilot.press("n")  # newer: from the newest match there is none
        assert view.selected() == first
        await pilot.press("N")
        second = view.selected()
        assert second is not None and second != first and "timed out" in second.message
        assert second.ts_ns <= first.ts_ns
        await pilot.press("n")
        assert view.selected() == first
        cursor = view._cursor_index()
        assert cursor is not None
        y = cursor - view.scroll_offset.y
        highlighted = [s for s in view.render_line(y) if s.text == "timed out"]
        assert highlighted and highlighted[0].style is not None and highlighted[0].style.bold


async def test_level_filter_cycles_and_shows_only_that_level_and_up(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        everything = view.visible_rows()
        assert {r.level for r in everything} >= {"info", "error"}
        await pilot.press("5", "L", "L", "L", "L")  # all → debug → info → warn → error
        assert view.row_filter.min_level == "error"
        shown = view.visible_rows()
        assert shown and {r.level for r in shown} <= {"error", "critical"}
        assert len(shown) == sum(r.level in ("error", "critical") for r in everything)
        app.tails.pump()
        assert "≥error" in str(app.panes["logs"].border_subtitle)
        await pilot.press("L")  # and back to all
        assert view.row_filter.min_level == ""
        assert len(view.visible_rows()) == len(everything)


async def test_a_logql_line_filter_restarts_the_tail_with_it(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        await pilot.press("5", "f", *"timed out", "enter")
        await settle(pilot)
        binding = app.tails.bindings[id(view)]
        assert binding.tail.request.logql.endswith('|= "timed out"')
        rows = view.visible_rows()
        assert rows and all("timed out" in r.fields.get("message", r.message) for r in rows)
        # A stage that Loki would refuse is refused here, and the tail keeps running as it was.
        await pilot.press("f", *'|~ "(unclosed"', "enter")
        await pilot.pause()
        assert app.tails.bindings[id(view)].tail is binding.tail
        assert "line filter not used" in app.messages[-1]


# -- pivots --------------------------------------------------------------------------------------


async def test_enter_on_an_alert_opens_its_entity_logs_from_before_it_began(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        pane = app.panes["alerts"]
        npa3, npa2 = (frozen_demo[0].world.instance(i).pod for i in ("npa-3", "npa-2"))
        key, alert = next(
            (k, r.alert)
            for k, r in pane.refs.items()
            if isinstance(r, AlertRowKey) and r.alert.entity == npa3
        )
        await pilot.press("2")
        pane.table.move_cursor(row=list(pane.refs).index(key))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        assert f'pod="{npa3}"' in screen.title_text
        assert "5 min before AgentUnresponsive began" in screen.title_text
        request = app.tails.bindings[id(screen.view)].tail.request
        assert request.start_ns == int((alert.starts_at - PIVOT_LEAD_SECONDS) * NS)
        rows = screen.view.visible_rows()
        assert rows, "no lines for the alert's entity"
        assert {r.entity for r in rows} == {npa3}
        assert rows[0].ts_ns >= request.start_ns
        # npa-3 went silent before its alert fired: the cursor is on its last words.
        assert rows[-1].ts_ns < int(alert.starts_at * NS)
        assert screen.view.selected() == rows[-1]
        await pilot.press("escape")
        assert not isinstance(app.screen, LogsScreen)
        assert id(screen.view) not in app.tails.bindings  # its tail stopped with it

        # npa-2 keeps logging: the cursor waits at its alert's start, the lead-up above it.
        key, alert = next(
            (k, r.alert)
            for k, r in pane.refs.items()
            if isinstance(r, AlertRowKey) and r.alert.entity == npa2
        )
        pane.table.move_cursor(row=list(pane.refs).index(key))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        rows = screen.view.visible_rows()
        began_ns = int(alert.starts_at * NS)
        cursor = screen.view.selected()
        assert cursor is not None and cursor.ts_ns >= began_ns
        assert max(r.ts_ns for r in rows if r.ts_ns < began_ns) < cursor.ts_ns
        assert not screen.view.follow
        index = screen.view._cursor_index()
        assert index is not None
        top = screen.view.scroll_offset.y
        assert top < index < top + screen.view.size.height // 2  # on screen, lead-up above it
        assert "not following (G follows)" in str(screen.query_one("#logs-status", Static).content)
        await pilot.press("G")
        assert screen.view.follow and screen.view.selected() == rows[-1]


async def test_l_and_T_on_an_agent_open_its_logs_and_its_traces(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("1", "j", "l")  # npa-2
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        assert {r.entity for r in screen.view.visible_rows()} == {frozen_demo[0].world.instance("npa-2").pod}
        await pilot.press("escape", "T")
        await work_done(app)
        await pilot.pause()
        search = app.screen
        assert isinstance(search, TraceSearchScreen)
        assert search.search == "service=progressive-framework-npa since=1h"  # 001's serviceName
        assert search.traces, "no npa traces in the last hour of the demo"
        assert all("progressive-framework-npa" in t.services for t in search.traces)
        # Refine: errors only.
        search.query_one("#trace-search").value = "service=progressive-framework-npa errors since=1h"  # type: ignore[attr-defined]
        await pilot.click("#trace-search")
        await pilot.press("enter")
        await work_done(app)
        await pilot.pause()
        assert search.traces and all(t.error_count > 0 for t in search.traces)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.trace.trace_id == search.traces[0].trace_id


async def test_T_on_a_red_row_of_an_agent_type_searches_that_service(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        pane = app.panes["red"]
        key = next(k for k, r in pane.refs.items() if isinstance(r, RedRowKey) and r.row.key == "wpa")
        await pilot.press("3")
        pane.table.move_cursor(row=list(pane.refs).index(key))
        await pilot.press("T")
        await work_done(app)
        await pilot.pause()
        assert isinstance(app.screen, TraceSearchScreen)
        assert app.screen.search.startswith("service=progressive-framework-wpa")


async def test_enter_on_a_log_line_with_a_trace_id_opens_the_waterfall(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        await pilot.press("5", "slash", *"meal plan generation timed out", "enter")
        row = view.selected()
        assert row is not None and row.trace_id
        await pilot.press("enter")
        await work_done(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        trace = screen.trace
        assert trace.trace_id.endswith(row.trace_id.lstrip("0")) or trace.trace_id == row.trace_id
        assert len(trace.services) >= 3 and trace.error_count >= 1
        waterfall = screen.query_one(TraceView)
        assert sum(r.critical for r in waterfall.rows) >= 2
        top = _line_text(waterfall, 0)
        root = trace.spans[waterfall.rows[0].index]
        # The seeds' service names are long (progressive-framework-v5): the operation may be cut.
        assert f"{root.service}: {root.operation[:10]}" in top
        assert "█" in top  # the root is on the critical path
        details = screen.query_one("#span-details", Static)
        assert isinstance(details.content, Table)
        assert "timing" in details.content.columns[0]._cells
        # e jumps to the first error span; space collapses the root to one line.
        await pilot.press("e")
        assert trace.spans[waterfall.rows[waterfall.cursor].index].is_error
        waterfall.cursor = 0
        await pilot.press("space")
        assert len(waterfall.rows) == 1
        await pilot.press("space")
        assert len(waterfall.rows) == len(trace.spans)


async def test_trace_command_and_its_errors(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        trace_id = next(r.trace_id for r in view.visible_rows() if r.trace_id)
        app.run_command(f"trace {trace_id}")
        await work_done(app)
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        await pilot.press("escape")
        app.run_command("trace 00000000000000000000000000000001")
        await work_done(app)
        await pilot.pause()
        assert not isinstance(app.screen, TraceScreen)
        assert "trace 00000000000000000000000000000001" in app.messages[-1]
        app.run_command("trace")
        assert "usage" in app.messages[-1]


async def test_v_shows_every_field_of_a_line(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("5", "v")
        await pilot.pause()
        assert isinstance(app.screen, FieldsScreen)
        fields = dict(app.screen.fields)
        assert {"level", "message", "agent_id", "trace_id", "event_type"} <= set(fields)


async def test_new_log_lines_scroll_the_tail_without_a_layout_pass(
    frozen_demo: Demo, monkeypatch: Any
) -> None:
    # A layout pass repaints every scrollbar on the screen: 3-7 times a second with a moving tail,
    # the largest share of what a live console wrote over SSH.
    from textual.widget import Widget

    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = _log_view(app)
        layouts: list[str] = []
        refresh = Widget.refresh

        def counting_refresh(self: Widget, *regions: Any, layout: bool = False, **kwargs: Any) -> Any:
            if layout:
                layouts.append(type(self).__name__)
            return refresh(self, *regions, layout=layout, **kwargs)

        monkeypatch.setattr(Widget, "refresh", counting_refresh)
        for _ in range(5):
            base = view.buffer.last_seq
            view.buffer.extend(
                log_row(NS * (2_000_000_000 + base + n), f"line {base + n}", {}) for n in range(40)
            )
            app.tails.pump()
            await pilot.pause()
        assert layouts == []
        assert view.virtual_size.height == len(view.buffer)
        assert view.selected() is not None and view.selected().message == f"line {view.buffer.last_seq - 1}"
