"""Driving the console with the keyboard: navigation, filter, drill-down, range, context, themes."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.commands import COMMANDS, ConsoleCommands
from opsconsole.ui.pane_table import AgentRowKey, AlertRowKey
from opsconsole.ui.panes import LogPane
from opsconsole.ui.screens import DetailScreen, FieldsScreen, HelpScreen
from opsconsole.ui.slo_screen import SloScreen
from tests.support.demo_fixtures import running_demo
from tests.support.ui_harness import demo_app, settle, work_done

Demo = tuple[DemoStack, DemoUrls]


def _entities(app: OpsConsoleApp) -> list[str]:
    pane = app.panes["health"]
    return [ref.row.entity for ref in pane.refs.values() if isinstance(ref, AgentRowKey)]


def _pod(demo: Demo, entity_id: str) -> str:
    """The pod name the console shows for the demo's internal id (``npa-2``)."""
    return demo[0].world.instance(entity_id).pod


async def test_tab_moves_between_panes_and_digits_jump(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.active == "health"
        assert app.focused is app.panes["health"].table
        await pilot.press("tab")
        assert app.active == "alerts"
        assert app.focused is app.panes["alerts"].table
        await pilot.press("shift+tab")
        assert app.active == "health"
        await pilot.press("5")
        assert app.active == "logs"
        assert app.focused is app.panes["logs"].focus_target


async def test_narrow_terminal_shows_one_pane_at_a_time(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.narrow
        visible = [name for name, pane in app.panes.items() if pane.display and pane.region.height > 0]
        assert visible == ["health"]
        await pilot.press("2")
        await pilot.pause()
        visible = [name for name, pane in app.panes.items() if pane.region.height > 0]
        assert visible == ["alerts"]


async def test_down_and_unhealthy_float_to_the_top_with_pinned_alerts(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        rows = [ref.row for ref in app.panes["health"].refs.values() if isinstance(ref, AgentRowKey)]
        assert [(r.entity, r.state) for r in rows[:3]] == [
            (_pod(frozen_demo, "npa-3"), "down"),
            (_pod(frozen_demo, "npa-2"), "unhealthy"),
            (_pod(frozen_demo, "wpa-2"), "degraded"),  # the standing memory warning
        ]
        assert [r.alerts for r in rows[:3]] == [
            1,
            1,
            1,
        ]  # AgentUnresponsive, AgentHighLatency, AgentMemoryHigh
        assert all(r.state == "ok" for r in rows[3:])
        # AgentCoordinationFailure is pinned on both MCA pods; nothing else on the others.
        assert {r.entity: r.alerts for r in rows[3:] if r.alerts} == {
            _pod(frozen_demo, "mca-1"): 1,
            _pod(frozen_demo, "mca-2"): 1,
        }


async def test_j_k_move_and_filter_narrows_then_escape_clears(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        table = app.panes["health"].table
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        all_rows = _entities(app)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"wpa")
        await pilot.pause()
        wpa = [_pod(frozen_demo, "wpa-2"), _pod(frozen_demo, "wpa-1")]
        assert _entities(app) == wpa
        await pilot.press("enter")  # keep the filter, back to the pane
        assert app.focused is table
        assert _entities(app) == wpa
        assert "/wpa" in str(app.panes["health"].border_subtitle)
        await pilot.press("escape")
        assert _entities(app) == all_rows


async def test_enter_on_an_agent_opens_the_detail_with_charts_alerts_logs_and_queries(
    frozen_demo: Demo,
) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")  # npa-2
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        detail = screen.detail
        assert detail is not None
        npa2 = _pod(frozen_demo, "npa-2")
        assert detail.title.endswith(npa2)
        assert {"rate", "errors", "latency"} <= set(detail.charts)
        assert [label for label, _ in detail.charts["latency"]] == [
            "p50 (all instances)",
            "p95 (all instances)",
            "p99 (all instances)",
        ]
        assert len(detail.charts["rate"][0][1]) > 10
        assert {a.alertname for a in detail.alerts} >= {"AgentHighLatency"}
        assert detail.logs
        assert all(row.entity == npa2 for row in detail.logs)
        assert f'pod="{npa2}"' in detail.queries["logs"]
        assert "Mem" in detail.charts  # the pod's own signals, picked by its pod name
        assert "histogram_quantile(0.99" in detail.queries["latency p99"]
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_i_on_an_alert_and_v_on_a_log_line_show_every_field(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2", "i")  # the first row: AgentUnresponsive, a group of one on one line
        await work_done(app)
        await pilot.pause()
        assert isinstance(app.screen, FieldsScreen)
        fields = dict(app.screen.fields)
        assert fields["label alertname"] == "AgentUnresponsive"
        assert fields["runbook_url"].startswith("https://")
        assert fields["history"].startswith("fired 1x in the last 15m")
        assert fields["label cluster"] == "progressive-framework-v5"  # Prometheus' external labels
        await pilot.press("escape", "5", "v")
        await pilot.pause()
        assert isinstance(app.screen, FieldsScreen)
        assert "trace_id" in dict(app.screen.fields)


async def test_t_cycles_the_range_and_refreshes(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.settings.range_seconds == 3600
        assert app.board is not None
        assert app.board.range_seconds == 3600
        await pilot.press("t", "t", "t")
        assert app.settings.range_seconds == 900


async def test_command_mode_range_theme_pane_and_errors(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.run_command(":range 6h")
        assert app.settings.range_seconds == 6 * 3600
        app.run_command("theme light")
        assert app.theme == "opsconsole-light"
        app.run_command("theme nope")
        assert app.messages[-1].startswith("no theme 'nope'; known: ")
        assert "dark" in app.messages[-1]  # says which themes exist
        assert app.theme == "opsconsole-light"
        app.run_command("theme")
        assert app.messages[-1].startswith("themes: ")
        app.run_command("red")
        assert app.active == "red"
        app.run_command("pack no-such-pack")
        assert "no pack 'no-such-pack'" in app.messages[-1]
        assert "progressive-framework" in app.messages[-1]  # says which packs exist
        app.run_command("frobnicate")
        assert app.messages[-1].startswith("unknown command 'frobnicate'")
        app.run_command("range")
        assert app.messages[-1].startswith("usage: :range DURATION")
        assert app.settings.range_seconds == 6 * 3600
        await pilot.press("colon", *"alerts", "enter")
        assert app.active == "alerts"


async def test_the_command_palette_lists_the_colon_commands(frozen_demo: Demo) -> None:
    """ctrl+p offers the ``:`` commands: one that takes nothing runs, one that takes a name opens
    the prompt with the command typed."""
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        provider = ConsoleCommands(app.screen)
        found = {hit.text: hit for hit in [h async for h in provider.discover()]}
        assert set(found) == {c.usage for c in COMMANDS}
        found[":red"].command()
        assert app.active == "red"
        found[":range DURATION"].command()
        prompt = app.query_one("#prompt", Input)
        assert prompt.has_class("-visible") and prompt.value == "range "


async def test_context_switch_rebuilds_the_service(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1], contexts=("demo", "staging"))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        first = app.service
        app.run_command("ctx staging")
        await settle(pilot)
        assert app.context_name == "staging"
        assert app.service is not first
        assert app.board is not None
        assert app.board.context == "staging"
        app.run_command("ctx nowhere")
        assert app.context_name == "staging"
        assert "no context 'nowhere'" in app.messages[-1]


async def test_pause_counts_new_lines_instead_of_scrolling(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        pane = app.panes["logs"]
        assert isinstance(pane, LogPane)
        await pilot.press("p")
        assert pane.paused
        assert "PAUSED" in str(pane.border_title)
        await pilot.press("p")
        assert not pane.paused


async def test_help_lists_every_binding_of_the_app(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = {description for _, rows in app.screen.sections for _, description in rows}
        for binding in OpsConsoleApp.BINDINGS:
            assert binding.description in listed  # type: ignore[union-attr]
        # The ``:`` commands, from the same table the prompt runs them from.
        commands = dict(app.screen.sections)["Commands (after :)"]
        assert [usage for usage, _ in commands] == [c.usage for c in COMMANDS]
        assert ":range DURATION" in dict(commands)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("key", ["r"])
async def test_refresh_key_runs_a_refresh(frozen_demo: Demo, key: str) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.board
        await pilot.press(key)
        await settle(pilot)
        assert app.board is not first


async def test_alert_filter_takes_matchers_words_and_suppressed_toggles(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)

        def shown() -> list[str]:
            return [
                r.alert.alertname for r in app.panes["alerts"].refs.values() if isinstance(r, AlertRowKey)
            ]

        everything = shown()
        await pilot.press("2", "slash", *'severity="critical"')
        await pilot.pause()
        assert set(shown()) == {"AgentUnresponsive"}  # FreeAgentics' critical alerts are not the pack's
        app.panes["alerts"].filter_text = f'severity="warning" {_pod(frozen_demo, "npa-2")}'
        app._render_board()
        assert set(shown()) == {"AgentHighLatency"}
        app.panes["alerts"].filter_text = 'agent_id=~"("'
        app._render_board()
        assert "⚠ filter:" in str(app.panes["alerts"].border_subtitle)
        await pilot.press("escape")
        assert shown() == everything
        # @context names the context the alerts come from, here as in the merged view of every context.
        context = app.options.context
        app.panes["alerts"].filter_text = f"@context={context}"
        app._render_board()
        assert shown() == everything
        app.panes["alerts"].filter_text = f"@context!={context}"
        app._render_board()
        assert shown() == []
        await pilot.press("escape")
        app.run_command("silenced off")
        assert "hiding silenced" in str(app.panes["alerts"].border_subtitle)
        app.run_command("silenced on")
        assert shown() == everything
        # A: every alert Alertmanager holds, not only the pack's; the title says how many lie outside.
        title = str(app.panes["alerts"].border_title)
        assert "outside this pack, `A` to show all" in title
        await pilot.press("A")
        assert {"APIHighErrorRate", "AgentCoordinationFailures"} <= set(shown())
        assert "all alerts" in str(app.panes["alerts"].border_title)
        await pilot.press("A")
        assert shown() == everything and str(app.panes["alerts"].border_title) == title


async def test_alerts_command_opens_the_alerts_full_size_and_escape_returns(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.run_command("alerts")
        await pilot.pause()
        pane = app.panes["alerts"]
        assert app.screen.maximized is pane
        assert pane.region.width == 160
        await pilot.press("escape")
        assert app.screen.maximized is None
        await pilot.press("1", "z")
        assert app.screen.maximized is app.panes["health"]
        await pilot.press("z")
        assert app.screen.maximized is None


async def test_slo_screen_shows_burns_per_window_and_the_queries(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.run_command("slo")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SloScreen)
        assert [r.name for r in screen.slos][:1] == ["core-availability"]
        assert set(screen.slos[0].figures.burn_rates) == {"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
        await work_done(app)
        # Every SLO's budget chart is loaded, and ends at the budget the pane shows.
        assert set(screen.histories) == {r.name for r in screen.slos}
        for row in screen.slos:
            history = screen.histories[row.name]
            assert history.error == "", row.name
            # Ratio SLIs burn down the window's budget; time-based ones (avg of up) roll.
            assert history.kind == (
                "rolling"
                if row.name.endswith("-availability") and row.name != "core-availability"
                else "burndown"
            )
            assert history.remaining[-1] == pytest.approx(row.figures.remaining, abs=0.02), row.name
        await pilot.press("escape", "4", "enter")
        assert isinstance(app.screen, SloScreen)
        assert len(app.screen.slos) == 1


async def test_i_on_an_inhibited_alert_names_the_alert_that_mutes_it() -> None:
    """db-connection-exhaustion: core-2 crashes, so 000's SystemDown mutes mca-2's AgentUnresponsive
    (its inhibit rule, equal environment)."""
    with running_demo(scenario="db-connection-exhaustion", lead_in=330) as (stack, urls):
        app = demo_app(urls)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            pane = app.panes["alerts"]
            inhibited, alert = next(
                (k, r.alert)
                for k, r in pane.refs.items()
                if isinstance(r, AlertRowKey) and r.alert.state == "inhibited"
            )
            assert alert.alertname == "AgentUnresponsive"
            await pilot.press("2")
            pane.table.move_cursor(row=list(pane.refs).index(inhibited))
            await pilot.press("i")
            await work_done(app)
            await pilot.pause()
            assert isinstance(app.screen, FieldsScreen)
            core2 = stack.world.instance("core-2").instance
            assert dict(app.screen.fields)["inhibited by"] == f"SystemDown {core2}"
