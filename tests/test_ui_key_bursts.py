"""Keys that arrive in one burst (a paste without bracketed paste, a slow SSH link, a fast typist).

Every key here is put in the app's queue at once, before the app has handled the first: what is
typed after ``:`` or ``/`` must land in the prompt, in order, and never reach the pane under it
(``l`` opened the row's logs, ``t`` changed the range; ``a`` and ``s`` on the alerts pane start an
ack or a silence). ``pilot.press`` waits for the app between keys and hid this.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.recording.store import RecordingReader
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.commands import ConsoleCommands
from opsconsole.ui.logs_screen import LogsScreen
from opsconsole.ui.main_screen import MainScreen
from opsconsole.ui.overview_screen import OverviewApp
from opsconsole.ui.pane_table import AlertRowKey
from opsconsole.ui.prompt import Prompt
from opsconsole.ui.replay_launch import replay_app
from opsconsole.ui.silence_form import SilenceFormScreen
from opsconsole.ui.silence_screens import SilencesScreen
from opsconsole.ui.trace_search_screen import TraceSearchScreen
from tests.support.contexts_drawn import overview_drawn
from tests.support.demo_fixtures import frozen_clock, running_demo
from tests.support.ui_harness import demo_app, select_alert, settle, work_done
from tests.test_context_overview import _overview
from tests.test_replay_console import _small_recording

Demo = tuple[DemoStack, DemoUrls]
# How long a burst may take to be handled: each key is a few messages; this only bounds a hang.
BURST_DEADLINE = 30.0


@pytest.fixture
def fresh_demo() -> Iterator[Demo]:
    """A demo stack of this test's own: before the fix, a burst sent an ack."""
    with running_demo() as demo:
        yield demo


def post_burst(app: App[Any], keys: Sequence[str]) -> None:
    """Put every key in the app's queue at once. A single character is typed as itself; a longer
    name is a key (``enter``, ``escape``); ``paste:TEXT`` is a bracketed paste."""
    for key in keys:
        if key.startswith("paste:"):
            app.post_message(events.Paste(key.removeprefix("paste:")))
        elif len(key) == 1:
            name = {" ": "space", ":": "colon", "/": "slash"}.get(key, key)
            app.post_message(events.Key(name, key))
        else:
            app.post_message(events.Key(key, None))


async def burst(pilot: Pilot[Any], keys: Sequence[str]) -> None:
    """Type ``keys`` in one burst and wait until the app has handled them all."""
    app = pilot.app
    post_burst(app, keys)
    deadline = time.monotonic() + BURST_DEADLINE
    await pilot.pause()
    # keys_pending: keys still being handled (absent before key_order, when all went out at once).
    while getattr(app, "keys_pending", False) and time.monotonic() < deadline:
        await pilot.pause()
    await pilot.pause()


def typed(text: str) -> list[str]:
    return list(text)


def prompt(app: OpsConsoleApp) -> Prompt:
    return app.query_one("#prompt", Prompt)


def pushed(app: App[Any]) -> list[str]:
    """Names of the screens pushed from now on (recorded, so one pushed and popped is seen too)."""
    names: list[str] = []
    push = app.push_screen

    def record(screen: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(type(screen).__name__ if isinstance(screen, Screen) else str(screen))
        return push(screen, *args, **kwargs)

    app.push_screen = record  # type: ignore[method-assign]
    return names


# -- `:` on the main screen -----------------------------------------------------------------------


async def test_a_command_in_one_burst_runs_and_no_key_reaches_the_pane(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.active == "health"
        screens = pushed(app)
        await burst(pilot, [":", *typed("alerts"), "enter"])
        assert screens == []  # `l` on the health pane opened the agent's logs
        assert app.settings.range_seconds == 900  # `t` changed the range
        assert app.active == "alerts"
        assert app.main.maximized is app.panes["alerts"]  # :alerts is the alerts pane, full size
        assert not prompt(app).showing
        assert app.focused is app.panes["alerts"].table


async def test_range_in_one_burst_and_the_keys_after_enter_are_the_panes(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await burst(pilot, [":", *typed("range 1h"), "enter"])
        assert app.settings.range_seconds == 3600
        assert isinstance(app.screen, MainScreen) and not prompt(app).showing
        # After Enter the prompt is closed: `t` is the range key again, then a second command.
        await burst(pilot, ["t", ":", *typed("red"), "enter", "t"])
        assert app.settings.range_seconds == 24 * 3600  # 1h → 6h → 24h
        assert app.active == "red"
        assert app.messages[-2:] == ["range: last 6h", "range: last 1d"]


async def test_a_paste_right_after_colon_lands_in_the_prompt(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await burst(pilot, [":", "paste:range 6h", "enter"])
        assert app.settings.range_seconds == 6 * 3600


async def test_a_burst_of_a_and_s_on_the_alerts_pane_starts_no_ack_or_silence(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        before = len(stack.alertmanager.silences.all())
        screens = pushed(app)
        # `a` (ack), `s` (silence), then `y` would answer the ack's confirmation: all for the prompt.
        await burst(pilot, [":", *typed("as yes"), "enter"])
        await work_done(app)
        assert screens == []
        assert len(stack.alertmanager.silences.all()) == before
        assert app.messages[-1].startswith("unknown command 'as'")
        assert app.focused is app.panes["alerts"].table


# -- `/` on the main screen -----------------------------------------------------------------------


async def test_a_filter_in_one_burst_filters_the_pane_it_was_typed_for(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        pane = app.panes["alerts"]
        everything = len(pane.refs)
        screens = pushed(app)
        # A (every alert), g, e, n, t (range): pane keys, had they reached the pane.
        await burst(pilot, ["/", *typed("AgentUnresp"), "enter"])
        assert pane.filter_text == "AgentUnresp"
        assert screens == []
        assert app.settings.range_seconds == 900
        assert not pane.show_all  # type: ignore[attr-defined]
        names = {r.alert.alertname for r in pane.refs.values() if isinstance(r, AlertRowKey)}
        assert names == {"AgentUnresponsive"} and len(pane.refs) < everything
        assert not prompt(app).showing and app.focused is pane.table
        # A second filter after the first, and a pane key after it, in the same burst.
        await burst(pilot, ["/", *typed("Latency"), "enter", "3"])
        assert pane.filter_text == "Latency" and app.active == "red"


async def test_escape_in_the_burst_closes_the_prompt_and_what_follows_is_the_panes(
    frozen_demo: Demo,
) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        pane = app.panes["alerts"]
        # x, y (copy the pane), z (zoom): pane keys, had they reached the pane.
        await burst(pilot, ["/", *typed("xyz"), "escape", "3"])
        assert not prompt(app).showing
        assert pane.filter_text == ""  # Esc clears the filter it was typing
        assert app.main.maximized is None
        assert app.active == "red"
        assert app.focused is app.panes["red"].table


async def test_escape_closes_the_prompt_over_a_zoomed_pane(frozen_demo: Demo) -> None:
    """Textual's own Esc on a zoomed pane left the zoom and kept the prompt open and focused."""
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2", "z")
        pane = app.panes["alerts"]
        assert app.main.maximized is pane
        await burst(pilot, ["/", *typed("Agent"), "escape"])
        assert not prompt(app).showing and app.focused is pane.table
        assert app.main.maximized is pane  # the first Esc closes the prompt, the zoom stays
        await burst(pilot, ["escape"])
        assert app.main.maximized is None


async def test_colon_and_slash_typed_in_the_open_prompt_stay_text(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await burst(pilot, [":", *typed("goto 14:05/x:/")])
        assert prompt(app).showing and prompt(app).mode == "command"
        assert prompt(app).value == "goto 14:05/x:/"
        assert app.focused is prompt(app)
        await burst(pilot, ["escape", "2", "/", *typed("a/b:c")])
        assert prompt(app).mode == "filter" and prompt(app).value == "a/b:c"
        assert app.panes["alerts"].filter_text == "a/b:c"


# -- the log pane's line filter ---------------------------------------------------------------------


async def test_the_log_panes_line_filter_typed_in_one_burst(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        screens = pushed(app)
        # t (range), i (fields), m, e, o, u: the log view's keys, had they reached it.
        await burst(pilot, ["f", *typed("timeout"), "enter"])
        await work_done(app)
        assert app.logs.main_line_filter == "timeout"
        assert screens == [] and app.settings.range_seconds == 900
        assert not prompt(app).showing


# -- other screens with a prompt ----------------------------------------------------------------------


async def test_the_logs_screens_search_and_line_filter_in_one_burst(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("1", "j", "l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        screens = pushed(app)
        # Enter on the log view opens a line's fields; r refreshes, e, o: view keys.
        await burst(pilot, ["/", *typed("error"), "enter"])
        assert screen.view.search == "error"
        await burst(pilot, ["f", *typed("timeout"), "enter"])
        await work_done(app)
        assert screen.line_filter == "timeout"
        assert screens == [] and app.screen is screen
        assert app.settings.range_seconds == 900
        assert screen.focused is screen.view


async def test_the_silences_screens_filter_in_one_burst(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await work_done(app)
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        await burst(pilot, ["/", *typed("INC"), "enter"])
        assert screen.filter_text == "INC"
        assert isinstance(screen.focused, DataTable)


async def test_the_trace_searchs_slash_in_one_burst(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("1", "j", "T")
        await work_done(app)
        await pilot.pause()
        search = app.screen
        assert isinstance(search, TraceSearchScreen)
        line = search.query_one("#trace-search", Input)
        asked = search.search
        # The search line selects its text when focused: what is typed replaces it.
        await burst(pilot, ["/", *typed("service=progressive-framework-npa errors"), "enter"])
        await work_done(app)
        await pilot.pause()
        assert line.value == search.search == "service=progressive-framework-npa errors" != asked
        assert search.traces and all(t.error_count > 0 for t in search.traces)


async def test_the_silence_form_takes_the_keys_typed_right_after_s(fresh_demo: Demo) -> None:
    """``s`` opens the form: what follows in the burst is typed into its comment field."""
    _, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await burst(pilot, ["s", *typed("rollback: see /runbook")])
        form = app.screen
        assert isinstance(form, SilenceFormScreen)
        assert form.query_one("#silence-comment", Input).value == "rollback: see /runbook"
        await burst(pilot, ["escape"])
        assert isinstance(app.screen, MainScreen)


async def test_the_overviews_filter_in_one_burst(frozen_demo: Demo, tmp_path: Path) -> None:
    _, urls = frozen_demo
    app = OverviewApp(_overview(urls, tmp_path), frozen_clock, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await overview_drawn(pilot)
        screen = app.overview_screen
        alerts = screen.query_one("#overview-alerts", DataTable)
        assert alerts.row_count > 0
        # j, k, Enter (opens the context under the cursor and exits): the contexts table's keys.
        await burst(pilot, ["/", *typed("@context=staging"), "enter", "j", "k"])
        assert screen.filter_text == "@context=staging"
        assert alerts.row_count == 0
        assert app.return_value is None and app.screen is screen


# -- a prompt opened holding a command's first word ---------------------------------------------------


async def test_a_command_opened_from_the_palette_is_continued_not_replaced(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        provider = ConsoleCommands(app.screen)
        found = {hit.text: hit for hit in [h async for h in provider.discover()]}
        found[":range DURATION"].command()  # the prompt, holding "range "
        await burst(pilot, [*typed("6h"), "enter"])
        assert app.settings.range_seconds == 6 * 3600


async def test_g_in_a_replay_then_a_time_in_one_burst(tmp_path: Path) -> None:
    path = tmp_path / "r.opsrec"
    _small_recording(path)
    app = replay_app(RecordingReader(path))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        # h, 1, 0, 4, 3: pane keys (1 jumps to the health pane), had they reached the pane.
        await burst(pilot, ["g", *typed("16:04:30"), "enter"])
        await settle(pilot)
        assert app.cursor.index == 4  # REPLAY 5/6, the refresh of 16:04:00
        assert not prompt(app).showing
        # `g` typed in the prompt is text, not the jump.
        await burst(pilot, [":", *typed("goto 16:01:30"), "enter"])
        await settle(pilot)
        assert app.cursor.index == 1
