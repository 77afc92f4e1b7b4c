"""The installed commands hold the cycle collector off while they start; when start-up is over (a
console's first board, or a timer) it collects what start-up left, freezes the survivors and is
on again (opsconsole/startup_collector.py). Each case runs in a child interpreter: the collector
is process-wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _child(script: str) -> Any:
    """Run ``script`` in a fresh interpreter; it prints one JSON value last."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=os.environ, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_held_then_resumed_once_collecting_what_start_up_left() -> None:
    seen = _child(
        """
import gc, json, time, weakref
from opsconsole import startup_collector
startup_collector.hold_during_start_up(0.2)
held = not gc.isenabled()
class Node: pass
node = Node(); node.me = node; ref = weakref.ref(node); del node  # garbage only a pass can free
alive_while_held = ref() is not None
# The timer fires after 0.2 s; the deadline only bounds a broken build.
deadline = time.monotonic() + 60
while not gc.isenabled() and time.monotonic() < deadline:
    time.sleep(0.01)
print(json.dumps({
    "held": held, "alive_while_held": alive_while_held, "on_again": gc.isenabled(),
    "collected": ref() is None, "frozen": gc.get_freeze_count(),
}))
"""
    )
    assert seen["held"], "hold_during_start_up left the collector on"
    assert seen["alive_while_held"], "a cycle was freed while held: the collector was not off"
    assert seen["on_again"], "the collector was never turned back on"
    assert seen["collected"], "start-up's garbage was frozen instead of collected"
    assert seen["frozen"] > 1000, "the survivors were not frozen"


def test_the_consoles_first_board_ends_start_up_before_the_timer() -> None:
    seen = _child(
        """
import asyncio, gc, json, time, weakref
from opsconsole import startup_collector
startup_collector.hold_during_start_up(3600)  # only the board can end it within this test
from opsconsole.demo.urls import DemoUrls
from opsconsole.launch import demo_options
from opsconsole.ui.app import OpsConsoleApp
class Node: pass
node = Node(); node.me = node; ref = weakref.ref(node); del node
dead = "http://127.0.0.1:9"  # refused at once: the first board comes quickly, all errors
app = OpsConsoleApp(demo_options(DemoUrls(dead, dead, dead, dead), auto_refresh=False))
seen = {}
async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        seen["held_before_board"] = not gc.isenabled()
        deadline = time.monotonic() + 60  # bounds a broken build only
        while not (app.board is not None and gc.isenabled()) and time.monotonic() < deadline:
            await pilot.pause(0.01)
        seen["board"] = app.board is not None
        seen["on_again"] = gc.isenabled()
asyncio.run(main())
seen["collected"] = ref() is None
print(json.dumps(seen))
"""
    )
    assert seen == {"held_before_board": True, "board": True, "on_again": True, "collected": True}


def test_a_program_running_without_the_collector_keeps_it_off() -> None:
    seen = _child(
        """
import gc, json, threading
from opsconsole import startup_collector
gc.disable()
startup_collector.hold_during_start_up(0.01)
startup_collector.settle()  # what the timer would do, had one been started
print(json.dumps({
    "on": gc.isenabled(),
    "timers": [t.name for t in threading.enumerate() if t.name.startswith("opsconsole-")],
}))
"""
    )
    assert seen == {"on": False, "timers": []}


def test_the_commands_hold_it_before_importing_and_the_library_call_does_not() -> None:
    seen = _child(
        """
import gc, json, runpy, sys
import opsconsole.entry_points
before = sorted({m.split(".")[0] for m in sys.modules} & {"pydantic", "httpx", "requests", "textual"})
sys.argv = ["opsconsole", "--version"]
try:
    runpy.run_module("opsconsole", run_name="__main__")
except SystemExit as exit:
    code = exit.code
as_command = gc.isenabled()
print(json.dumps({"imported_first": before, "code": code, "on_as_command": as_command}))
"""
    )
    assert seen == {"imported_first": [], "code": 0, "on_as_command": False}
    library = _child(
        """
import contextlib, gc, io, json
from opsconsole.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["--version"])
    except SystemExit:
        pass
print(json.dumps(gc.isenabled()))
"""
    )
    assert library is True, "opsconsole.cli.main turned the caller's collector off"


def test_the_installed_scripts_are_the_holding_entry_points() -> None:
    from opsconsole import entry_points

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {
        "opsconsole": "opsconsole.entry_points:opsconsole",
        "kubectl-opsconsole": "opsconsole.entry_points:kubectl_opsconsole",
    }
    for target in scripts.values():
        assert callable(getattr(entry_points, target.split(":")[1]))
