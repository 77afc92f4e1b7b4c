"""Set up a working environment from a clean checkout and run the demo or the test suite.

Run with a bare interpreter, before anything is installed::

    python3 -m opsconsole.devenv demo     # the console on the simulated stack
    python3 -m opsconsole.devenv test     # lint, type-check and the whole test suite (2 processes a core)
    python3 -m opsconsole.devenv test --under-load  # the same with all cores but one kept busy
    python3 -m opsconsole.devenv servers  # only build the Go test servers (see server_builds.py)

It creates ``.venv`` (installing Debian's ``python3-venv`` when the interpreter
lacks ``ensurepip`` and we are root), installs the package in it (re-installing
only when ``pyproject.toml`` changed), and for ``test`` installs Debian's
``prometheus``, ``prometheus-alertmanager``, ``prometheus-node-exporter``, ``chromium`` and ``tmux``
when they are missing,
because the integration tests start real servers and load the served wallboard in a
real browser. It also builds the current Prometheus, Alertmanager and Jaeger v2 from the Go module
proxy into a cache (``opsconsole/server_builds.py``), since the suite runs against those as well.
Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
# Versions of every package from a green run, so a run can be reproduced (header says how to renew).
CONSTRAINTS = ROOT / "constraints" / "test.txt"
# Binary the tests run -> the Debian package that provides it.
TEST_BINARIES = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "amtool": "prometheus-alertmanager",
    # The browser wallboard test loads the page in headless Chromium.
    "chromium": "chromium",
    # The terminal tests run the console inside a real tmux.
    "tmux": "tmux",
    # The built-in kubernetes pack is run against a real node-exporter.
    "prometheus-node-exporter": "prometheus-node-exporter",
}


def _say(message: str) -> None:
    print(f"[devenv] {message}", flush=True)


def _run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> int:
    _say("$ " + " ".join(cmd))
    return subprocess.call(cmd, cwd=cwd, env=env)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


_apt_updated = False


def _apt_install(packages: list[str]) -> None:
    global _apt_updated
    if not shutil.which("apt-get"):
        sys.exit(f"[devenv] missing {', '.join(packages)} and no apt-get here: install them and retry")
    prefix = [] if _is_root() else (["sudo"] if shutil.which("sudo") else [])
    if not _is_root() and not prefix:
        sys.exit(f"[devenv] missing {', '.join(packages)}: run as root or install them with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        _run([*prefix, "apt-get", "update", "-qq"], env=env)
        _apt_updated = True
    if _run([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], env=env) != 0:
        sys.exit(f"[devenv] apt-get could not install {', '.join(packages)}")


def ensure_venv() -> None:
    """Create ``.venv`` if needed."""
    if (BIN / "python").exists():
        return
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        _apt_install([f"python{version}-venv"])
    if _run([sys.executable, "-m", "venv", str(VENV)]) != 0:
        sys.exit("[devenv] could not create the virtual environment")


def ensure_installed(extras: str) -> None:
    """Install the package (editable) with ``extras`` when pyproject or extras changed."""
    stamp = VENV / ".opsconsole-install"
    pins = CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + pins + extras.encode()).hexdigest()
    previous = stamp.read_text().split() if stamp.exists() else []
    if digest in previous:
        return
    spec = f".[{extras}]" if extras else "."
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    if (
        _run([*pip, "install", "-U", "pip"], cwd=ROOT) != 0
        or _run([*pip, "install", *(["-c", str(CONSTRAINTS)] if pins else []), "-e", spec], cwd=ROOT) != 0
    ):
        sys.exit("[devenv] pip install failed (see above)")
    # Remember every extras set installed for this pyproject, so demo and test don't reinstall each other.
    stamp.write_text("\n".join([*previous[-5:], digest]) + "\n")


def ensure_servers() -> None:
    """Install what the tests run for real (Prometheus, Alertmanager, Chromium) when missing."""
    missing = [b for b in TEST_BINARIES if not shutil.which(b)]
    if missing:
        _say(f"installing Debian packages for {', '.join(missing)}")
        _apt_install(sorted({TEST_BINARIES[b] for b in missing}))


# Arguments that say how (or whether) pytest-xdist spreads the tests: the caller's choice is kept.
_XDIST_CHOICES = ("-n", "--numprocesses", "--dist", "no:xdist", "-pno:xdist")


# Test processes per core. Much of the suite waits rather than computes (servers starting, scrapes,
# rule evaluations, deadlines): with one process per core the two cores of a quiet machine were busy
# about 57% of a whole run, so a second process per core computes while the first waits.
PROCESSES_PER_CORE = 2


def test_processes() -> int:
    """How many pytest-xdist processes the test command starts: ``PROCESSES_PER_CORE`` per core."""
    return PROCESSES_PER_CORE * (os.cpu_count() or 1)


def parallel_args(pytest_args: list[str]) -> list[str]:
    """``pytest_args`` with two test processes per core added, unless the caller chose already.

    Files are kept whole (``--dist loadfile``): a file's module fixtures (a real deployment, a
    demo stack) start once, in the one process that runs its tests. Much of the suite waits on
    servers and deadlines rather than on the CPU, so more processes than cores overlap the waits.
    """
    if any(arg.split("=")[0] in _XDIST_CHOICES or arg.startswith("-n") for arg in pytest_args):
        return pytest_args
    return ["-n", str(test_processes()), "--dist", "loadfile", *pytest_args]


def run_tests(pytest_args: list[str]) -> int:
    """Lint, type-check, then the whole pytest suite (two processes per core); non-zero if any step fails."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    # Bytecode is written for this run whatever the shell says: without it each of the four test
    # processes rewrote and compiled every test module as it collected them (17 s of CPU a
    # collection against 7 s), and each console process the tests start compiled opsconsole again.
    # __pycache__ is ignored by git.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    failures = []
    for name, cmd in (
        ("ruff check", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("mypy", [str(BIN / "mypy"), "opsconsole"]),
    ):
        if _run(cmd, cwd=ROOT, env=env) != 0:
            failures.append(name)
    code = _run([str(BIN / "python"), "-m", "pytest", *parallel_args(pytest_args)], cwd=ROOT, env=env)
    if failures:
        _say(f"FAILED: {', '.join(failures)}")
        return code or 1
    return code


# A process that keeps one core busy until it is killed (the --under-load test run).
_BUSY_LOOP = "while True: pass"


@contextmanager
def cores_kept_busy() -> Iterator[int]:
    """Keep every core but one busy for the block (one spinning process each); yields how many.

    The suite must hold on a loaded machine (CI runners, a laptop building something): a test
    whose timeout follows the machine's speed rather than the fault under test fails here.
    """
    count = max(1, (os.cpu_count() or 2) - 1)
    spinners = [subprocess.Popen([sys.executable, "-c", _BUSY_LOOP]) for _ in range(count)]
    _say(f"under load: {count} busy process(es) {', '.join(str(p.pid) for p in spinners)}")
    try:
        yield count
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
        _say("under load: busy processes stopped")


def main(argv: list[str]) -> int:
    """``demo [args]``, ``test [--under-load] [pytest args]`` or ``servers``."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run by a bare, possibly old, python3
        sys.exit("[devenv] opsconsole needs Python 3.11 or newer")
    if not argv or argv[0] not in {"demo", "test", "servers"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    from opsconsole import server_builds  # after the version check: it needs 3.11 too

    if command == "servers":
        return server_builds.main(rest)
    ensure_venv()
    if command == "demo":
        ensure_installed("")
        os.execv(str(BIN / "opsconsole"), [str(BIN / "opsconsole"), "demo", *rest])  # noqa: S606
    ensure_installed("test")
    ensure_servers()
    # A server that cannot be built fails the run here, with the reason; its tests would fail anyway.
    if server_builds.main([]) != 0:
        return 1
    if "--under-load" in rest:
        with cores_kept_busy():
            return run_tests([a for a in rest if a != "--under-load"])
    return run_tests(rest)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
