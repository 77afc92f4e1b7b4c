"""Every ``opsconsole`` command line in the README's ``sh`` blocks works as written, on the demo stack.

The examples are read from README.md, not copied here. Only what cannot exist on a test machine is
replaced: the example hosts become the demo stack's URLs, ``SILENCE_ID`` and ``ALERT_FINGERPRINT``
become a real silence and alert, and an optional part (``[--all]``) is run both without and with
it. The examples under "Pointing it at your stack" run with no config file at all, as that section
says; the others with the README's own config example, its URLs pointed at the demo stack.
Interactive commands (the console, the wallboard) run in a real pseudo-terminal until they show
their backends answering, then quit with ``q``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from opsconsole.cli import build_parser
from opsconsole.demo.stack import DemoStack, DemoUrls
from tests.support.ctrl_c import sigint_as_in_a_terminal
from tests.support.demo_fixtures import running_demo
from tests.support.http_client import http_client
from tests.support.pty_session import PtySession

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NO_CONFIG_SECTION = "Pointing it at your stack"
URL_FLAGS = {
    "--prometheus": "prometheus",
    "--alertmanager": "alertmanager",
    "--loki": "loki",
    "--jaeger": "jaeger",
}
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]+$")
OPTIONAL = re.compile(r"\[([^\]]+)\]")


@dataclass(frozen=True)
class Example:
    """One command line of the README and the section it is in."""

    section: str
    line: str

    @property
    def argv(self) -> list[str]:
        """The words after ``opsconsole``."""
        return shlex.split(self.line, comments=True)[1:]


def readme_examples(text: str) -> list[Example]:
    """Every ``opsconsole …`` line of the ``sh`` blocks, continuations joined, optional parts both ways."""
    out: list[Example] = []
    section = ""
    block: list[str] | None = None
    for line in text.splitlines():
        if block is None and line.startswith("#"):
            section = line.lstrip("#").strip()
        elif block is None and line.strip() == "```sh":
            block = []
        elif block is not None and line.strip() == "```":
            for command in "\n".join(block).replace("\\\n", " ").splitlines():
                words = shlex.split(command, comments=True)
                if words and words[0] == "opsconsole":
                    without = shlex.split(OPTIONAL.sub("", command), comments=True)
                    out.append(Example(section, shlex.join(without)))
                    if OPTIONAL.search(command):
                        every = shlex.split(OPTIONAL.sub(r"\1", command), comments=True)
                        out.append(Example(section, shlex.join(every)))
            block = None
        elif block is not None:
            block.append(line)
    return out


EXAMPLES = readme_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_examples_to_run() -> None:
    # A parser that found nothing would make every test below vanish.
    assert len(EXAMPLES) >= 15
    assert any(e.section == NO_CONFIG_SECTION for e in EXAMPLES)


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[DemoStack, DemoUrls]]:
    """A demo stack on the wall clock, as ``opsconsole demo --serve-only`` serves it."""
    with running_demo(clock=time.time) as running:
        yield running


def _readme_config(urls: DemoUrls, home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The README's config example with its URLs on the demo stack and its secrets in place."""
    text = README.read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    config: dict[str, Any] = YAML(typ="safe", pure=True).load(block)
    for context in config["contexts"].values():
        for kind in ("prometheus", "loki", "jaeger"):
            if kind in context:
                context[kind]["url"] = getattr(urls, kind)
        for peer in context.get("alertmanagers", []):
            peer["url"] = urls.alertmanager
        for endpoint in [context.get(k) for k in ("prometheus", "loki", "jaeger")] + context.get(
            "alertmanagers", []
        ):
            for key, value in ((endpoint or {}).get("auth") or {}).items():
                if key.endswith("_env"):
                    monkeypatch.setenv(value, "readme-example-secret")
                elif key.endswith("_file"):
                    secret = Path(value.replace("~", str(home), 1))
                    secret.parent.mkdir(parents=True, exist_ok=True)
                    secret.write_text("readme-example-secret")
    return config


def _silence(urls: DemoUrls, ends: datetime) -> str:
    body = {
        "matchers": [{"name": "agent_id", "value": "wpa-2", "isRegex": False, "isEqual": True}],
        "startsAt": datetime.now(UTC).isoformat(),
        "endsAt": ends.isoformat(),
        "createdBy": "readme",
        "comment": "for the README examples",
    }
    answer = http_client().post(f"{urls.alertmanager}/api/v2/silences", json=body, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["silenceID"])


def _placeholder(name: str, urls: DemoUrls, argv: list[str]) -> str:
    now = datetime.now(UTC)
    if name == "SILENCE_ID":
        ends = now + timedelta(hours=1)
        if "--until" in argv:  # end it before the time the example extends it to
            until = argv[argv.index("--until") + 1]
            if re.fullmatch(r"\d\d:\d\d", until):
                target = now.replace(hour=int(until[:2]), minute=int(until[3:]), second=0, microsecond=0)
                target += timedelta(days=1) if target <= now else timedelta()
                if target - now < timedelta(seconds=10):
                    time.sleep((target - now).total_seconds() + 1)
                    return _placeholder(name, urls, argv)
                ends = min(ends, target - timedelta(seconds=5))
        return _silence(urls, ends)
    if name == "ALERT_FINGERPRINT":
        alerts = http_client().get(f"{urls.alertmanager}/api/v2/alerts", timeout=10).json()
        return str(next(a["fingerprint"] for a in alerts if a["labels"]["alertname"] == "AgentHighLatency"))
    if name == "TRACE_ID":  # a trace of the demo's, as a user would copy it from a log line
        params = {"service": "progressive-framework-npa", "limit": "1"}
        traces = http_client().get(f"{urls.jaeger}/api/traces", params=params, timeout=10).json()["data"]
        return str(traces[0]["traceID"])
    raise AssertionError(f"the README uses a placeholder this test does not know: {name}")


def _argv(example: Example, urls: DemoUrls, recordings: Path) -> list[str]:
    words = example.argv
    out: list[str] = []
    for index, word in enumerate(words):
        previous = words[index - 1] if index else ""
        if word.endswith(".opsrec"):  # a recording: in the test's folder, not the checkout
            out.append(str(recordings / word))
        elif previous in URL_FLAGS:
            out.append(getattr(urls, URL_FLAGS[previous]))
        elif PLACEHOLDER.match(word):
            out.append(_placeholder(word, urls, words))
        else:
            out.append(word)
    return out


def _interactive(argv: list[str]) -> bool:
    """Whether the command opens a screen (the console, a wallboard, the demo) rather than printing."""
    args = build_parser().parse_args(argv)
    if args.command == "wallboard":
        return not args.serve
    if args.command == "demo":
        return not args.serve_only
    return bool(args.command in ("console", "replay"))


def _record_until_interrupted(argv: list[str], path: Path) -> None:
    """``opsconsole record`` runs until Ctrl-C: stopped so once its first refresh is in the file."""
    from opsconsole.recording.store import RecordingError, RecordingReader

    with subprocess.Popen(
        [sys.executable, "-m", "opsconsole", *argv],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    ) as proc:
        try:
            deadline = time.monotonic() + 60
            frames = 0
            while frames == 0 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.5)
                try:
                    with RecordingReader(path) as reader:
                        frames = len(reader.frames)
                except RecordingError:
                    frames = 0
            assert frames > 0, "no refresh recorded within a minute"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()


def _ensure_recording(path: Path) -> None:
    """The examples that read a recording get one, made the way the README makes it."""
    if not path.exists():
        argv = ["record", "--output", str(path), "--count", "2", "--interval", "0.5"]
        done = subprocess.run(
            [sys.executable, "-m", "opsconsole", *argv], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr


def _run_in_terminal(argv: list[str]) -> None:
    session = PtySession(PtySession.python("-m", "opsconsole", *argv), size=(160, 45))
    try:
        # Backends answering in the header: the flags, the env or the config were used.
        session.wait_for("prometheus ●".encode(), timeout=60)
        session.send(b"q")
        assert session.wait_exit(timeout=30) == 0
    finally:
        session.close()


def _serve_only(argv: list[str]) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "opsconsole", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    ) as server:
        try:
            assert server.stdout is not None
            printed = []
            for line in server.stdout:
                printed.append(line.split())
                if line.startswith("serving"):
                    break
            urls = {w[0]: w[1] for w in printed if len(w) == 2 and w[0] in URL_FLAGS.values()}
            assert set(urls) == set(URL_FLAGS.values()), printed
            assert http_client().get(f"{urls['alertmanager']}/api/v2/status", timeout=10).status_code == 200
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=30) == 0
        finally:
            server.kill()


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the examples' recording files go (shared: a later example reads what record wrote)."""
    return tmp_path_factory.mktemp("recordings")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.line)
def test_readme_example_works_as_written(
    example: Example,
    demo: tuple[DemoStack, DemoUrls],
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    recordings: Path,
) -> None:
    _, urls = demo
    if example.section != NO_CONFIG_SECTION:
        config = _readme_config(urls, isolated_home, monkeypatch)
        path = Path(os.environ["XDG_CONFIG_HOME"]) / "opsconsole" / "config.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            YAML().dump(config, handle)
    argv = _argv(example, urls, recordings)
    files = [Path(word) for word in argv if word.endswith(".opsrec")]
    if argv[0] == "record":
        _record_until_interrupted(argv, files[0])
        return
    for path in files:
        _ensure_recording(path)
    if "--serve-only" in argv:
        _serve_only(argv)
    elif _interactive(argv):
        _run_in_terminal(argv)
    else:
        result = subprocess.run(
            [sys.executable, "-m", "opsconsole", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        shown = f"{example.line}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        assert result.returncode == 0, shown
        # The demo stack answers every example: a backend that did not answer in time (the
        # timeline over 2 h once printed "Prometheus: timeout: no answer within 10s" and exited 0)
        # is an example that did not work as written.
        assert "no answer within" not in result.stdout + result.stderr, shown
