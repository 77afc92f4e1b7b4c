"""The wallboard's first refresh starts before Textual is imported (launch.open_wallboard), as the
console's does: its board is the one the first frame draws, it asks what the app's refreshes ask,
and when it fails the wallboard looks exactly as when the app started that refresh itself."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Digits

from opsconsole import launch
from opsconsole.core.dashboard import Dashboard
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.recording.session import RecordingSession
from opsconsole.recording.store import RecordingReader, RecordingWriter
from opsconsole.ui.wallboard import WallboardApp
from opsconsole.ui.wallboard_options import WallboardOptions
from tests.support.demo_fixtures import frozen_clock
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.service_watch import watch_wallboard
from tests.support.ui_harness import (
    HEALTHY_STACK_TIMEOUT,
    settle_wallboard,
    static_text,
    with_dead_prometheus,
)

Demo = tuple[DemoStack, DemoUrls]
SIZE = (160, 45)


def _options(urls: DemoUrls) -> WallboardOptions:
    return launch.demo_wallboard_options(
        urls, clock=frozen_clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT
    )


async def _open(options: WallboardOptions, check: Any) -> None:
    """Run the wallboard through open_wallboard, headless, and ``check(app)`` once it has a board."""
    failures: list[BaseException] = []

    async def pilot_run(pilot: Pilot[Any]) -> None:
        try:
            await settle_wallboard(pilot)
            check(pilot.app)
        except BaseException as exc:  # reported after the app is down
            failures.append(exc)
        pilot.app.exit()

    await launch.open_wallboard(options, headless=True, size=SIZE, auto_pilot=pilot_run)
    if failures:
        raise failures[0]


async def test_the_first_refresh_is_out_before_the_wallboard_exists_and_is_the_board_drawn(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = _options(frozen_demo[1])
    watched = watch_wallboard(options)
    importing = launch._wallboard_app_class
    answered_while_importing: list[bool] = []

    def app_class() -> type[WallboardApp]:
        # Runs beside the event loop (asyncio.to_thread): the refresh started before it can finish
        # meanwhile. Had it not started, no board could come before the app exists.
        answered_while_importing.append(watched.first_board.wait(HEALTHY_STACK_TIMEOUT))
        return importing()

    monkeypatch.setattr(launch, "_wallboard_app_class", app_class)

    def check(app: Any) -> None:
        assert isinstance(app, WallboardApp)
        assert answered_while_importing == [True]
        assert len(watched.made) == 1 and app.service is watched.made[0]  # not a second service
        assert len(watched.boards) == 1  # no second refresh: the early one is the app's first
        board = app.board
        assert board is watched.boards[0]
        # It asked what the app asks (had it not, the app would have cancelled it and asked again).
        assert app.service.settings == app.refresh_settings()
        assert app.refresh_settings().panes is not None and "red" not in app.refresh_settings().panes
        assert board.health and board.alerts
        down = sum(1 for row in board.health if row.state == "down")
        assert down == 1  # the demo's incident (npa-3), on the wall
        assert app.query_one("#digits-down", Digits).value == str(down)

    await _open(options, check)


async def test_an_early_refresh_that_failed_looks_like_one_the_app_started(frozen_demo: Demo) -> None:
    urls = with_dead_prometheus(frozen_demo[1])
    seen: dict[str, Any] = {}

    def screen(app: Any) -> dict[str, Any]:
        return {
            "errors": {name: status.error for name, status in app.board.status.items()},
            "header": static_text(app.query_one("#wb-header")),
            "screen": app.export_screenshot(),
        }

    def check_early(app: Any) -> None:
        seen["early"] = screen(app)

    await _open(_options(urls), check_early)
    app = WallboardApp(_options(urls))  # the way the wallboard started before open_wallboard
    async with app.run_test(size=SIZE) as pilot:
        await settle_wallboard(pilot)
        late = screen(app)
    assert seen["early"]["errors"]["health"] == "prometheus: connection refused"
    assert "prometheus ✖" in seen["early"]["header"]
    assert seen["early"] == late


async def test_a_recorded_wallboard_records_the_early_refresh(frozen_demo: Demo, tmp_path: Path) -> None:
    options = _options(frozen_demo[1])
    watched = watch_wallboard(options)
    path = tmp_path / "wall.opsrec"
    session = RecordingSession.start(RecordingWriter(path, context="demo", pack=launch.DEMO_PACK), None)
    drawn: list[Dashboard | None] = []

    async def pilot_run(pilot: Pilot[Any]) -> None:
        await settle_wallboard(pilot)
        drawn.append(pilot.app.board)
        pilot.app.exit()

    await launch.open_wallboard(options, session, headless=True, size=SIZE, auto_pilot=pilot_run)
    assert len(watched.boards) == 1 and drawn == watched.boards  # the early board, drawn
    with RecordingReader(path) as reader:
        (recorded,) = reader.boards()  # and recorded: the recording was hooked in before it started
    assert recorded.now == watched.boards[0].now and len(recorded.health) == len(watched.boards[0].health)


async def test_a_backend_that_does_not_answer_does_not_hold_the_first_frame(frozen_demo: Demo) -> None:
    """The early refresh is only a head start: while Prometheus keeps it waiting, the wallboard is
    drawn, saying it is loading; when Prometheus answers, that refresh's board is drawn."""
    answer = threading.Event()

    def stalled(_: Received) -> Reply:
        answer.wait(HEALTHY_STACK_TIMEOUT)
        return Reply(400, '{"status": "error", "errorType": "bad_data", "error": "not today"}')  # not retried

    with scripted_server(stalled) as prometheus:
        options = _options(replace(frozen_demo[1], prometheus=prometheus.url))
        watched = watch_wallboard(options)
        seen: dict[str, Any] = {}

        async def pilot_run(pilot: Pilot[Any]) -> None:
            app = pilot.app
            try:
                await pilot.pause(0.2)
                seen["asked"] = bool(prometheus.received)
                seen["board"] = app.board
                seen["header"] = static_text(app.query_one("#wb-header"))
            finally:
                answer.set()
            await settle_wallboard(pilot)
            seen["after"] = app.board
            app.exit()

        try:
            await launch.open_wallboard(options, headless=True, size=SIZE, auto_pilot=pilot_run)
        finally:
            answer.set()
    assert seen["asked"] and seen["board"] is None  # drawn while the early refresh was out
    assert "loading…" in seen["header"]
    assert len(watched.boards) == 1 and seen["after"] is watched.boards[0]  # then that refresh's board
    assert seen["after"].status["health"].error.startswith("prometheus: ")
