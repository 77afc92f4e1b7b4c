"""``opsconsole wallboard --serve``: the wallboard in a real browser (headless Debian Chromium)."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from textual.renderables.digits import Digits

from opsconsole.cli import build_parser
from opsconsole.commands.wallboard import served_command
from opsconsole.demo.stack import DemoUrls
from tests.support.chromium_cdp import headless_chromium
from tests.support.demo_fixtures import running_demo
from tests.support.http_client import http_client
from tests.support.real_servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "screenshots" / "wallboard-browser.png"


def digits_lines(number: int) -> list[str]:
    """How Textual's Digits draws ``number``: three lines of box-drawing characters."""
    console = Console(width=80, record=True, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(Digits(str(number)))
    return console.export_text().splitlines()


def figure_above(screen: str, label: str) -> int | None:
    """The number drawn in big digits just above ``label`` on the screen, if any."""
    lines = screen.splitlines()
    for row, line in enumerate(lines):
        column = line.find(label)
        if column < 0 or row < 3:
            continue
        block = lines[row - 3 : row]
        for number in range(100):
            drawn = digits_lines(number)
            # The same three lines, starting in the same column, somewhere in the label's figure.
            for start in range(max(0, column - 10), column + len(label)):
                if all(b[start : start + len(d)] == d for b, d in zip(block, drawn, strict=True)):
                    right = [b[start + len(drawn[0]) : start + len(drawn[0]) + 1] for b in block]
                    if all(ch in ("", " ") for ch in right):  # not the first digits of a longer number
                        return number
    return None


def critical_firing(alertmanager: str) -> tuple[int, int]:
    """Truth from Alertmanager itself: active, not silenced or inhibited, severity critical; those
    of the progressive-framework deployment (its Prometheus' ``cluster`` external label) and the
    others (the demo's FreeAgentics alerts, which the pack leaves out)."""
    params = {"active": "true", "silenced": "false", "inhibited": "false"}
    alerts = http_client().get(f"{alertmanager}/api/v2/alerts", params=params, timeout=10).json()
    critical = [a["labels"] for a in alerts if a["labels"].get("severity") == "critical"]
    ours = sum(1 for labels in critical if labels.get("cluster") == "progressive-framework-v5")
    return ours, len(critical) - ours


def outside_count(screen: str) -> int:
    """The '· N more outside this pack' under the firing-critical figure (0 when not said)."""
    found = re.search(r"firing critical · (\d+) more outside this pack", screen)
    return int(found.group(1)) if found else 0


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def test_each_browser_tab_runs_the_same_read_only_wallboard_without_the_serving_flags() -> None:
    args = build_parser().parse_args(
        [
            "wallboard",
            "--serve",
            "--port",
            "9999",
            "--prometheus",
            "http://p:9090",
            "--alertmanager",
            "http://a1:9093",
            "--alertmanager",
            "http://a2:9093",
            "--pages",
            "overview,alerts",
            "--var",
            "env=prod",
        ]
    )
    assert isinstance(args, argparse.Namespace)
    command = served_command(args)
    assert command[:5] == [sys.executable, "-m", "opsconsole", "wallboard", "--read-only"]
    assert "--serve" not in command and "--port" not in command
    text = " ".join(command)
    assert "--prometheus http://p:9090" in text
    assert "--alertmanager http://a1:9093 --alertmanager http://a2:9093" in text
    assert "--pages overview,alerts" in text and "--var env=prod" in text


async def test_the_served_wallboard_shows_the_firing_critical_count_in_chromium(tmp_path: Path) -> None:
    # A stack of its own on the wall clock, five minutes into the incident (the session's live demo
    # may be past it by the time this runs).
    with running_demo(clock=time.time) as (_, urls):
        await _check_served_wallboard(tmp_path, urls)


async def _check_served_wallboard(tmp_path: Path, urls: DemoUrls) -> None:
    port = free_port()
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "NO_COLOR": ""}
    env.pop("NO_COLOR")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsconsole",
            "wallboard",
            "--serve",
            "--port",
            str(port),
            "--rotate",
            "0",
            "--prometheus",
            urls.prometheus,
            "--alertmanager",
            urls.alertmanager,
            "--loki",
            urls.loki,
            "--jaeger",
            urls.jaeger,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        async with headless_chromium(tmp_path / "profile", width=1400, height=860) as browser:
            await browser.open(f"http://127.0.0.1:{port}/")
            await browser.wait_for_text("am ●")  # Alertmanager has answered
            # The live incident moves on: compare with Alertmanager's count taken just before and
            # just after reading the screen, when both agree.
            for _ in range(10):
                before = critical_firing(urls.alertmanager)
                screen = await browser.wait_for_text("firing critical")
                shown = (figure_above(screen, "firing critical"), outside_count(screen))
                if before == critical_firing(urls.alertmanager) and shown == before:
                    break
                await asyncio.sleep(2.5)  # one refresh of the wallboard
            assert before[0] > 0 and before[1] > 0  # the demo is mid-incident on both deployments
            assert shown == before, screen
            assert "WALLBOARD" in screen and "READ-ONLY" in screen
            if os.environ.get("OPSCONSOLE_UPDATE_SCREENSHOTS"):
                await browser.screenshot(SCREENSHOT)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
