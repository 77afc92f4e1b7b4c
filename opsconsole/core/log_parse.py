"""A log line as the console shows it: JSON (the seeds' winston format) or logfmt, else plain text.

Everything here is untrusted: the :class:`LogRow` made from it cleans every key and value (see
:mod:`opsconsole.core.untrusted_text`), and nothing is ever interpreted as Rich markup.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping

from opsconsole.core.dashboard import LogRow

# key=value, key="quoted value with \" escapes", or a bare key; keys as logfmt allows them.
_LOGFMT_PAIR = re.compile(r'([A-Za-z_][\w.\-]*)(?:=("(?:[^"\\]|\\.)*"|[^\s]*))?')
_LEVELS = {
    "warning": "warn",
    "err": "error",
    "eror": "error",
    "crit": "critical",
    "fatal": "critical",
    "panic": "critical",
    "dbug": "debug",
    "information": "info",
    "notice": "info",
}
LEVEL_ORDER = ("trace", "debug", "info", "warn", "error", "critical")


def normalize_level(level: str) -> str:
    """``WARNING`` → ``warn``, ``fatal`` → ``critical``; unknown levels stay as they are (lower-case)."""
    lowered = level.strip().lower()
    return _LEVELS.get(lowered, lowered)


def parse_logfmt(line: str) -> dict[str, str] | None:
    """``level=info msg="hello world" n=3`` as a mapping; None when the line is not logfmt.

    A line counts as logfmt when at least two pairs have ``=`` and nothing but pairs is on it.
    """
    fields: dict[str, str] = {}
    position = 0
    pairs = 0
    for match in _LOGFMT_PAIR.finditer(line):
        if line[position : match.start()].strip():
            return None
        position = match.end()
        key, raw = match.group(1), match.group(2)
        if raw is None:
            fields[key] = "true"
            continue
        pairs += 1
        if raw.startswith('"'):
            try:
                fields[key] = str(json.loads(raw))
            except ValueError:
                fields[key] = raw[1:-1]
        else:
            fields[key] = raw
    if line[position:].strip() or pairs < 2:
        return None
    return fields


def parse_json_line(line: str) -> dict[str, str] | None:
    """A JSON object line as flat text fields (nested values as compact JSON); None otherwise."""
    if not line.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(line)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in parsed.items()
    }


def log_row(
    ts_ns: int,
    line: str,
    labels: Mapping[str, str],
    *,
    level_field: str = "level",
    message_field: str = "message",
    entity_field: str | None = None,
    trace_id_field: str = "trace_id",
) -> LogRow:
    """One displayable row: fields from the line (JSON, then logfmt) over the stream's labels."""
    from_line = parse_json_line(line)
    if from_line is None:
        from_line = parse_logfmt(line)
    # A row is kept as long as the tail's ring holds it (50,000 of them). Field names repeat on
    # every row, and each decoded line brings its own copies: one is kept of each.
    fields = {shared_text(k): v for k, v in labels.items()}
    if from_line:
        for key, value in from_line.items():
            fields[shared_text(key)] = value
    message = fields.get(message_field) or fields.get("msg") or fields.get("message") or line
    level = fields.get(level_field) or fields.get("level") or fields.get("lvl") or ""
    return LogRow(
        ts_ns=ts_ns,
        level=shared_text(normalize_level(level)),
        entity=fields.get(entity_field, "") if entity_field else "",
        message=message.replace("\t", "  "),  # a tab would jump the terminal's cursor
        trace_id=fields.get(trace_id_field, "") or fields.get("traceID", "") or fields.get("trace_id", ""),
        fields=fields,
    )


def shared_text(text: str) -> str:
    """One copy of a text that many rows hold (a field name, a level, a stream label's value).

    Interned: the copy goes when the last row holding it does, so untrusted names cannot pile up.
    Only for texts that repeat: a unique one would only add an entry to the interned table.
    """
    # Only an exact str can be interned; the row cleans whatever it is given.
    return sys.intern(text) if type(text) is str else text
