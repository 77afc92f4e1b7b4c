"""The test command spreads the suite over one process per core unless told how, and .ci/run runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.devenv import parallel_args

ROOT = Path(__file__).resolve().parent.parent


def test_the_suite_runs_one_process_per_core_with_files_kept_whole() -> None:
    assert parallel_args([]) == ["-n", "auto", "--dist", "loadfile"]
    assert parallel_args(["tests/test_soak.py", "-x"]) == [
        "-n",
        "auto",
        "--dist",
        "loadfile",
        "tests/test_soak.py",
        "-x",
    ]


@pytest.mark.parametrize(
    "chosen",
    [
        ["-n", "0"],
        ["-n4"],
        ["--numprocesses=3"],
        ["--dist", "load"],
        ["--dist=loadgroup"],
        ["-p", "no:xdist"],
    ],
)
def test_a_choice_of_the_caller_is_kept(chosen: list[str]) -> None:
    assert parallel_args(["-q", *chosen]) == ["-q", *chosen]


def test_ci_runs_the_readme_test_command() -> None:
    command = "python3 -m opsconsole.devenv test"
    assert command in (ROOT / "README.md").read_text()
    assert (ROOT / ".ci" / "run").read_text().splitlines()[-1] == f"exec {command}"
