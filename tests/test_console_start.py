"""The console's first refresh starts before Textual is imported (launch.open_console): its board
is the one the first frame draws, its errors look the same, and a refresh asked otherwise is not
answered with it."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from textual.pilot import Pilot

from opsconsole import launch
from opsconsole.core.dashboard import Dashboard
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.console_options import ConsoleOptions
from opsconsole.ui.pane_table import AgentRowKey
from tests.support.demo_fixtures import frozen_clock
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.refresh_fixtures import demo_service
from tests.support.service_watch import watch_console
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT, settle, with_dead_prometheus

Demo = tuple[DemoStack, DemoUrls]
SIZE = (120, 40)


def _options(urls: DemoUrls) -> ConsoleOptions:
    return launch.demo_options(urls, clock=frozen_clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT)


async def _open(options: ConsoleOptions, check: Any) -> None:
    """Run the console through open_console, headless, and ``check(app)`` once it has a board."""
    failures: list[BaseException] = []

    async def pilot_run(pilot: Pilot[Any]) -> None:
        try:
            await settle(pilot)
            check(pilot.app)
        except BaseException as exc:  # reported after the app is down
            failures.append(exc)
        pilot.app.exit()

    await launch.open_console(options, headless=True, size=SIZE, auto_pilot=pilot_run)
    if failures:
        raise failures[0]


async def test_the_first_refresh_is_out_before_the_app_exists_and_is_the_board_drawn(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = _options(frozen_demo[1])
    watched = watch_console(options)
    importing = launch._console_app_class
    answered_while_importing: list[bool] = []

    def app_class() -> type[OpsConsoleApp]:
        # Runs beside the event loop (asyncio.to_thread): the refresh started before it can finish
        # meanwhile. Had it not started, no board could come before the app exists.
        answered_while_importing.append(watched.first_board.wait(HEALTHY_STACK_TIMEOUT))
        return importing()

    monkeypatch.setattr(launch, "_console_app_class", app_class)

    def check(app: Any) -> None:
        assert isinstance(app, OpsConsoleApp)
        assert answered_while_importing == [True]
        assert len(watched.made) == 1 and app.service is watched.made[0]  # not a second service
        assert len(watched.boards) == 1  # no second refresh: the early one is the app's first
        assert app.board is watched.boards[0]
        assert app.board.health and app.board.alerts  # the demo's incident, drawn
        drawn = [ref.row for ref in app.panes["health"].refs.values() if isinstance(ref, AgentRowKey)]
        assert drawn == app.board.health  # those rows are the ones on screen

    await _open(options, check)


async def test_an_early_refresh_that_failed_looks_like_one_the_app_started(frozen_demo: Demo) -> None:
    urls = with_dead_prometheus(frozen_demo[1])
    seen: dict[str, Any] = {}

    def screen(app: Any) -> dict[str, Any]:
        return {
            "errors": {name: status.error for name, status in app.board.status.items()},
            "header": app._header_drawn.plain,
            "screen": app.export_screenshot(),
        }

    def check_early(app: Any) -> None:
        seen["early"] = screen(app)

    await _open(_options(urls), check_early)
    app = OpsConsoleApp(_options(urls))  # the way the console started before open_console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        late = screen(app)
    assert seen["early"]["errors"]["health"] == "prometheus: connection refused"
    assert seen["early"] == late


async def test_a_started_refresh_answers_the_same_question_once(frozen_demo: Demo) -> None:
    service = demo_service(frozen_demo[1])
    boards: list[Dashboard] = []
    service.observers.append(boards.append)
    first = RefreshSettings(poll_logs=False)
    try:
        service.start_refresh(first)
        board = await service.refresh(replace(first))  # equal settings, another object
        assert boards == [board]  # that refresh, not a second one
        again = await service.refresh(first)
        assert again is not board and boards == [board, again]  # collected once only
    finally:
        await service.backends.aclose()


async def test_a_refresh_asked_otherwise_is_not_answered_with_the_started_one(frozen_demo: Demo) -> None:
    service = demo_service(frozen_demo[1])
    try:
        service.start_refresh(RefreshSettings(poll_logs=False))
        board = await service.refresh(RefreshSettings(range_seconds=3600.0, poll_logs=False))
        assert board.range_seconds == 3600.0
        assert service.settings.range_seconds == 3600.0
    finally:
        await service.backends.aclose()


async def test_a_backend_that_does_not_answer_does_not_hold_the_first_frame(frozen_demo: Demo) -> None:
    """The early refresh is only a head start: while Prometheus keeps it waiting, the console is
    drawn, saying it is loading; when Prometheus answers, that refresh's board is drawn."""
    answer = threading.Event()

    def stalled(_: Received) -> Reply:
        answer.wait(HEALTHY_STACK_TIMEOUT)
        return Reply(400, '{"status": "error", "errorType": "bad_data", "error": "not today"}')  # not retried

    with scripted_server(stalled) as prometheus:
        options = _options(replace(frozen_demo[1], prometheus=prometheus.url))
        watched = watch_console(options)
        seen: dict[str, Any] = {}

        async def pilot_run(pilot: Pilot[Any]) -> None:
            app = pilot.app
            try:
                await pilot.pause(0.2)
                seen["asked"] = bool(prometheus.received)
                seen["board"] = app.board
                seen["header"] = app._header_drawn.plain
            finally:
                answer.set()
            await settle(pilot)
            seen["after"] = app.board
            app.exit()

        try:
            await launch.open_console(options, headless=True, size=SIZE, auto_pilot=pilot_run)
        finally:
            answer.set()
    assert seen["asked"] and seen["board"] is None  # drawn while the early refresh was out
    assert "loading…" in seen["header"]
    assert len(watched.boards) == 1 and seen["after"] is watched.boards[0]  # then that refresh's board
    assert seen["after"].status["health"].error.startswith("prometheus: ")
