"""The test command spreads the suite over two processes per core unless told how, and .ci/run runs it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from opsconsole import devenv
from opsconsole.devenv import parallel_args

ROOT = Path(__file__).resolve().parent.parent


def test_the_suite_runs_two_processes_per_core_with_files_kept_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert parallel_args([]) == ["-n", "4", "--dist", "loadfile"]
    assert parallel_args(["tests/test_soak.py", "-x"]) == [
        "-n",
        "4",
        "--dist",
        "loadfile",
        "tests/test_soak.py",
        "-x",
    ]
    monkeypatch.setattr("os.cpu_count", lambda: None)  # unknown: as one core
    assert parallel_args([])[:2] == ["-n", "2"]


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


def test_the_suite_writes_bytecode_even_where_the_shell_says_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    runs: list[tuple[list[str], dict[str, str]]] = []

    def run(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> int:
        runs.append((cmd, env))
        return 0

    monkeypatch.setattr(devenv, "_run", run)
    assert devenv.run_tests(["-x"]) == 0
    pytest_runs = [env for cmd, env in runs if cmd[1:3] == ["-m", "pytest"]]
    assert len(pytest_runs) == 1
    assert "PYTHONDONTWRITEBYTECODE" not in pytest_runs[0]
    assert pytest_runs[0]["PATH"].startswith(str(devenv.BIN))


def test_ci_runs_the_readme_test_command() -> None:
    command = "python3 -m opsconsole.devenv test"
    assert command in (ROOT / "README.md").read_text()
    assert (ROOT / ".ci" / "run").read_text().splitlines()[-1] == f"exec {command}"


class _Worker:
    """Enough of an xdist worker for its scheduler: records the tests it is sent."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        pass


def test_the_long_files_are_handed_out_first(pytestconfig: pytest.Config) -> None:
    """The scheduler the test command uses keeps conftest's order (the long files first), where
    xdist's default sorted files by their number of tests and started the many quick ones first."""
    from xdist.scheduler import LoadFileScheduling

    collection = [
        "tests/test_soak.py::test_memory_is_flat_once_the_buffers_are_full",
        "tests/test_wallboard.py::test_one",
        *(f"tests/test_cli_flags.py::test_{i}" for i in range(5)),
    ]
    config = SimpleNamespace(option=pytestconfig.option, getvalue=lambda name: ["2*popen"])
    scheduler = LoadFileScheduling(config)  # type: ignore[arg-type]
    workers = [_Worker("gw0"), _Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)  # type: ignore[arg-type]
        scheduler.add_node_collection(worker, collection)  # type: ignore[arg-type]
    scheduler.schedule()
    assert [collection[i] for i in workers[0].sent[:1]] == [collection[0]]
    assert [collection[i] for i in workers[1].sent[:1]] == [collection[1]]


def test_a_long_file_is_not_queued_behind_another_long_file(pytestconfig: pytest.Config) -> None:
    """A process busy with a long file of one test (a soak) is handed a short file next, and the
    other soak waits for a process that is not busy with a long file; xdist's own scheduler queued
    the second soak behind the first in one process, since a process with two tests or fewer left
    is given the next file at once."""
    from tests.support.long_files_apart import LongFilesApart

    collection = [
        *(f"tests/test_fault_matrix.py::test_{i}" for i in range(5)),
        "tests/test_soak.py::test_memory_is_flat_once_the_buffers_are_full",
        "tests/test_soak_sees_a_leak.py::test_a_leak_of_twenty_kib_per_refresh_fails_the_soak",
        *(f"tests/test_cli_flags.py::test_{i}" for i in range(3)),
        *(f"tests/test_config.py::test_{i}" for i in range(3)),
    ]
    long_files = ("test_fault_matrix.py", "test_soak.py", "test_soak_sees_a_leak.py")
    config = SimpleNamespace(option=pytestconfig.option, getvalue=lambda name: ["2*popen"])
    scheduler = LongFilesApart(config, long_files=long_files)  # type: ignore[arg-type]
    workers = [_Worker("gw0"), _Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)  # type: ignore[arg-type]
        scheduler.add_node_collection(worker, collection)  # type: ignore[arg-type]
    scheduler.schedule()

    def files(worker: _Worker) -> list[str]:
        return list(dict.fromkeys(collection[i].split("::")[0].split("/")[-1] for i in worker.sent))

    assert files(workers[0]) == ["test_fault_matrix.py"]
    assert files(workers[1]) == ["test_soak.py", "test_cli_flags.py"]
    # The soak done and a short test with it, gw1 is the process free of long files: the other soak.
    scheduler.mark_test_complete(workers[1], collection.index(collection[5]))  # type: ignore[arg-type]
    scheduler.mark_test_complete(workers[1], collection.index(collection[7]))  # type: ignore[arg-type]
    assert files(workers[1]) == ["test_soak.py", "test_cli_flags.py", "test_soak_sees_a_leak.py"]
