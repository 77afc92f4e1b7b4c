"""`opsconsole demo --serve-only` as a user runs it: a process printing URLs that other tools use."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

from tests.support.ctrl_c import sigint_as_in_a_terminal
from tests.support.http_client import http_client
from tests.support.real_servers import require_binary


def test_serve_only_prints_urls_that_curl_and_amtool_can_use() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "opsconsole", "demo", "--serve-only", "--speed", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    try:
        urls: dict[str, str] = {}
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        while len(urls) < 4 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if match := re.match(r"(prometheus|alertmanager|loki|jaeger)\s+(http://127\.0\.0\.1:\d+)", line):
                urls[match.group(1)] = match.group(2)
        assert set(urls) == {"prometheus", "alertmanager", "loki", "jaeger"}

        up = (
            http_client().get(f"{urls['prometheus']}/api/v1/query", params={"query": "up"}, timeout=10).json()
        )
        assert up["status"] == "success"
        assert len(up["data"]["result"]) >= 9
        amtool = subprocess.run(
            [
                require_binary("amtool"),
                f"--alertmanager.url={urls['alertmanager']}",
                "alert",
                "query",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        # The seeds' rules fire from the first minute (wpa-2's standing memory leak).
        assert "AgentMemoryHigh" in {a["labels"]["alertname"] for a in json.loads(amtool.stdout)}
        services = http_client().get(f"{urls['jaeger']}/api/services", timeout=10).json()["data"]
        assert "progressive-framework-npa" in services  # 001: progressive-framework-${agentType}
        ready = http_client().get(f"{urls['loki']}/ready", timeout=10)
        assert ready.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        finally:
            process.kill()  # nothing left serving if it did not stop
            process.wait()
    assert process.returncode == 0


def test_bad_speed_is_refused_with_a_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "opsconsole", "demo", "--speed", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--speed must be positive" in result.stderr


def test_unknown_scenario_lists_the_known_ones() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "opsconsole", "demo", "--scenario", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "npa-degradation" in result.stderr
    assert "db-connection-exhaustion" in result.stderr
