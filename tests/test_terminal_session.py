"""SSH ergonomics, in a real pseudo-terminal: suspend and resume, kill and hang-up leave the terminal
usable and lose nothing, 16 colours, NO_COLOR, and tmux with a resize."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.demo.stack import DemoUrls
from tests.support.demo_cluster import cluster_services
from tests.support.fake_apiserver import FakeApiServer, fake_apiserver, write_kubeconfig
from tests.support.pty_session import ROOT, PtySession, sgr_parameters, sgr_sequences

ENTER_ALT_SCREEN = b"\x1b[?1049h"
LEAVE_ALT_SCREEN = b"\x1b[?1049l"
SHOW_CURSOR = b"\x1b[?25h"
FIRST_FRAME = b"Health"  # the health pane's title: the main screen has been drawn


@pytest.fixture
def demo_console(tmp_path: Path) -> Iterator[PtySession]:
    session = PtySession(
        PtySession.python("-m", "opsconsole", "demo"),
        env={"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")},
    )
    try:
        session.wait_for(FIRST_FRAME)
        yield session
    finally:
        session.close()


def test_ctrl_z_gives_the_shell_a_sane_terminal_and_fg_brings_the_console_back(
    demo_console: PtySession,
) -> None:
    assert demo_console.tty_mode() == (False, False)  # raw mode while the console runs
    demo_console.send(b"\x1a")  # ctrl+z
    demo_console.wait_state("T")  # stopped, as a shell's job control expects
    # Written before it stopped, though maybe not read from the pty yet when the state changed.
    demo_console.wait_for(LEAVE_ALT_SCREEN, timeout=10, since_start=True)
    assert demo_console.tty_mode() == (True, True)  # the shell gets line mode and echo back
    drawn = len(demo_console.output)
    os.kill(demo_console.pid, signal.SIGCONT)  # what `fg` does
    demo_console.wait_for(FIRST_FRAME)
    assert ENTER_ALT_SCREEN in demo_console.output[drawn:]
    assert demo_console.state() != "T"
    assert demo_console.tty_mode() == (False, False)
    demo_console.send(b"q")
    assert demo_console.wait_exit() == 0
    assert demo_console.output.rstrip().endswith(SHOW_CURSOR) or SHOW_CURSOR in demo_console.output[-200:]


def test_kill_exits_cleanly_and_restores_the_terminal(demo_console: PtySession) -> None:
    drawn = len(demo_console.output)
    os.kill(demo_console.pid, signal.SIGTERM)
    assert demo_console.wait_exit() == 128 + signal.SIGTERM
    tail = bytes(demo_console.output[drawn:])
    assert LEAVE_ALT_SCREEN in tail and SHOW_CURSOR in tail
    assert b"Traceback" not in demo_console.output


def test_the_wallboard_is_restored_the_same_way(tmp_path: Path) -> None:
    session = PtySession(
        PtySession.python("-m", "opsconsole", "wallboard", "--demo"),
        env={"XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    try:
        session.wait_for(b"WALLBOARD")
        session.send(b"\x1a")
        session.wait_state("T")
        assert session.tty_mode() == (True, True)
        os.kill(session.pid, signal.SIGCONT)
        session.wait_for(b"WALLBOARD")
        os.kill(session.pid, signal.SIGTERM)
        assert session.wait_exit() == 128 + signal.SIGTERM
        assert LEAVE_ALT_SCREEN in session.output[-400:]
    finally:
        session.close()


def test_a_dropped_connection_runs_the_cleanup_kube_credentials_included(
    tmp_path: Path, live_demo: DemoUrls
) -> None:
    """SIGHUP used to kill the process on the spot, leaving the kube token file on disk."""
    with fake_apiserver(tmp_path, cluster_services(live_demo)) as server:
        server.tokens["hangup-token"] = "ops"
        config = write_kubeconfig(tmp_path / "kubeconfig", server, user={"token": "hangup-token"})
        private_tmp = tmp_path / "tmp"
        private_tmp.mkdir()
        session = PtySession(
            PtySession.python(
                "-c",
                "from opsconsole.cli import kubectl_main; raise SystemExit(kubectl_main())",
                "--kubeconfig",
                str(config),
            ),
            env={
                "TMPDIR": str(private_tmp),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "XDG_STATE_HOME": str(tmp_path / "state"),
            },
        )
        try:
            session.wait_for(b"Use which? [1-2, Enter for 1]")  # two Prometheus services: it asks
            session.send(b"\r")
            session.wait_for(FIRST_FRAME)
            assert [p.name for p in private_tmp.iterdir() if p.name.startswith("opsconsole-kube-")]
            assert _wait(lambda: _proxied(server) > 0)  # the console reads through the proxy
            session.hang_up()
            code = session.wait_exit()
        finally:
            session.close()
        assert code == 128 + signal.SIGHUP
        leftovers = [str(p) for p in private_tmp.rglob("*")]
        assert leftovers == []  # token file and private directory removed


def _proxied(server: FakeApiServer) -> int:
    return sum(1 for r in server.received if "/proxy/" in r.path)


def _wait(check: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


# -- colours ---------------------------------------------------------------------------------

DIRECT_OR_256 = re.compile(r"(^|;)(38|48|58);(2|5);")
COLOUR_PARAMETERS = {str(n) for n in (*range(30, 38), *range(40, 48), *range(90, 98), *range(100, 108))}


def _frames(env: dict[str, str], tmp_path: Path, seconds: float = 4.0) -> bytes:
    session = PtySession(
        PtySession.python("-m", "opsconsole", "demo"),
        env={"XDG_CONFIG_HOME": str(tmp_path / "config"), **env},
    )
    try:
        session.wait_for(FIRST_FRAME)
        session.read_for(seconds)  # a few refreshes
        session.send(b"q")
        session.wait_exit()
        return bytes(session.output)
    finally:
        session.close()


def test_a_16_colour_terminal_gets_only_the_16_colours(tmp_path: Path) -> None:
    output = _frames({"TERM": "xterm"}, tmp_path)
    sequences = sgr_sequences(output)
    assert not [s for s in sequences if DIRECT_OR_256.search(s)], sorted(sequences)[:20]
    assert sgr_parameters(output) & COLOUR_PARAMETERS  # still in colour, just the basic ones


def test_no_color_means_no_colour_at_all(tmp_path: Path) -> None:
    output = _frames({"NO_COLOR": "1"}, tmp_path)
    sequences = sgr_sequences(output)
    assert not [s for s in sequences if DIRECT_OR_256.search(s)], sorted(sequences)[:20]
    assert not sgr_parameters(output) & COLOUR_PARAMETERS
    assert b"Health" in output and b"Alerts" in output  # still all there, in bold and reverse


# -- tmux ------------------------------------------------------------------------------------


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    binary = shutil.which("tmux")
    assert binary, "tmux is needed (the test command installs Debian's tmux package)"
    socket = tmp_path / "tmux.sock"
    base = [binary, "-S", str(socket), "-f", os.devnull]
    try:
        yield base
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, check=False)


def _capture(tmux: list[str]) -> str:
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "oc"], capture_output=True, text=True, check=True
    ).stdout


def _until(tmux: list[str], needle: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(tmux)
        if needle in screen:
            return screen
        time.sleep(0.3)
    size = subprocess.run(
        [*tmux, "display-message", "-p", "-t", "oc", "#{pane_width}x#{pane_height}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    raise AssertionError(f"{needle!r} not on the tmux screen (pane {size}):\n{screen}")


def test_inside_tmux_the_console_draws_and_follows_a_resize(tmux: list[str], tmp_path: Path) -> None:
    command = f"cd {ROOT} && XDG_CONFIG_HOME={tmp_path / 'config'} {sys.executable} -m opsconsole demo"
    # COLUMNS and LINES exported with a stale size (what `eval $(resize)` leaves behind, and what
    # pytest-xdist's workers have): the console must take its size from the terminal, not from them.
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    env.pop("NO_COLOR", None)
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "oc", "-x", "160", "-y", "45", command], env=env, check=True
    )
    wide = _until(tmux, "prometheus ●")
    assert "ctx demo" in wide.splitlines()[0]  # the full header at 160 columns
    assert "Active alerts" in wide and "SLO budgets" in wide
    subprocess.run([*tmux, "resize-window", "-t", "oc", "-x", "80", "-y", "24"], check=True)
    narrow = _until(tmux, " P ● ")  # redrawn for 80 columns: the compact header
    lines = narrow.splitlines()
    assert "ctx" not in lines[0]
    # Every pane border closes inside the 80 columns: laid out again, not cut off.
    borders = [line.rstrip() for line in lines if line.startswith("╰")]
    assert borders and all(len(line) <= 80 and line.endswith("╯") for line in borders), narrow
    subprocess.run([*tmux, "send-keys", "-t", "oc", "q"], check=True)


# The console on a demo stack with its clock stopped: every refresh (each 2 s) returns the same
# answers. The stack runs in the test, its Alertmanager behind a proxy that counts the requests.
_FROZEN_CONSOLE = """
import json, sys
from opsconsole.demo.stack import DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.launch import demo_options
from opsconsole.ui.screenshots import FROZEN_NOW

urls = DemoUrls(**json.loads(sys.argv[1]))
OpsConsoleApp(demo_options(urls, clock=lambda: FROZEN_NOW)).run()
"""


def test_refreshes_with_unchanged_data_write_nothing_to_the_terminal() -> None:
    from dataclasses import asdict

    from tests.support.demo_fixtures import running_demo
    from tests.support.fault_proxy import fault_proxy

    with running_demo() as (_, urls), fault_proxy(urls.alertmanager) as alertmanager:
        seen = {**asdict(urls), "alertmanager": alertmanager.url}
        session = PtySession(PtySession.python("-c", _FROZEN_CONSOLE, json.dumps(seen)), size=(120, 40))

        def output_over(refreshes: int) -> tuple[bytes, int]:
            """What the console wrote while ``refreshes`` refreshes began (each asks for alerts and
            silences; a refresh's drawing comes before the next one asks), and how many did."""
            asked, start = alertmanager.requests, len(session.output)
            deadline = time.monotonic() + 30  # refreshes are due every 2 s
            while (alertmanager.requests - asked) // 2 < refreshes and time.monotonic() < deadline:
                session.read_for(0.1)
            return bytes(session.output[start:]), (alertmanager.requests - asked) // 2

        try:
            session.wait_for(FIRST_FRAME)
            # The first refreshes fill the panes: settled once a refresh went by without drawing.
            deadline = time.monotonic() + 60
            while len(output_over(1)[0]) >= 256:
                assert time.monotonic() < deadline, "the console redrew on every refresh for a minute"
            quiet, refreshes = output_over(2)
        finally:
            session.close()
    assert refreshes >= 2, "the console must keep refreshing, only not redraw"
    assert len(quiet) < 256, quiet[:400]


def test_output_to_a_hung_up_terminal_is_dropped_instead_of_raising() -> None:
    # Raising killed Textual's output thread, and the exit then blocked on its full queue.
    from opsconsole.ui.terminal_output import HungUpTolerantOutput

    master, slave = os.openpty()
    output = HungUpTolerantOutput(open(slave, "w", buffering=1))  # noqa: SIM115 (closed below)
    try:
        output.write("before\n")
        output.flush()
        assert os.read(master, 100) == b"before\r\n" and not output.gone
        os.close(master)  # the connection drops
        for _ in range(40):
            assert output.write("after\n") == len("after\n")
            output.flush()
        assert output.gone
    finally:
        with contextlib.suppress(OSError):
            output.stream.close()
