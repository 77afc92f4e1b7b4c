"""`opsconsole replay`: the console on a recording shows the screen the live console showed, says
REPLAY and the recorded time, steps and jumps through the refreshes, and can send nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_options
from opsconsole.recording.session import RecordingSession
from opsconsole.recording.store import RecordingReader, RecordingWriter
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.recording_hook import attach_console, record_console
from opsconsole.ui.replay_app import ReplayApp
from opsconsole.ui.replay_launch import replay_app
from tests.support.demo_fixtures import frozen_clock
from tests.support.ui_harness import settle

Demo = tuple[DemoStack, DemoUrls]
SIZE = (160, 45)


def screen_lines(app: OpsConsoleApp) -> list[str]:
    """The screen as plain text, one string a row (what the terminal shows, without colour)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()


async def _live_screen(urls: DemoUrls, path: Path) -> list[str]:
    options = demo_options(urls, clock=frozen_clock, auto_refresh=False)
    session = RecordingSession.start(RecordingWriter(path, context="demo", pack=options.pack), None)
    record_console(options, session)
    app = OpsConsoleApp(options)
    attach_console(app, session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("r")  # a refresh after the tail's lines arrived: the frame holds them
            await settle(pilot)
            app.clear_notifications()
            await pilot.pause()
            return screen_lines(app)
    finally:
        session.close()


async def _replayed_screen(path: Path) -> tuple[list[str], ReplayApp]:
    reader = RecordingReader(path)
    app = replay_app(reader)
    app.cursor.index = len(app.cursor.frames) - 1
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        lines = screen_lines(app)
    reader.close()
    return lines, app


@pytest.mark.asyncio
async def test_the_replayed_screen_is_the_live_screen(frozen_demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "incident.opsrec"
    live = await _live_screen(frozen_demo[1], path)
    replayed, _app = await _replayed_screen(path)
    assert len(live) == len(replayed) == SIZE[1]
    # The header says REPLAY, its place, and the recorded time (the frozen clock's, as live).
    assert "REPLAY 2/2" in replayed[0] and "REPLAY" not in live[0]
    clock = live[0].split("│")[3].strip()
    assert clock in replayed[0]
    # Every pane: the same rows, the same figures, the same words. The log pane's lower border says
    # where its lines come from (the live tail, or the recording), and the footer lists other keys.
    differ = [i for i, (a, b) in enumerate(zip(live, replayed, strict=True)) if a != b]
    log_border = max(i for i, line in enumerate(live) if "╰" in line)
    assert "live · 200 lines" in live[log_border] and "recorded · 200 lines" in replayed[log_border]
    assert set(differ) <= {0, log_border, SIZE[1] - 1}, "\n".join(f"{live[i]}\n{replayed[i]}" for i in differ)
    assert any("AgentUnresponsive" in line for line in replayed)  # a mid-incident screen, not empty ones
    assert sum(" INFO " in line or " ERROR " in line or " WARN " in line for line in replayed) >= 3


def _small_recording(path: Path) -> None:
    from opsconsole.core.dashboard import Dashboard, HealthRow

    with RecordingWriter(path, context="prod", pack="progressive-framework") as writer:
        for step in range(6):  # 16:00:00 .. 16:05:00, npa-3 down at 16:02
            board = Dashboard("prod", "progressive-framework", 1_764_000_000.0 + 60 * step, 900.0)
            state = "down" if step == 2 else "ok"
            board.health = [HealthRow("npa", "npa-3", state, state != "down", None, {})]  # type: ignore[arg-type]
            writer.add(board)


@pytest.mark.asyncio
async def test_the_cursor_steps_jumps_and_plays(tmp_path: Path) -> None:
    path = tmp_path / "r.opsrec"
    _small_recording(path)
    reader = RecordingReader(path)
    app = replay_app(reader, speed=120.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "REPLAY 1/6" in screen_lines(app)[0] and "16:00:00Z" in screen_lines(app)[0]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        top = screen_lines(app)[0]
        assert "REPLAY 3/6" in top and "16:02:00Z" in top
        assert any("DOWN" in line for line in screen_lines(app))
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "16:01:00Z" in screen_lines(app)[0] and not any("DOWN" in line for line in screen_lines(app))
        app.run_command("goto 16:04:30")
        await settle(pilot)
        assert "REPLAY 5/6" in screen_lines(app)[0] and "16:04:00Z" in screen_lines(app)[0]
        app.run_command("goto +30m")  # after the end: the last refresh
        await settle(pilot)
        assert "REPLAY 6/6" in screen_lines(app)[0]
        await pilot.press("home", "space")  # 120 recorded seconds a second: 2 refreshes per second
        await pilot.pause(1.2)
        await settle(pilot)
        assert app.cursor.index >= 1  # it moved on by itself
    reader.close()


@pytest.mark.asyncio
async def test_a_replay_can_send_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.opsrec"
    _small_recording(path)
    reader = RecordingReader(path)
    app = replay_app(reader)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        backends = app.service.backends
        assert backends.prometheus is None and not backends.alertmanagers and backends.loki is None
        assert backends.jaeger is None and backends.read_only
        assert not app.silence_service.peers and app.silence_service.read_only
        assert app.check_action("ack", ()) is not True and app.check_action("silence", ()) is not True
    reader.close()
