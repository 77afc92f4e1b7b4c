"""Recordings: what `record` writes is what `snapshot --replay` prints, compactly, capped, without
secrets, and a foreign or newer file is refused with words that say why."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from opsconsole.cli import main
from opsconsole.commands.snapshot import as_json, as_text
from opsconsole.config import (
    AuthSettings,
    ConsoleConfig,
    ContextSettings,
    EndpointSettings,
    ResolvedContext,
)
from opsconsole.core.dashboard import BackendStatus, Dashboard, HealthRow, LogRow, PaneStatus
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.demo.world import NAMESPACE
from opsconsole.launch import demo_options
from opsconsole.recording.moments import parse_moment
from opsconsole.recording.secrets import Redactor
from opsconsole.recording.session import RecordingSession
from opsconsole.recording.store import RecordingError, RecordingReader, RecordingWriter
from tests.support.demo_fixtures import frozen_clock, running_demo

Demo = tuple[DemoStack, DemoUrls]


def demo_board(urls: DemoUrls) -> Dashboard:
    """One refresh of the frozen demo, logs polled as `record` does."""
    options = demo_options(urls, clock=frozen_clock, auto_refresh=False)
    service = options.make_service("demo", options.pack)

    async def once() -> Dashboard:
        try:
            return await service.refresh()
        finally:
            await service.backends.aclose()

    return asyncio.run(once())


def small_board(now: float, *, state: str = "ok", message: str = "hello") -> Dashboard:
    board = Dashboard("prod", "pack", now, 900.0)
    board.health = [HealthRow("npa", "npa-1", state, state != "down", None, {})]  # type: ignore[arg-type]
    board.logs = [LogRow(int(now * 1e9), "info", "npa-1", message, "")]
    board.status = {"health": PaneStatus(updated_at=now, queries=1)}
    return board


def test_a_replayed_snapshot_prints_what_the_live_one_did(
    frozen_demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = demo_board(frozen_demo[1])
    assert board.logs and board.alerts and board.slos and board.health  # a mid-incident board
    path = tmp_path / "incident.opsrec"
    with RecordingWriter(path, context="demo", pack=board.pack) as writer:
        writer.add(board)
    with RecordingReader(path) as reader:
        assert reader.board(reader.frames[0]) == board  # every pane, every alert, every line
    live = replace(board, logs=board.logs[-10:])
    errors = any(s.error for s in board.status.values())
    assert main(["snapshot", "--replay", str(path)]) == (1 if errors else 0)
    assert capsys.readouterr().out == as_text(live) + "\n"
    main(["snapshot", "--replay", str(path), "--json", "--logs", "3"])
    assert json.loads(capsys.readouterr().out) == json.loads(
        json.dumps(as_json(replace(board, logs=board.logs[-3:])))
    )


def test_at_picks_the_refresh_at_or_before_the_moment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.opsrec"
    start = 1_764_000_000.0  # 2025-11-24 16:00:00 UTC
    with RecordingWriter(path, context="prod", pack="pack") as writer:
        for step in range(5):
            writer.add(small_board(start + 60 * step, state="down" if step == 2 else "ok"))
    assert main(["snapshot", "--replay", str(path), "--at", "16:02:30"]) == 0
    assert "✖ DOWN" in capsys.readouterr().out
    assert main(["snapshot", "--replay", str(path), "--at", "+3m"]) == 0
    assert "✖ DOWN" not in capsys.readouterr().out
    assert main(["snapshot", "--replay", str(path), "--at", "15:00"]) == 2
    assert "before the first recorded refresh" in capsys.readouterr().err
    assert main(["snapshot", "--at", "+1m"]) == 2
    assert "--at needs --replay" in capsys.readouterr().err


def test_moments() -> None:
    first, last = 1_764_000_000.0, 1_764_000_600.0
    assert parse_moment("+1m", first, last) == first + 60
    assert parse_moment("-30s", first, last) == last - 30
    assert parse_moment("16:05", first, last) == first + 300
    assert parse_moment("2025-11-24T16:05:00Z", first, last) == first + 300
    assert parse_moment(str(first), first, last) == first
    with pytest.raises(ValueError, match="not a moment"):
        parse_moment("soon", first, last)


def test_unchanged_panes_and_repeated_log_lines_are_stored_once(frozen_demo: Demo, tmp_path: Path) -> None:
    board = demo_board(frozen_demo[1])
    path = tmp_path / "r.opsrec"
    with RecordingWriter(path, context="demo", pack=board.pack) as writer:
        writer.add(board)
        one = writer.used_bytes()
        for step in range(1, 20):
            writer.add(replace(board, now=board.now + 5 * step))
        twenty = writer.used_bytes()
    # The head changes (its time), nothing else does: 19 more refreshes cost a sliver of the first
    # (stored whole, each would cost as much as the first).
    assert (twenty - one) / 19 < 2048, (one, twenty)
    db = sqlite3.connect(path)
    assert db.execute("SELECT sum(count) FROM log_batches").fetchone()[0] == len(board.logs)
    db.close()
    with RecordingReader(path) as reader:
        assert len(reader.frames) == 20
        assert reader.board(reader.frames[-1]).logs == board.logs


def test_the_size_cap_drops_the_oldest_refreshes_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "r.opsrec"
    cap = 256 * 1024
    with RecordingWriter(path, context="prod", pack="pack", max_bytes=cap) as writer:
        for step in range(400):  # each line unique: nothing dedups, the file must grow past the cap
            writer.add(
                small_board(1_764_000_000.0 + 5 * step, message=f"line {step} " + "x" * 2000 * (step % 7))
            )
            assert writer.used_bytes() <= cap + 64 * 1024
        assert "were dropped to keep the file under" in writer.dropped_notice
    assert path.stat().st_size <= cap + 64 * 1024
    with RecordingReader(path) as reader:
        assert reader.info.dropped_frames > 0
        assert reader.frames[-1].at == 1_764_000_000.0 + 5 * 399
        assert reader.frames[0].at > 1_764_000_000.0
        assert len(reader.frames) + reader.info.dropped_frames == 400
        assert reader.board(reader.frames[0]).logs  # the oldest kept frame still has its lines
        assert "dropped" in reader.info.dropped_text()


def test_secrets_are_never_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token, password, header, userinfo = "tok-3f9a8b7c6d", "hunter2-pw", "hdr-secret-77", "urlpass-99"
    monkeypatch.setenv("PROM_TOKEN", token)
    (tmp_path / "pw").write_text(password + "\n")
    settings = ContextSettings(
        prometheus=EndpointSettings(
            url="https://prom.example", auth=AuthSettings(bearer_token_env="PROM_TOKEN")
        ),
        alertmanagers=[
            EndpointSettings(
                url="https://am.example",
                auth=AuthSettings(username="alice", password_file=tmp_path / "pw", headers={"X-Key": header}),
            )
        ],
        loki=EndpointSettings(url=f"https://bob:{userinfo}@loki.example"),
    )
    context = ResolvedContext("prod", settings, ConsoleConfig(), None)
    board = small_board(1_764_000_000.0, message=f"retrying with Authorization: Bearer {token} pw={password}")
    board.backends = [
        BackendStatus("loki", "loki", f"https://bob:{userinfo}@loki.example", error=f"401 {header}")
    ]
    board.notices = [
        "GET https://prom.example/api/v1/query?access_token=opaque-42&query=up failed",
        "federated from https://carol:other-pass-11@thanos.example (not a context endpoint)",
    ]
    journal = tmp_path / "mutations.log"
    journal.write_text("")
    path = tmp_path / "r.opsrec"
    session = RecordingSession.start(
        RecordingWriter(path, context="prod", pack="pack", redactor=Redactor.for_context(context)), journal
    )
    journal.write_text(
        json.dumps(
            {
                "at": "2025-11-24T16:00:01+00:00",
                "peer": f"https://x:{userinfo}@am",
                "method": "POST",
                "path": "/api/v2/silences",
                "body": {"comment": f"token {token}"},
                "outcome": "ok",
            }
        )
        + "\n"
    )
    session.add(board)
    session.close()
    stored = _every_stored_text(path)
    for secret in (token, password, header, userinfo, "opaque-42", "other-pass-11", "carol"):
        assert secret not in stored, secret
    # The host stays, only the userinfo goes.
    assert "[redacted]" in stored and "loki.example" in stored and "thanos.example" in stored
    with RecordingReader(path) as reader:
        (event,) = reader.events("mutation")
        assert event[2]["path"] == "/api/v2/silences" and event[0] == 1_764_000_001.0


def _every_stored_text(path: Path) -> str:
    """The raw bytes of the file plus every compressed blob inflated."""
    texts = [path.read_bytes().decode("latin-1")]
    db = sqlite3.connect(path)
    for table in ("parts", "log_batches", "events"):
        for (data,) in db.execute(f"SELECT data FROM {table}"):  # noqa: S608 - the test's own names
            texts.append(zlib.decompress(data).decode())
    texts.extend(f"{k}={v}" for k, v in db.execute("SELECT key, value FROM meta"))
    db.close()
    return "\n".join(texts)


def test_foreign_and_newer_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    with pytest.raises(RecordingError, match="not an opsconsole recording"):
        RecordingReader(text)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(RecordingError, match="without its tables"):
        RecordingReader(other)
    with pytest.raises(RecordingError, match="not an opsconsole recording"):
        RecordingWriter(other, context="c", pack="p")  # never writes into someone else's database
    newer = tmp_path / "newer.opsrec"
    RecordingWriter(newer, context="c", pack="p").close()
    db = sqlite3.connect(newer)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    db.commit()
    db.close()
    with pytest.raises(RecordingError, match="format 99 was written by a newer opsconsole"):
        RecordingReader(newer)
    with pytest.raises(RecordingError, match="no such file"):
        RecordingReader(tmp_path / "missing.opsrec")


def test_recorded_text_is_sanitised_again_on_replay(tmp_path: Path) -> None:
    """A recording is a file anyone may have edited: its strings go through the models' cleaning."""
    path = tmp_path / "r.opsrec"
    with RecordingWriter(path, context="prod", pack="pack") as writer:
        writer.add(small_board(1_764_000_000.0))
    db = sqlite3.connect(path)
    evil = [
        {
            "ts_ns": 1,
            "level": "info",
            "entity": "npa-1",
            "message": "\x1b]52;c;cm0gLXJmIH4=\x07[red]x",
            "trace_id": "",
        }
    ]
    db.execute("UPDATE log_batches SET data = ?", (zlib.compress(json.dumps(evil).encode()),))
    db.commit()
    db.close()
    with RecordingReader(path) as reader:
        (line,) = reader.board(reader.frames[0]).logs
    assert "\x1b" not in line.message and "\x07" not in line.message


def test_record_command_writes_refreshes_from_the_live_backends(tmp_path: Path) -> None:
    path = tmp_path / "cli.opsrec"
    with running_demo(clock=time.time) as (_stack, urls):
        done = _record(urls, path)
    assert done.returncode == 0, done.stderr
    assert "2 refreshes" in done.stderr
    assert not Path(f"{path}-wal").exists()  # folded into one file when done
    with RecordingReader(path) as reader:
        assert len(reader.frames) == 2
        board = reader.board(reader.frames[-1])
    assert board.alerts and board.logs and board.red and board.context == "default"


def _record(urls: DemoUrls, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "opsconsole",
            "record",
            "--prometheus",
            urls.prometheus,
            "--alertmanager",
            urls.alertmanager,
            "--loki",
            urls.loki,
            "--output",
            str(path),
            "--count",
            "2",
            "--interval",
            "0.1",
            "--var",
            f"namespace={NAMESPACE}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_record_flags_on_the_console_and_wallboard_refuse_a_foreign_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n" * 50)
    flags = ["--prometheus", "http://127.0.0.1:9", "--record", str(notes)]
    assert main(["console", *flags]) == 2
    assert "not an opsconsole recording" in capsys.readouterr().err
    assert main(["wallboard", *flags]) == 2
    assert "not an opsconsole recording" in capsys.readouterr().err
    assert notes.read_text() == "my notes\n" * 50  # untouched
    assert main(["wallboard", "--serve", *flags]) == 2
    assert "run `opsconsole record` beside" in capsys.readouterr().err
