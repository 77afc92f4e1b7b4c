"""The LogQL check, exactly: line-filter regexes RE2 would refuse, and selector values read as Loki
reads them (non-ASCII kept as written, escapes decoded)."""

from __future__ import annotations

import pytest

from opsconsole.packs.logql_check import LogqlError, check_logql


@pytest.mark.parametrize(
    "query",
    [
        '{app="a"} |~ "err(or)?"',
        '{app="a"} !~ `\\d+ ms`',
        '{app="a"} |~ "5\\\\d\\\\d"',
        '{app="a"} |~ ""',
        '{app="café"} |= "naïve"',
        '{app=~"(é)+"}',
        '{app=~"caf."}',
    ],
)
def test_good_line_filters_and_non_ascii_values_are_accepted(query: str) -> None:
    check_logql(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            '{app="a"} |~ "(?=x)"',
            "bad regex '(?=x)': Loki's regexes (RE2) have no lookaround or backreferences",
        ),
        (
            '{app="a"} |~ "(?!x)"',
            "bad regex '(?!x)': Loki's regexes (RE2) have no lookaround or backreferences",
        ),
        (
            '{app="a"} |~ "(?<=x)y"',
            "bad regex '(?<=x)y': Loki's regexes (RE2) have no lookaround or backreferences",
        ),
        (
            '{app="a"} !~ `(a)\\1`',
            "bad regex '(a)\\\\1': Loki's regexes (RE2) have no lookaround or backreferences",
        ),
        (
            '{app="a"} |~ "(a)\\\\9"',
            "bad regex '(a)\\\\9': Loki's regexes (RE2) have no lookaround or backreferences",
        ),
        ('{app="a"} |~ "a("', "bad regex 'a(': missing ): a("),
        ('{app="a"} |~ `[z-a]`', "bad regex '[z-a]': invalid character class range: z-a"),
        ('{app="a"} |~ "a\\q"', 'cannot read the string "a\\q"'),
        ('{app="a"} |~ `abc', "unterminated string starting at column 14"),
        ('{app="a"} |~ x', "line filter |~ needs a quoted string"),
        ('{app="a"} |~', "line filter |~ needs a quoted string"),
    ],
)
def test_bad_line_filter_regexes_say_why(query: str, message: str) -> None:
    with pytest.raises(LogqlError) as caught:
        check_logql(query)
    assert str(caught.value) == message


def test_a_long_bad_regex_is_quoted_in_part() -> None:
    pattern = "(" + "x" * 60
    with pytest.raises(LogqlError) as caught:
        check_logql(f'{{app="a"}} |~ "{pattern}"')
    assert str(caught.value).startswith(f"bad regex {pattern[:40]!r}: missing )")


def test_a_non_ascii_regex_that_matches_nothing_is_refused_as_the_only_matcher() -> None:
    # Read as "cafÃ©?" (the old unicode_escape decoding) it would never match the empty string.
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql('{app=~"é?"}')
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql('{app=~"(日本)*"}')


def test_escapes_in_selector_values_are_read_as_loki_reads_them() -> None:
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql('{app=~"\\u0041?"}')  # \u0041 is "A": "A?" matches the empty string
    check_logql('{app="\\u00e9"}')


def test_text_after_a_filters_string_is_refused_whole() -> None:
    with pytest.raises(LogqlError) as caught:
        check_logql('{app="a"} |~ `abc` x')
    assert str(caught.value) == "cannot read the string `abc` x"
    with pytest.raises(LogqlError) as quoted:
        check_logql('{app="a"} |~ "abc" x')
    assert str(quoted.value) == 'cannot read the string "abc" x'


def test_an_unreadable_string_is_quoted_in_part() -> None:
    long = '"' + "a" * 50 + '" tail'
    with pytest.raises(LogqlError) as caught:
        check_logql('{app="a"} |~ ' + long)
    assert str(caught.value) == f"cannot read the string {long[:40]}"
    backtick = "`" + "b" * 50 + "` tail"
    with pytest.raises(LogqlError) as other:
        check_logql('{app="a"} |~ ' + backtick)
    assert str(other.value) == f"cannot read the string {backtick[:40]}"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{app="a"} |', "unknown pipeline stage ''"),
        ('{app="a"} !', "expected '|' before '!'"),
        ('{app="a"} |= "x" | bogus', "unknown pipeline stage 'bogus'"),
    ],
)
def test_a_pipeline_ending_early_or_after_a_string_is_still_checked(query: str, message: str) -> None:
    with pytest.raises(LogqlError) as caught:
        check_logql(query)
    assert str(caught.value) == message


def test_letters_outside_strings_are_not_quotes() -> None:
    check_logql('{app="a"} | json | X_LEVEL="1"')
