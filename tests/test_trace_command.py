"""`opsconsole trace ID`: a broken trace printed whole, with every warning, as text and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.loopback_http import Received, Reply, scripted_server

FIXTURES = Path(__file__).parent / "fixtures" / "jaeger"
TID = "7c3d9a1e5b2f48a0b1c2d3e4f5061728"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path)}
    env.update(
        {k: str(tmp_path / k.lower()) for k in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    )
    env = {k: v for k, v in env.items() if not k.startswith("OPSCONSOLE_")}
    return subprocess.run(
        [sys.executable, "-m", "opsconsole", "trace", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _jaeger(request: Received) -> Reply:
    if urlsplit(request.path).path == f"/api/traces/{TID}":
        return Reply(200, (FIXTURES / "v1-broken-trace.json").read_text())
    return Reply(404, (FIXTURES / "v1-not-found.json").read_text(), {"Content-Type": "text/plain"})


def test_json_carries_every_span_reference_and_warning(tmp_path: Path) -> None:
    with scripted_server(_jaeger) as server:
        result = _run(tmp_path, TID, "--jaeger", server.url, "--json")
    assert result.returncode == 0, result.stderr
    trace = json.loads(result.stdout)
    assert trace["span_count"] == len(trace["spans"]) == 9
    assert trace["root"]["operation"] == "POST /v1/plans"
    assert trace["warnings"] == ["invalid parent span IDs=ffffffffffffffff; skipping clock skew adjustment"]
    problems = " | ".join(trace["problems"])
    for said in ("parent cycle of 2 spans", "whose parent is not in this trace", "without a usable start"):
        assert said in problems
    spans = {s["operation"]: s for s in trace["spans"]}
    execute = spans["plan.execute"]
    assert [(r["ref_type"], r["span_id"], r["in_this_trace"]) for r in execute["references"]] == [
        ("CHILD_OF", "a1b2c3d4e5f60718", True),
        ("FOLLOWS_FROM", "0f1e2d3c4b5a6978", True),
        ("FOLLOWS_FROM", "0000000000000004", False),
    ]
    select = spans["SELECT plans"]
    assert select["start_estimated"] and select["start_us"] == execute["start_us"]
    assert [m["kind"] for m in select["repairs"]] == ["no_start"] and select["notes"] == ["startTime missing"]
    assert spans["cache.refresh"]["repairs"][0]["kind"] == "cycle"


def test_text_shows_the_tree_the_warnings_and_the_references(tmp_path: Path) -> None:
    with scripted_server(_jaeger) as server:
        result = _run(tmp_path, TID, "--jaeger", server.url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"trace {TID} · api-gateway: POST /v1/plans · 40.0ms · 9 spans · 2 errors")
    assert lines[1] == "⚠ Jaeger: invalid parent span IDs=ffffffffffffffff; skipping clock skew adjustment"
    assert any(line.startswith("⚠ parent cycle of 2 spans") for line in lines)
    assert any("≈+5.0ms" in line and "postgres: SELECT plans" in line for line in lines)
    assert any(
        "↳ FOLLOWS_FROM 0000000000000004 in trace 00000000000000000000000000000226" in x for x in lines
    )
    assert "\x1b" not in result.stdout


def test_an_unknown_trace_is_exit_code_1_with_the_reason(tmp_path: Path) -> None:
    with scripted_server(_jaeger) as server:
        result = _run(tmp_path, "abc", "--jaeger", server.url)
    assert result.returncode == 1
    assert "trace 00000000000000000000000000000abc not found" in result.stderr
    assert _run(tmp_path, TID).returncode == 2  # no Jaeger configured: said, not a traceback
