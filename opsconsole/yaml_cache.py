"""Parsed YAML kept between runs, so packs and themes are not scanned on every start.

Errors in these files must name file, line and field, so they are parsed with ruamel's
round-trip parser (:mod:`opsconsole.core.located_yaml`), which keeps every field's line but is
slow: the built-in packs alone took about 0.3 s of a 1 s ``opsconsole snapshot``. What it
returns (plain data and the line of each field) depends only on the text, so it is cached under
the XDG cache dir, keyed by a digest of the text and of what shapes the result (this module's
format, opsconsole's version, the Python version that wrote it). An edited file has another
digest and is parsed again; a syntax error is never cached, so its message always comes from
the parser. Only plain data (mappings, lists, strings, numbers, booleans, null) is cached;
anything else (a YAML timestamp) is parsed each time. The cache is an optimisation: when it
cannot be read or written, the file is parsed as before. The config file is never cached: it can
hold passwords and tokens, which are not copied anywhere else on disk.

A process also keeps what it parsed or read in memory, under the same key: a console that opens
another context, or a test process that starts many consoles, reads each built-in pack once. Each
call decodes its own copy, so a caller may change what it gets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import platformdirs

from opsconsole import __version__
from opsconsole.core.located_yaml import LocatedDocument, load_yaml

FORMAT = 1
# Each edit of a pack leaves one entry behind; past this many, the oldest written go.
MAX_ENTRIES = 256
PLAIN_SCALARS = (str, int, float, bool, type(None))
# Key -> the entry's JSON, as on disk; insertion order is age (the oldest goes first).
_in_memory: dict[str, bytes] = {}
_in_memory_lock = threading.Lock()  # packs may load on more than one thread (the console's start)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/opsconsole/yaml`` (platformdirs' user cache dir)."""
    return Path(platformdirs.user_cache_dir("opsconsole", appauthor=False)) / "yaml"


def _key(text: str) -> str:
    tag = f"{FORMAT}\0{__version__}\0{sys.version_info[0]}.{sys.version_info[1]}\0"
    return hashlib.sha256((tag + text).encode("utf-8", "surrogatepass")).hexdigest()


def _is_plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return type(value) in PLAIN_SCALARS


def _decode(payload: bytes, source: str) -> LocatedDocument | None:
    try:
        entry = json.loads(payload)
        lines = {tuple(field): line for field, line in entry["lines"]}
        return LocatedDocument(entry["data"], source, lines, entry["first_line"])
    except (ValueError, KeyError, TypeError):
        return None


def _encode(doc: LocatedDocument) -> bytes:
    lines = [[list(field), line] for field, line in doc.lines.items()]
    return json.dumps({"data": doc.data, "lines": lines, "first_line": doc.first_line}).encode()


def _remember(key: str, payload: bytes) -> None:
    with _in_memory_lock:
        _in_memory.pop(key, None)
        _in_memory[key] = payload
        while len(_in_memory) > MAX_ENTRIES:
            del _in_memory[next(iter(_in_memory))]


def _write(path: Path, payload: bytes) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file, whoever runs at the same time.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        _prune(path.parent)


def _prune(folder: Path) -> None:
    """Drop the oldest entries beyond :data:`MAX_ENTRIES` (one is parsed again if still needed)."""
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[: max(0, len(entries) - MAX_ENTRIES)]:
            old.unlink(missing_ok=True)


def load_yaml_cached(text: str, source: str) -> LocatedDocument:
    """:func:`~opsconsole.core.located_yaml.load_yaml`, from the cache when this text was parsed before."""
    key = _key(text)
    remembered = _in_memory.get(key)
    if remembered is not None:
        doc = _decode(remembered, source)
        if doc is not None:
            return doc
    path = cache_dir() / f"{key}.json"
    with contextlib.suppress(OSError):
        payload = path.read_bytes()
        doc = _decode(payload, source)
        if doc is not None:
            _remember(key, payload)
            return doc
    doc = load_yaml(text, source)
    if _is_plain(doc.data):
        payload = _encode(doc)
        _remember(key, payload)
        _write(path, payload)
    return doc
