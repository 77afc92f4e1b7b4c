"""Rows kept in the tail's ring share what repeats on every row: field names, levels and the stream's
label values. Each decoded line or Loki answer brings its own copies of them; kept 50,000 times,
the copies were a third of the ring's memory."""

from __future__ import annotations

import json

from opsconsole.backends.loki_models import LogEntry
from opsconsole.core.log_parse import log_row
from opsconsole.packs.schema import LogFields
from opsconsole.refresh.log_tail import entry_row

STREAM = '{"namespace": "progressive-framework", "pod": "npa-7c9d8f6b5-x2k4q", "app": "npa"}'


def _line(n: int) -> str:
    return json.dumps(
        {"timestamp": f"2026-12-01T04:00:0{n}Z", "level": "info", "message": f"request {n}", "agent": "npa"}
    )


def _answer_entry(n: int) -> LogEntry:
    """An entry as a separate Loki answer gives it: its labels decoded afresh."""
    return LogEntry(ts_ns=n, line=_line(n), labels=json.loads(STREAM))


def test_rows_of_separately_decoded_lines_share_their_field_names_and_level() -> None:
    labels = json.loads(STREAM)
    first = log_row(1, _line(1), labels, entity_field="agent")
    second = log_row(2, _line(2), json.loads(STREAM), entity_field="agent")
    assert list(first.fields) == list(second.fields)
    assert all(a is b for a, b in zip(first.fields, second.fields, strict=True))
    assert first.level == "info" and first.level is second.level
    # What the rows say is unchanged.
    assert first.fields == {**labels, **json.loads(_line(1))}
    assert (first.message, first.entity) == ("request 1", "npa")


def test_a_streams_label_values_are_shared_between_answers() -> None:
    fields = LogFields(entity="agent")
    first, second = entry_row(_answer_entry(1), fields), entry_row(_answer_entry(2), fields)
    for name in json.loads(STREAM):
        assert first.fields[name] == second.fields[name]
        assert first.fields[name] is second.fields[name], name
    # The line's own values are each row's own.
    assert (first.fields["message"], second.fields["message"]) == ("request 1", "request 2")


def test_a_hostile_field_name_is_still_cleaned() -> None:
    row = log_row(1, json.dumps({"\x1b]52;c;aGk=\x07level": "x", "message": "m"}), {})
    assert all("\x1b" not in name and "\x07" not in name for name in row.fields)
