"""`y`: the pane on screen as Markdown, to the clipboard with OSC 52 and to a file, said in a toast;
`c` on the detail screen copies its queries the same way; under tmux, through tmux itself, off the
event loop: a tmux that does not answer holds up the copy, never the keys."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from opsconsole.core.dashboard import AlertGroupView, AlertView, Dashboard, Detail, HealthRow
from opsconsole.core.view_markdown import view_markdown
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui import copy_markdown
from opsconsole.ui.copy_markdown import copy_file, make_copy, osc52_likely
from opsconsole.ui.screens import DetailScreen
from opsconsole.ui.themes import load_themes
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


def test_tables_hold_the_pane_and_hostile_text_cannot_break_them() -> None:
    board = Dashboard("prod", "pack", 1_764_000_000.0, 900.0)
    board.health = [HealthRow("npa", "npa|3\nx", "down", False, None, {}, since=1_763_999_700.0)]  # type: ignore[arg-type]
    alert = AlertView("f", "Disk|Full", "critical", "firing", 1_763_999_400.0, "a | b", {}, {}, "db-1")
    board.alerts = [AlertGroupView((), (alert,))]
    health = view_markdown(board, "health").splitlines()
    assert health[-1] == "| npa\\|3⏎x | ✖ DOWN | 5m | — | — |"  # the model made the newline visible
    alerts = view_markdown(board, "alerts")
    assert "| critical | firing | Disk\\|Full | db-1 | 10m | a \\| b |" in alerts
    assert "1 firing" in alerts


def test_osc52_unless_the_terminal_cannot() -> None:
    assert osc52_likely({"TERM": "xterm-256color"})
    assert not osc52_likely({"TERM": "linux"})
    assert not osc52_likely({"TERM": "xterm", "OPSCONSOLE_CLIPBOARD": "file"})


@pytest.mark.asyncio
async def test_y_copies_the_active_pane(frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    app = demo_app(frozen_demo[1])
    sent: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", sent.append)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2", "y")
        await copies_done(app)
        await pilot.pause()
    assert sent and sent[0].startswith("**ALERTS** · context demo")
    assert "AgentUnresponsive" in sent[0]
    assert copy_file().read_text() == sent[0]
    assert any("OSC 52" in m and str(copy_file()) in m for m in app.messages)


async def copies_done(app: App[Any]) -> None:
    """Wait for the copies started (each runs off the event loop and ends with its toast)."""
    for worker in [w for w in app.workers if w.group == "copy"]:
        await worker.wait()


@pytest.fixture
def inside_tmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A tmux server of the test's own, with TMUX and TERM set as in one of its panes."""
    binary = shutil.which("tmux")
    assert binary, "tmux is needed (the test command installs Debian's tmux package)"
    tmux = [binary, "-S", str(tmp_path / "tmux.sock"), "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24", "sleep 600"], check=True)
    try:
        pid = subprocess.run(
            [*tmux, "display-message", "-p", "#{pid}"], capture_output=True, text=True, check=True
        ).stdout.strip()
        monkeypatch.setenv("TMUX", f"{tmp_path / 'tmux.sock'},{pid},0")
        monkeypatch.setenv("TERM", "tmux-256color")
        yield tmux
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)


def test_under_tmux_the_copy_goes_through_tmux_itself(inside_tmux: list[str]) -> None:
    """An application's OSC 52 is dropped by tmux's defaults (set-clipboard external); tmux's own
    load-buffer -w keeps the text and sends it to the outer terminal's clipboard."""
    done = make_copy("| a | b |", "the alerts pane as Markdown")
    buffer = subprocess.run([*inside_tmux, "show-buffer"], capture_output=True, text=True, check=True)
    assert buffer.stdout == "| a | b |"
    assert not done.osc52  # not also an escape tmux would drop (or keep as a second buffer)
    assert done.said.startswith("copied the alerts pane as Markdown to the clipboard through tmux")
    assert str(copy_file()) in done.said and copy_file().read_text() == "| a | b |"


def test_a_tmux_that_cannot_says_what_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tmux before 3.2 has no load-buffer -w: the escape is sent, and the toast says what tmux needs."""
    old_tmux = tmp_path / "bin" / "tmux"
    old_tmux.parent.mkdir()
    old_tmux.write_text("#!/bin/sh\necho 'usage: load-buffer [-b buffer-name] path' >&2\nexit 1\n")
    old_tmux.chmod(0o755)
    monkeypatch.setenv("PATH", f"{old_tmux.parent}:/usr/bin:/bin")
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setenv("TERM", "screen-256color")
    done = make_copy("| a |", "the health pane as Markdown")
    assert done.osc52
    assert "`set -g set-clipboard on`" in done.said
    assert done.said.startswith("sent the health pane as Markdown with OSC 52")  # not "copied": unknown
    assert str(copy_file()) in done.said


class DetailApp(App[None]):
    def __init__(self, screen: DetailScreen) -> None:
        super().__init__()
        self.detail_screen = screen
        self.sent: list[str] = []
        self.messages: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.detail_screen)

    def copy_to_clipboard(self, text: str) -> None:
        self.sent.append(text)

    def notify(self, message: str, *args: object, **kwargs: object) -> None:
        self.messages.append(message)


@pytest.mark.parametrize(
    ("env", "sent", "said"),
    [
        ({"TERM": "xterm-256color"}, True, "copied the queries to the clipboard (OSC 52"),
        ({"TERM": "xterm-256color", "OPSCONSOLE_CLIPBOARD": "file"}, False, "the queries saved to "),
        ({"TERM": "linux"}, False, "this terminal takes no OSC 52"),
    ],
)
async def test_c_on_the_detail_screen_copies_the_queries_as_y_does(
    env: dict[str, str], sent: bool, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`c` said "queries copied to the clipboard" even where the copy could not be made."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    screen = DetailScreen("agent npa-2", load_themes()[0]["dark"])
    app = DetailApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        screen.detail = Detail(
            title="npa-2", range_seconds=900.0, queries={"cpu": "rate(cpu[5m])", "up": "up"}
        )
        await pilot.press("c")
        await copies_done(app)
        await pilot.pause()
    queries = "rate(cpu[5m])\n\nup"
    assert app.sent == ([queries] if sent else [])
    assert app.messages and said in app.messages[-1], app.messages
    assert copy_file().read_text() == queries  # the file holds the copy wherever the clipboard may not


@pytest.fixture
def hung_tmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A tmux whose load-buffer takes the text and then does not answer until the test creates
    ``release`` in the folder it yields (created at the end whatever happens)."""
    folder = tmp_path / "tmux"
    folder.mkdir()
    fake = folder / "tmux"
    fake.write_text(
        f'#!/bin/sh\ncat > "{folder}/buffer"\nwhile [ ! -e "{folder}/release" ]; do sleep 0.01; done\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setenv("TERM", "tmux-256color")
    try:
        yield folder
    finally:
        (folder / "release").touch()


async def test_a_tmux_that_hangs_holds_up_the_copy_not_the_keys(
    frozen_demo: Demo, hung_tmux: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`y` ran tmux load-buffer on the key press: a tmux that hung froze the console (up to 2 s,
    then the copy was said to have gone by OSC 52). The copy now waits for tmux off the event loop:
    the keys typed meanwhile are handled, and the toast comes when tmux answers."""
    # As long as the fake holds: what ends the copy here is the test's release, not the clock.
    monkeypatch.setattr(copy_markdown, "TMUX_TIMEOUT", 3600.0, raising=False)
    app = demo_app(frozen_demo[1])
    sent: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", sent.append)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.messages.clear()
        await pilot.press("y")  # the health pane
        await pilot.press("2")
        assert app.active == "alerts"  # handled while the copy waits for tmux
        assert not (hung_tmux / "release").exists()
        assert not any("health pane" in m for m in app.messages)  # nothing said before tmux answers
        (hung_tmux / "release").touch()
        await copies_done(app)
        await pilot.pause()
    said = [m for m in app.messages if "health pane" in m]
    assert len(said) == 1 and said[0].startswith(
        "copied the health pane as Markdown to the clipboard through tmux"
    )
    assert sent == []
    assert (hung_tmux / "buffer").read_text() == copy_file().read_text()
    assert copy_file().read_text().startswith("**HEALTH**")


def test_a_tmux_that_does_not_answer_in_time_is_said(
    hung_tmux: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past TMUX_TIMEOUT the copy goes by OSC 52, and the toast says tmux did not answer."""
    monkeypatch.setattr(copy_markdown, "TMUX_TIMEOUT", 0.2)
    done = make_copy("| a |", "the health pane as Markdown")
    assert done.osc52
    assert done.said.startswith("tmux did not answer in 0.2s: sent the health pane as Markdown with OSC 52")
