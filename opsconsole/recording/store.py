"""The recording file: one SQLite database, written in WAL mode so that a reader (or a copy made with
``sqlite3 FILE .backup``) always sees whole refreshes, and folded back into one file when closed.

Tables: ``meta`` (format, version, context, pack, size cap, what was dropped), ``frames`` (one row a
refresh: its time), ``frame_parts`` (which stored part each pane of the frame is), ``parts``
(zlib-compressed JSON, content-addressed: an unchanged pane is stored once), ``log_batches`` (each log
line once, the new lines of a refresh compressed together; a frame lists its lines as id ranges) and
``events`` (every change sent: the mutation journal's entries). Every string passes
:class:`~opsconsole.recording.secrets.Redactor` first.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsconsole import __version__
from opsconsole.core.dashboard import Dashboard
from opsconsole.recording.codec import (
    DecodeError,
    board_from_parts,
    board_parts,
    decode,
    digest,
    encode,
    expand_ranges,
    id_ranges,
    log_plain,
)
from opsconsole.recording.secrets import Redactor

FORMAT = "opsconsole-recording"
VERSION = 1
APPLICATION_ID = 0x4F505343  # "OPSC": `file` and sqlite3 tell our files from other SQLite databases
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DROP_SHARE = 0.1  # when over the cap, the oldest tenth of the frames goes at once (not one per refresh)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY, at REAL NOT NULL, first_line INTEGER);
CREATE INDEX IF NOT EXISTS frames_at ON frames (at);
CREATE TABLE IF NOT EXISTS parts (hash TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS frame_parts (
    frame_id INTEGER NOT NULL, part TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (frame_id, part)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS frame_parts_hash ON frame_parts (hash);
CREATE TABLE IF NOT EXISTS log_batches (
    first_id INTEGER PRIMARY KEY, count INTEGER NOT NULL, data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, data BLOB NOT NULL
);
"""


class RecordingError(Exception):
    """A file that is not a recording this opsconsole can read or write (the message says why)."""


@dataclass(frozen=True)
class FrameRef:
    """One recorded refresh: its row id and the dashboard's time."""

    id: int
    at: float


@dataclass(frozen=True)
class RecordingInfo:
    """What the file says about itself."""

    version: int
    context: str
    pack: str
    created_at: float
    max_bytes: int
    dropped_frames: int
    dropped_until: float | None
    writer: str

    def dropped_text(self) -> str:
        """ "" or "the oldest 1200 refreshes (until ...) were dropped to keep the file under 256 MiB"."""
        if not self.dropped_frames:
            return ""
        until = "" if self.dropped_until is None else f" (until {_utc(self.dropped_until)})"
        return (
            f"the oldest {self.dropped_frames} refreshes{until} were dropped to keep the file under "
            f"{self.max_bytes / 1024 / 1024:g} MiB"
        )


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    try:
        if read_only:
            if not path.is_file():
                raise RecordingError(f"{path}: no such file")
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            connection = sqlite3.connect(path)
        connection.execute("PRAGMA busy_timeout = 5000")
        return connection
    except sqlite3.Error as exc:
        raise RecordingError(f"{path}: cannot open: {exc}") from None


def _check_meta(path: Path, connection: sqlite3.Connection) -> dict[str, str]:
    """The file's meta table, or a clear error for a foreign or newer file."""
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError:
        raise RecordingError(f"{path}: not an opsconsole recording (not an SQLite database)") from None
    if "meta" not in tables:
        raise RecordingError(f"{path}: not an opsconsole recording (an SQLite database without its tables)")
    meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("format") != FORMAT:
        raise RecordingError(f"{path}: not an opsconsole recording (format {meta.get('format')!r})")
    try:
        version = int(meta.get("version", ""))
    except ValueError:
        raise RecordingError(f"{path}: damaged recording (version {meta.get('version')!r})") from None
    if version > VERSION:
        raise RecordingError(
            f"{path}: recording format {version} was written by a newer opsconsole "
            f"({meta.get('writer', '?')}); "
            f"this one ({__version__}) reads format {VERSION} and older: upgrade opsconsole to read it"
        )
    return meta


class RecordingWriter:
    """Appends refreshes and events to a recording, dropping the oldest refreshes over ``max_bytes``."""

    def __init__(
        self,
        path: Path,
        *,
        context: str,
        pack: str,
        redactor: Redactor | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        self.max_bytes = max_bytes
        # Recent lines' ids by content key, and by the row object itself (a refresh hands back the same
        # LogRow objects for the lines it kept: no need to encode them again).
        self._line_ids: OrderedDict[str, int] = OrderedDict()
        self._row_ids: OrderedDict[int, tuple[Any, int]] = OrderedDict()
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists() or path.stat().st_size == 0
        self.db = _connect(path, read_only=False)
        try:
            if fresh:
                self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # dropped frames give their pages back
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            else:
                _check_meta(path, self.db)
            self.db.execute("PRAGMA journal_mode = WAL")
            self._next_line = 1
            self.db.execute("PRAGMA synchronous = NORMAL")
            with self.db:
                self.db.executescript(SCHEMA)
                defaults = {
                    "format": FORMAT,
                    "version": str(VERSION),
                    "writer": f"opsconsole {__version__}",
                    "created_at": repr(clock()),
                    "context": self.redactor.text(context),
                    "pack": pack,
                    "dropped_frames": "0",
                }
                self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", defaults.items())
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('max_bytes', ?)", (str(max_bytes),))
                last = self.db.execute("SELECT max(first_id + count) FROM log_batches").fetchone()[0]
                self._next_line = int(last or 1)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise RecordingError(f"{path}: not an opsconsole recording ({exc})") from None
        except RecordingError:
            self.db.close()
            raise
        self.dropped_notice = ""

    # -- writing ------------------------------------------------------------------------------

    def add(self, board: Dashboard) -> FrameRef:
        """Record one refresh (its time is the board's). Over the cap, the oldest refreshes go and
        :attr:`dropped_notice` says so."""
        parts = board_parts(board, self.redactor.text)
        with self.db:
            new_lines: list[Any] = []
            line_ids = [self._line_id(line, new_lines) for line in board.logs]
            if new_lines:
                self.db.execute(
                    "INSERT INTO log_batches VALUES (?, ?, ?)",
                    (self._next_line - len(new_lines), len(new_lines), encode(new_lines)),
                )
            cursor = self.db.execute(
                "INSERT INTO frames (at, first_line) VALUES (?, ?)",
                (board.now, min(line_ids) if line_ids else None),
            )
            frame_id = int(cursor.lastrowid or 0)
            stored = [(name, self._part(value)) for name, value in parts.items()]
            stored.append(("logs", self._part(id_ranges(line_ids))))
            self.db.executemany(
                "INSERT INTO frame_parts VALUES (?, ?, ?)", [(frame_id, name, h) for name, h in stored]
            )
        self._keep_under_cap()
        return FrameRef(frame_id, board.now)

    def add_event(self, kind: str, at: float, data: dict[str, Any]) -> None:
        """Record something that happened between refreshes (``mutation``: a change sent)."""
        with self.db:
            self.db.execute(
                "INSERT INTO events (at, kind, data) VALUES (?, ?, ?)",
                (at, kind, encode(self.redactor.value(data))),
            )

    def _part(self, value: Any) -> str:
        data = encode(value)
        key = digest(data)
        self.db.execute("INSERT OR IGNORE INTO parts VALUES (?, ?)", (key, data))
        return key

    def _line_id(self, line: Any, new_lines: list[Any]) -> int:
        """The id of ``line``: a line seen before keeps its id, a new one joins this frame's batch."""
        seen = self._row_ids.get(id(line))
        if seen is not None and seen[0] is line:
            return seen[1]
        plain = log_plain(line, self.redactor.text)
        key = digest(json.dumps(plain, separators=(",", ":"), default=str).encode("utf-8"))
        line_id = self._line_ids.get(key)
        if line_id is None:
            line_id = self._next_line
            self._next_line += 1
            new_lines.append(plain)
            self._line_ids[key] = line_id
            while len(self._line_ids) > 20_000:
                self._line_ids.popitem(last=False)
        self._row_ids[id(line)] = (line, line_id)  # the row is held, so its id() is not reused
        while len(self._row_ids) > 20_000:
            self._row_ids.popitem(last=False)
        return line_id

    # -- the cap ------------------------------------------------------------------------------

    def used_bytes(self) -> int:
        """Bytes the data takes in the file (pages in use, not the free ones awaiting reuse)."""
        page_size = self.db.execute("PRAGMA page_size").fetchone()[0]
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * page_size)

    def _keep_under_cap(self) -> None:
        if self.used_bytes() <= self.max_bytes:
            return
        with self.db:
            count = self.db.execute("SELECT count(*) FROM frames").fetchone()[0]
            drop = max(1, int(count * DROP_SHARE))
            if drop >= count:
                drop = count - 1  # the newest refresh always stays
            if drop <= 0:
                return
            last_id, last_at = self.db.execute(
                "SELECT id, at FROM frames ORDER BY id LIMIT 1 OFFSET ?", (drop - 1,)
            ).fetchone()
            self.db.execute("DELETE FROM frames WHERE id <= ?", (last_id,))
            self.db.execute("DELETE FROM frame_parts WHERE frame_id <= ?", (last_id,))
            self.db.execute("DELETE FROM parts WHERE hash NOT IN (SELECT hash FROM frame_parts)")
            first_line = self.db.execute("SELECT min(first_line) FROM frames").fetchone()[0]
            if first_line is not None:  # batches wholly before the oldest line still shown
                self.db.execute("DELETE FROM log_batches WHERE first_id + count <= ?", (first_line,))
                self._line_ids = OrderedDict((k, v) for k, v in self._line_ids.items() if v >= first_line)
                self._row_ids = OrderedDict((k, v) for k, v in self._row_ids.items() if v[1] >= first_line)
            self.db.execute("DELETE FROM events WHERE at < ?", (last_at,))
            dropped = int(self.db.execute("SELECT value FROM meta WHERE key='dropped_frames'").fetchone()[0])
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'dropped_frames'", (str(dropped + drop),))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('dropped_until', ?)", (repr(last_at),))
        self.db.execute("PRAGMA incremental_vacuum")
        self.dropped_notice = RecordingReader.info_from(self.path, self.db).dropped_text()

    def close(self) -> None:
        """Fold the write-ahead log into the file: one file to copy."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("PRAGMA journal_mode = DELETE")
        finally:
            self.db.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordingReader:
    """Reads a recording: its frames, the dashboard of each, its events."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = _connect(path, read_only=True)
        try:
            _check_meta(path, self.db)
            self.info = self.info_from(path, self.db)
            rows = self.db.execute("SELECT id, at FROM frames ORDER BY at, id").fetchall()
            self.frames = [FrameRef(int(i), float(at)) for i, at in rows]
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise RecordingError(f"{path}: not an opsconsole recording ({exc})") from None
        except RecordingError:
            self.db.close()
            raise

    @staticmethod
    def info_from(path: Path, db: sqlite3.Connection) -> RecordingInfo:
        """The meta table as :class:`RecordingInfo`."""
        meta = _check_meta(path, db)
        until = meta.get("dropped_until")
        return RecordingInfo(
            version=int(meta["version"]),
            context=meta.get("context", ""),
            pack=meta.get("pack", ""),
            created_at=float(meta.get("created_at", "0")),
            max_bytes=int(meta.get("max_bytes", "0")),
            dropped_frames=int(meta.get("dropped_frames", "0")),
            dropped_until=float(until) if until else None,
            writer=meta.get("writer", ""),
        )

    def frame_at(self, at: float) -> FrameRef:
        """The last refresh at or before ``at`` (RecordingError before the first or without any)."""
        if not self.frames:
            raise RecordingError(f"{self.path}: the recording holds no refresh")
        if at < self.frames[0].at:
            raise RecordingError(
                f"{self.path}: {_utc(at)} is before the first recorded refresh ({_utc(self.frames[0].at)})"
            )
        from bisect import bisect_right

        index = bisect_right([f.at for f in self.frames], at) - 1
        return self.frames[index]

    def board(self, frame: FrameRef) -> Dashboard:
        """The dashboard of one recorded refresh, validated and sanitised like live data."""
        try:
            rows = self.db.execute(
                "SELECT fp.part, p.data FROM frame_parts fp JOIN parts p ON p.hash = fp.hash "
                "WHERE fp.frame_id = ?",
                (frame.id,),
            ).fetchall()
            parts = {name: decode(data) for name, data in rows}
            ranges = parts.pop("logs", [])
            lines = self._lines(ranges if isinstance(ranges, list) else [])
            return board_from_parts(parts, lines)
        except (sqlite3.DatabaseError, DecodeError, TypeError, ValueError) as exc:
            raise RecordingError(f"{self.path}: refresh at {_utc(frame.at)} cannot be read: {exc}") from None

    def _lines(self, ranges: list[list[int]]) -> list[Any]:
        found: dict[int, Any] = {}
        query = (
            "SELECT first_id, data FROM log_batches WHERE first_id BETWEEN "
            "coalesce((SELECT max(first_id) FROM log_batches WHERE first_id <= ?), 0) AND ?"
        )
        for start, end in ranges:
            for first_id, data in self.db.execute(query, (start, end)):
                lines = decode(data)
                if isinstance(lines, list):
                    found.update((int(first_id) + n, line) for n, line in enumerate(lines))
        return [found[i] for i in expand_ranges(ranges) if i in found]

    def boards(self) -> Iterator[Dashboard]:
        """Every recorded dashboard, oldest first."""
        for frame in self.frames:
            yield self.board(frame)

    def events(self, kind: str | None = None) -> list[tuple[float, str, dict[str, Any]]]:
        """Recorded events (``(at, kind, data)``), oldest first."""
        query = "SELECT at, kind, data FROM events WHERE ? IS NULL OR kind = ? ORDER BY at, id"
        out = []
        with closing(self.db.execute(query, (kind, kind))) as cursor:
            for at, name, data in cursor:
                value = decode(data)
                if isinstance(value, dict):
                    out.append((float(at), str(name), value))
        return out

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> RecordingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _utc(at: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def journal_json(line: str) -> dict[str, Any] | None:
    """One line of the mutation journal, or None for a torn or foreign line."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
