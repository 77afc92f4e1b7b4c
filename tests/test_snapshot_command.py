"""`opsconsole snapshot`: the main screen's numbers in one shot, from the same refresh code."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.support.demo_fixtures import running_demo


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opsconsole", "snapshot", *args], capture_output=True, text=True, timeout=120
    )


def test_text_and_json_show_the_incident() -> None:
    with running_demo(clock=time.time) as (stack, urls):
        flags = ["--prometheus", urls.prometheus, "--alertmanager", urls.alertmanager, "--loki", urls.loki]
        text = _run(*flags)
        as_json = _run(*flags, "--json", "--logs", "3")
    npa3 = stack.world.instance("npa-3").pod
    assert text.returncode == 0, text.stderr
    assert "✖ DOWN" in text.stdout
    assert npa3 in text.stdout
    assert "AgentUnresponsive" in text.stdout
    assert "outside this pack" in text.stdout and "OUTSIDE THIS PACK" in text.stdout  # FreeAgentics'
    # No key works in a snapshot: the title says where the others are ("`A` to show all" did).
    [title] = [line for line in text.stdout.splitlines() if line.startswith("ALERTS, ")]
    assert title.split(" (")[0].endswith("outside this pack, listed below under OUTSIDE THIS PACK"), title
    assert "`A`" not in text.stdout
    assert "SATURATION (" in text.stdout and "PostgreSQL conns used" in text.stdout
    assert "\x1b" not in text.stdout
    assert as_json.returncode == 0, as_json.stderr
    board = json.loads(as_json.stdout)
    assert board["pack"] == "progressive-framework"
    down = next(r for r in board["health"] if r["entity"] == npa3)
    assert down["state"] == "down" and down["state_text"] == "✖ DOWN" and down["since_text"]
    assert down["entity_label"] == "kubernetes_pod_name" and down["entity_fallback"] is False
    core = next(r for r in board["health"] if r["entity_type"] == "progressive-framework-v5")
    assert core["entity_label"] == "instance" and core["entity_fallback"] is True
    assert len(board["logs"]) == 3
    assert board["status"]["alerts"]["error"] is None
    # Every figure the screen shows, under the screen's words.
    slo = next(s for s in board["slos"] if s["name"] == "core-availability")
    assert slo["budget_remaining"] is not None and "budget_text" in slo and "of 43m" in slo["budget_text"]
    assert slo["figures"]["consumed"] == pytest.approx(1 - slo["budget_remaining"])
    assert {"coverage_note", "worst_burn", "exhaustion_1h_text", "status"} <= set(slo)
    summary = board["alerts_summary"]
    assert summary["firing_outside"] > 0 and summary["title"] == (
        f"{summary['firing']} firing, {summary['firing_outside']} outside this pack, listed in alerts_outside"
    )
    assert board["alerts_outside"] and board["saturation"]
    assert board["status"]["health"]["emptiness"] == ""


def test_a_pane_whose_queries_all_return_nothing_exits_3_and_says_why() -> None:
    with running_demo(clock=time.time) as (_, urls):
        result = _run(
            "--prometheus",
            urls.prometheus,
            "--pack",
            "freeagentics",
            "--var",
            "api_job=nope",
            "--var",
            "workers_job=nope",
            "--var",
            "node_job=nope",
        )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "0 of 2 queries returned data: run `opsconsole packs doctor`" in result.stdout  # health
    assert "FreeAgentics logs are not in Loki" in result.stdout


def test_a_failing_backend_is_reported_and_sets_the_exit_code() -> None:
    result = _run("--prometheus", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "connection refused" in result.stdout


def test_without_loki_or_alertmanager_the_empty_panes_say_why_in_text_and_json() -> None:
    text = _run("--prometheus", "http://127.0.0.1:9")
    assert "LOGS (0)\n  ⚠ no Loki in this context" in text.stdout
    assert "ALERTS, 0 firing (0)\n  ⚠ no Alertmanager in this context" in text.stdout
    as_json = json.loads(_run("--prometheus", "http://127.0.0.1:9", "--json").stdout)
    assert as_json["logs"] == [] and as_json["status"]["logs"]["notes"] == ["no Loki in this context"]
    assert as_json["alerts"] == []
    assert as_json["status"]["alerts"]["notes"] == ["no Alertmanager in this context"]
