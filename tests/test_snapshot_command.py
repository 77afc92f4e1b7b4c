"""`opsconsole snapshot`: the main screen's numbers in one shot, from the same refresh code."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.demo_fixtures import running_demo


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opsconsole", "snapshot", *args], capture_output=True, text=True, timeout=120
    )


def test_text_and_json_show_the_incident() -> None:
    with running_demo(clock=time.time) as (_, urls):
        flags = ["--prometheus", urls.prometheus, "--alertmanager", urls.alertmanager, "--loki", urls.loki]
        text = _run(*flags)
        as_json = _run(*flags, "--json", "--logs", "3")
    assert text.returncode == 0, text.stderr
    assert "✖ DOWN" in text.stdout
    assert "npa-3" in text.stdout
    assert "AgentUnresponsive" in text.stdout
    assert "\x1b" not in text.stdout
    assert as_json.returncode == 0, as_json.stderr
    board = json.loads(as_json.stdout)
    assert board["pack"] == "progressive-framework"
    assert {r["entity"]: r["state"] for r in board["health"]}["npa-3"] == "down"
    assert len(board["logs"]) == 3
    assert board["status"]["alerts"]["error"] is None


def test_a_failing_backend_is_reported_and_sets_the_exit_code() -> None:
    result = _run("--prometheus", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "connection refused" in result.stdout
