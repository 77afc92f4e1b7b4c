"""Log lines as the console reads them: winston JSON, logfmt, plain text — and hostile text."""

from __future__ import annotations

import json
import re

import pytest

from opsconsole.core.log_parse import log_row, normalize_level, parse_json_line, parse_logfmt
from opsconsole.core.untrusted_text import sanitize

WINSTON = (
    '{"timestamp":"2026-11-23T04:00:00.123Z","level":"error","message":"plan generation timed out",'
    '"agent_type":"npa","agent_id":"npa-2","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",'
    '"span_id":"00f067aa0ba902b7","event_type":"task_failed","duration_ms":30012,"meta":{"retry":2}}'
)


def test_winston_json_gives_level_entity_message_trace_and_every_field() -> None:
    row = log_row(5, WINSTON, {"app": "npa", "namespace": "prod"}, entity_field="agent_id")
    assert (row.ts_ns, row.level, row.entity, row.message) == (
        5,
        "error",
        "npa-2",
        "plan generation timed out",
    )
    assert row.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert row.fields["event_type"] == "task_failed"
    assert row.fields["duration_ms"] == "30012"  # numbers as their JSON text
    assert row.fields["meta"] == '{"retry":2}'  # nested values as compact JSON
    assert row.fields["namespace"] == "prod"  # stream labels are fields too


def test_the_line_wins_over_a_stream_label_of_the_same_name() -> None:
    row = log_row(1, '{"level":"warn","message":"m","app":"from-line"}', {"app": "from-label"})
    assert row.fields["app"] == "from-line"


def test_logfmt_pairs_quotes_escapes_and_bare_keys() -> None:
    line = 'ts=2026-11-23T04:00:00Z level=WARNING msg="queue \\"deep\\" backlog" agent_id=npa-2 retry'
    assert parse_logfmt(line) == {
        "ts": "2026-11-23T04:00:00Z",
        "level": "WARNING",
        "msg": 'queue "deep" backlog',
        "agent_id": "npa-2",
        "retry": "true",
    }
    row = log_row(1, line, {}, entity_field="agent_id")
    assert (row.level, row.entity, row.message) == ("warn", "npa-2", 'queue "deep" backlog')


@pytest.mark.parametrize(
    "line",
    [
        "GET /api/plans 200 took=3ms",  # prose with one pair is not logfmt
        "level=info",  # a single pair is not enough to call it logfmt
        "plain text line",
        "",
    ],
)
def test_lines_that_are_not_logfmt_stay_plain_text(line: str) -> None:
    assert parse_logfmt(line) is None
    row = log_row(1, line, {})
    assert row.message == line
    assert row.level == ""


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", '"a string"', "{}garbage"])
def test_broken_or_non_object_json_is_plain_text(line: str) -> None:
    assert parse_json_line(line) is None
    assert log_row(1, line, {}).message == line


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("WARNING", "warn"),
        ("Err", "error"),
        ("fatal", "critical"),
        ("panic", "critical"),
        ("DBUG", "debug"),
        ("notice", "info"),
        ("info", "info"),
        ("custom", "custom"),
    ],
)
def test_levels_are_normalised(raw: str, level: str) -> None:
    assert normalize_level(raw) == level


def test_lvl_and_msg_are_understood_when_the_pack_names_other_fields() -> None:
    row = log_row(1, "lvl=error msg=boom code=7", {}, level_field="severity", message_field="text")
    assert (row.level, row.message) == ("error", "boom")


# -- hostile text --------------------------------------------------------------------------------

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

HOSTILE = {
    "CSI clear screen and cursor home": "\x1b[2J\x1b[Hvisible",
    "CSI colour": "\x1b[31;1mvisible\x1b[0m",
    "OSC 52 clipboard write (BEL)": "\x1b]52;c;cm0gLXJmIH4=\x07visible",
    "OSC 52 clipboard write (ST)": "\x1b]52;c;cm0gLXJmIH4=\x1b\\visible",
    "OSC 8 hyperlink": "\x1b]8;;https://evil.example\x1b\\visible\x1b]8;;\x1b\\",
    "OSC window title": "\x1b]0;owned\x07visible",
    "DCS": "\x1bP+q544e\x1b\\visible",
    "8-bit CSI": "\x9b2Jvisible",
    "8-bit OSC": "\x9d52;c;Zm9v\x9cvisible",
    "unterminated OSC swallowing the rest": "visible\x1b]52;c;Zm9v",
    "carriage return overwrite": "visible\rHIDDEN",
    "backspaces": "visible\x08\x08\x08",
    "NUL and bell": "visi\x00ble\x07",
    "bidi override": "visible\u202eevil",
    "zero-width space": "vis\u200bible",
}


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_reaches_no_field_raw(payload: str) -> None:
    line = (
        '{"level":"error","message":'
        + json.dumps(payload)
        + ',"agent_id":'
        + json.dumps(payload)
        + ","
        + json.dumps(payload)
        + ":"
        + json.dumps(payload)
        + "}"
    )
    row = log_row(1, line, {"app": payload}, entity_field="agent_id")
    texts = [row.message, row.entity, row.level, row.trace_id, *row.fields, *row.fields.values()]
    for text in texts:
        assert "\x1b" not in text
        assert not _UNSAFE.search(text), repr(text)
    assert "vis" in row.message  # the harmless part is still shown


def test_control_characters_are_made_visible_not_silently_dropped() -> None:
    assert sanitize("a\x00b\x07c") == "a\\x00b\\x07c"
    assert sanitize("x\u202ey") == "x\\u202ey"
    assert sanitize("one\ntwo") == "one⏎two"


def test_tabs_in_a_message_cannot_move_the_cursor() -> None:
    assert "\t" not in log_row(1, "col1\tcol2", {}).message
