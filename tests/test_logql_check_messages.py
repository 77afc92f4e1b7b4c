"""The LogQL check: what it accepts written without spaces or with short names, and its exact messages.

The messages end up in `packs validate` as ``file:line: field: LogQL: ...``; the column and the quoted
excerpt are what tells the reader where to look, so they are pinned whole.
"""

from __future__ import annotations

import re

import pytest

from opsconsole.packs.logql_check import LogqlError, check_logql


@pytest.mark.parametrize(
    "good",
    [
        '{a="x"}',  # a one-letter label name
        '{X="a"}',  # a capital X is a name, not a quote
        '{a="x",b="y"}',  # no space after the comma
        '{app="a\\"b"}',  # an escaped quote inside a double-quoted value
        "{app=`x\\`}",  # a backslash is literal in a back-quoted value
        '{a="x"}|json',  # no space before a stage
        '{a="x"}|="x"',  # nor before a line filter
        '{a="x"}|~"a+"',
        '{a="x"} | level="error" | logfmt',
    ],
)
def test_accepted_without_spaces_and_with_short_names(good: str) -> None:
    check_logql(good)


def exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{}", "empty stream selector: Loki needs at least one matcher"),
        ('x{a="x"}', "a log query must start with a stream selector {...}"),
        ('{a="x"', "stream selector is missing its closing '}'"),
        ('{a="b", {c="d"}', "unexpected '{' at column 9 inside the stream selector"),
        (
            '{a="x",1234567890123456789012345678901234567890}',
            "bad matcher near '123456789012345678901234567890': expected name=\"value\"",
        ),
        (
            '{app="x" foo="yyyyyyyyyyyyyyyyyyyyyyyyyyyy"}',
            "expected ',' between matchers near 'foo=\"yyyyyyyyyyyyyyy'",
        ),
        (
            '{a=~".*"}',
            'every matcher can match the empty string; Loki needs one like app="x" or app=~".+"',
        ),
        ('{a="x"} |= Xyz', "line filter |= needs a quoted string"),
        ('{a="x"} abcdefghijklmnopqrstuvwxyz', "expected '|' before 'abcdefghijklmnopqrst'"),
        (
            '{a="x"} | 123456789012345678901234567890123',
            "unknown pipeline stage '123456789012345678901234567890'",
        ),
        ('{a="x"} | jsonX', "unknown pipeline stage 'jsonX'"),
        ('{a="x"} | json | jsonn', "unknown pipeline stage 'jsonn'"),
        ('{a="x"} | level="e" | jsonn', "unknown pipeline stage 'jsonn'"),
        ('{a="\\x"}', 'bad escape in the string "\\x"'),
        ('{a="\\u12"}', 'bad escape in the string "\\u12"'),
        # The string shown is cut at 40 characters, its opening quote included.
        ('{a="' + "0123456789" * 4 + '\\x"}', 'bad escape in the string "' + "0123456789" * 3 + "012345678"),
    ],
)
def test_refused_with_exactly_this_message(bad: str, message: str) -> None:
    with pytest.raises(LogqlError, match=exactly(message)):
        check_logql(bad)


@pytest.mark.parametrize(
    "label_filter",
    [
        '{a="x"} | level!="debug"',
        '{a="x"} | json | level !~ "d.*"',
        '{a="x"} | status != 200',
        '{a="x"} | level != "a" != "b"',  # a label filter, then a line filter
    ],
)
def test_a_label_filter_may_use_not_equal_and_not_match(label_filter: str) -> None:
    # "!=" and "!~" start a line filter, except right after "| name": there they are a label
    # filter's operator. Refused before as "unknown pipeline stage 'level'".
    check_logql(label_filter)


def test_not_equal_after_a_stage_name_is_still_a_line_filter() -> None:
    check_logql('{a="x"} | json != "y" | logfmt')
    with pytest.raises(LogqlError, match=exactly("line filter != needs a quoted string")):
        check_logql('{a="x"} | json !=')


def test_an_invalid_regex_names_its_label_whichever_quotes() -> None:
    with pytest.raises(LogqlError, match=r"^invalid regex for app: "):
        check_logql('{app=~"("}')
    # Back quotes are raw: "\x" is an incomplete regex escape, not a string escape.
    with pytest.raises(LogqlError, match=r"^invalid regex for app: "):
        check_logql("{app=~`a\\x`}")
