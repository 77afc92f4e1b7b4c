"""The fields screen (``i`` on an alert) loads its own fields through the refresh service, in a worker,
like the detail and SLO screens: loading, then the fields; a failure says what went wrong and that r
tries again. A log line's fields are all there is: shown at once, nothing to load."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.screens import FieldsScreen
from opsconsole.ui.themes import load_themes
from tests.support.ui_harness import demo_app, select_alert, settle, static_text, with_dead_prometheus

Demo = tuple[DemoStack, DemoUrls]
SnapCompare = Callable[..., bool]
FIELDS = [("state", "firing"), ("history", "fired 1x in the last 15m"), ("label alertname", "AgentDown")]


class GatedFields:
    """The service's alert fields: the first call fails (Prometheus down), later ones wait for the
    gate to open, so the loading state can be seen."""

    def __init__(self, fail_first: bool = True) -> None:
        self.calls = 0
        self.fail_first = fail_first
        self.gate = asyncio.Event()

    async def __call__(self) -> list[tuple[str, str]]:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise ConnectionError("prometheus: connection refused")
        await self.gate.wait()
        return FIELDS


class FieldsApp(App[None]):
    def __init__(self, screen: FieldsScreen) -> None:
        super().__init__()
        self.fields_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.fields_screen)


def _screen(load: GatedFields) -> FieldsScreen:
    return FieldsScreen("AgentDown (f00d)", load=load, theme=load_themes()[0]["dark"])


def _title(screen: FieldsScreen) -> str:
    return static_text(screen.query_one("#fields-title", Static))


def _shown(screen: FieldsScreen) -> str:
    return static_text(screen.query_one("#fields", Static))


async def test_loading_then_a_failure_that_says_why_then_r_loads_again() -> None:
    load = GatedFields()
    screen = _screen(load)
    app = FieldsApp(screen)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert load.calls == 1
        title = _title(screen)
        assert "⚠ not loaded: prometheus: connection refused" in title
        assert "r tries again, esc goes back" in title
        assert screen.load_error and not screen.fields
        await pilot.press("r")
        await pilot.pause()
        assert load.calls == 2
        assert "loading…" in _title(screen) and "not loaded" not in _title(screen)
        load.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.load_error is None and screen.fields == FIELDS
        assert _title(screen).strip() == "AgentDown (f00d)"
        assert "fired 1x in the last 15m" in _shown(screen)


async def test_a_log_lines_fields_are_shown_at_once_and_r_asks_nothing() -> None:
    screen = FieldsScreen("log line", [("level", "error"), ("msg", "boom")])
    app = FieldsApp(screen)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert "msg" in _shown(screen) and "boom" in _shown(screen)
        assert "r" not in screen.active_bindings  # no Reload in its footer: there is nothing to load
        await pilot.press("r")
        await pilot.pause()
        assert _title(screen).strip() == "log line" and screen.fields[1] == ("msg", "boom")


async def test_i_on_an_alert_asks_the_service_and_r_asks_again(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        asked: list[str] = []
        fields = app.service.alert_fields

        async def counted(alert: Any) -> list[tuple[str, str]]:
            asked.append(alert.alertname)
            return await fields(alert)

        app.service.alert_fields = counted  # type: ignore[method-assign]
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FieldsScreen)
        assert asked == ["AgentUnresponsive"]
        assert dict(screen.fields)["history"].startswith("fired 1x in the last 15m")
        await pilot.press("r")  # the screen loads again by itself
        await settle(pilot)
        assert asked == ["AgentUnresponsive", "AgentUnresponsive"]
        assert app.screen is screen


async def test_with_prometheus_down_the_history_says_so_and_the_labels_are_still_there(
    frozen_demo: Demo,
) -> None:
    app = demo_app(with_dead_prometheus(frozen_demo[1]))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FieldsScreen)
        fields = dict(screen.fields)
        # Not "no ALERTS series in Prometheus": that would read as "never fired".
        assert fields["history"].startswith("⚠ not loaded: ") and "r tries again" in fields["history"]
        assert "ALERTS" not in fields["history"]
        assert fields["label alertname"] == "AgentUnresponsive"


async def test_i_on_a_log_line_shows_its_fields(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("5", "i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FieldsScreen)
        assert screen.title_text == "log line" and "trace_id" in dict(screen.fields)


def _loading_then(press: str = "") -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        if press:
            await pilot.press(press)
        await pilot.pause()

    return run


def test_snapshot_fields_not_loaded(snap_compare: SnapCompare) -> None:
    app = FieldsApp(_screen(GatedFields()))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_loading_then())


def test_snapshot_fields_loading(snap_compare: SnapCompare) -> None:
    app = FieldsApp(_screen(GatedFields()))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_loading_then("r"))


def test_snapshot_alert_fields(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)
