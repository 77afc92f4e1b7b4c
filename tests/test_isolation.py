"""Tests run in their own HOME and XDG dirs, never the developer's: nothing written there, and the
developer's config and OPSCONSOLE_* variables change no result."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from opsconsole.config import default_config_path
from opsconsole.mutations.silences import default_journal_path
from opsconsole.server_builds import CACHE_ENV
from tests.conftest import REAL_HOME

ROOT = Path(__file__).resolve().parent.parent
# Tests that write the mutations journal or read the config, as the user's own runs would.
WRITERS = [
    "tests/test_silence_cli.py::test_force_sends_it_and_says_what_it_mutes",
    "tests/test_cli_flags.py::test_context_before_the_command_chooses_the_context",
    "tests/test_cli_flags.py::test_no_command_means_the_console_with_the_flags_given",
]


def _tree(home: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(home)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(home.rglob("*"))
        if p.is_file()
    }


def test_each_test_has_its_own_home_and_xdg_dirs(isolated_home: Path) -> None:
    assert Path.home() == isolated_home != REAL_HOME
    assert default_journal_path().is_relative_to(isolated_home)
    assert default_config_path().is_relative_to(isolated_home)
    # Where the test command built the servers stays: it is the test environment's, not a setting.
    leaked = [n for n in os.environ if (n.startswith("OPSCONSOLE_") or n == "NO_COLOR") and n != CACHE_ENV]
    assert not leaked


def test_a_test_run_writes_nothing_into_the_home_it_was_started_from(tmp_path: Path) -> None:
    home = tmp_path / "developer"
    config = home / ".config" / "opsconsole" / "config.yaml"
    config.parent.mkdir(parents=True)
    # A developer's own setup that would change results if it leaked into the tests.
    config.write_text("current_context: nowhere\ncontexts: {prod: {read_only: true}}\n")
    before = _tree(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "OPSCONSOLE_")) or k == CACHE_ENV}
    env |= {"HOME": str(home), "OPSCONSOLE_READ_ONLY": "1", "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *WRITERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"{len(WRITERS)} passed" in run.stdout
    assert _tree(home) == before
