"""Fields read from a log line: what counts as logfmt or JSON, and which field names a row's
level, message, entity and trace id come from (written when mutation testing found these
choices changeable without a failing test)."""

from __future__ import annotations

import pytest

from opsconsole.core.log_parse import log_row, parse_json_line, parse_logfmt


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("a=1 b=2", {"a": "1", "b": "2"}),  # two pairs are enough
        ("a=1", None),  # one is a sentence with an equals sign
        ("a=1 flag b=2", {"a": "1", "flag": "true", "b": "2"}),  # a bare key in the middle
        ("# a=1 b=2", None),  # anything else on the line: not logfmt
        ("a=1 b=2 !", None),
        ('msg="bad \\q escape" a=1', {"msg": "bad \\q escape", "a": "1"}),  # not JSON: kept as written
        ('msg="say \\"hi\\"" a=1', {"msg": 'say "hi"', "a": "1"}),
    ],
)
def test_logfmt(line: str, fields: dict[str, str] | None) -> None:
    assert parse_logfmt(line) == fields


def test_json_lines_may_be_indented_and_nested_values_stay_compact() -> None:
    assert parse_json_line('  {"a": {"b": 1, "c": [1, 2]}, "n": 3}') == {"a": '{"b":1,"c":[1,2]}', "n": "3"}
    assert parse_json_line('["not", "an", "object"]') is None


def test_the_row_reads_the_usual_field_names_by_default() -> None:
    row = log_row(1, '{"level": "WARNING", "message": "disk\\tfull", "trace_id": "abc"}', {})
    assert (row.level, row.message, row.trace_id, row.entity) == ("warn", "disk  full", "abc", "")


def test_the_row_falls_back_to_other_common_names() -> None:
    row = log_row(1, "lvl=err msg=boom traceID=t1", {})
    assert (row.level, row.message, row.trace_id) == ("error", "boom", "t1")
    # A pack naming its own fields still finds the usual ones when a line has only those.
    also = log_row(
        1,
        "level=info message=m trace_id=t2",
        {},
        level_field="sev",
        message_field="text",
        trace_id_field="tid",
    )
    assert (also.level, also.message, also.trace_id) == ("info", "m", "t2")


def test_the_packs_field_names_come_first() -> None:
    line = (
        '{"sev": "error", "level": "info", "text": "mine", "message": "theirs", "tid": "x", "trace_id": "y"}'
    )
    row = log_row(1, line, {}, level_field="sev", message_field="text", trace_id_field="tid")
    assert (row.level, row.message, row.trace_id) == ("error", "mine", "x")


def test_the_entity_comes_from_its_field_or_the_streams_labels_else_nothing() -> None:
    assert log_row(1, "plain text", {"pod": "npa-1"}, entity_field="pod").entity == "npa-1"
    assert log_row(1, "plain text", {"pod": "npa-1"}).entity == ""
    assert log_row(1, "plain text", {}, entity_field="pod").entity == ""
    row = log_row(1, "plain text", {})
    assert (row.message, row.level, row.trace_id) == ("plain text", "", "")
