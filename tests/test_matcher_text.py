"""The edges of matcher and silence text that the broader suites left open: how a matcher prints,
what a refusal says, and the small texts of acks and durations (written when mutation testing
found each of these changeable without a failing test)."""

from __future__ import annotations

import pytest

from opsconsole.core.alert_matchers import LabelMatcher, MatcherSyntaxError, parse_matchers, unquote
from opsconsole.core.silence_draft import (
    Ack,
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    parse_draft_matchers,
    parse_silence_duration,
)

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("C:\\temp", 'path="C:\\\\temp"'),
        ("a\\nb", 'path="a\\\\nb"'),  # a backslash then n, not a newline
        ("one\ntwo", 'path="one\\ntwo"'),  # a newline stays on one line
        ('say "hi"', 'path="say \\"hi\\""'),
        ("ends with \\", 'path="ends with \\\\"'),
    ],
)
def test_a_matcher_prints_on_one_line_and_reads_back_the_same(value: str, printed: str) -> None:
    matcher = LabelMatcher("path", "=", value)
    assert str(matcher) == printed
    assert parse_matchers(printed) == [matcher]


# What the property test ``test_printed_matchers_read_back_the_same`` checks over any text, pinned by
# example (it is left out of the mutation run: seconds per mutant): every operator, the empty value,
# the matcher syntax's own characters, spaces at the ends, text far from ASCII.
@pytest.mark.parametrize(
    ("name", "op", "value"),
    [
        ("a", "!=", "x"),
        ("a", "=~", "5.."),
        ("a", "!~", "x|y"),
        ("_b9", "=", ""),
        ("team", "!=", ""),
        ("c", "=", 'x", d="y'),  # a second matcher inside the value stays the value
        ("c", "=", "a,b}{"),
        ("c", "=", "  both ends  "),
        ("c", "=", "=~!="),
        ("c", "=", "\\"),
        ("c", "=", '\\"\n'),
        ("c", "=", "tab\tcr\r"),
        ("team", "=", "café 日本 🔥 \u202e"),
    ],
)
def test_every_printed_matcher_reads_back_the_same(name: str, op: str, value: str) -> None:
    matcher = LabelMatcher(name, op, value)  # type: ignore[arg-type]
    assert parse_matchers(str(matcher)) == [matcher]
    pair = f"{matcher}, {LabelMatcher('z', '=', value)}"
    assert parse_matchers(pair) == [matcher, LabelMatcher("z", "=", value)]


@pytest.mark.parametrize(
    ("quoted", "value"),
    [("abc\\", "abc\\"), ("\\", "\\"), ("a\\\\", "a\\"), ("5\\d\\d", "5\\d\\d")],
)
def test_a_lone_trailing_backslash_is_literal(quoted: str, value: str) -> None:
    assert unquote(quoted) == value


def test_not_equal_compares_text_not_a_pattern() -> None:
    matcher = LabelMatcher("host", "!=", "db.1")
    assert matcher.matches({"host": "dbX1"})  # "." is a dot here, not any character
    assert not matcher.matches({"host": "db.1"})
    assert LabelMatcher("v", "!=", "(").matches({"v": "x"})  # not compiled as a regex


@pytest.mark.parametrize("text", ['a="1"}', '{a="1"', '{a="1"}}', '{a="1",'])
def test_unbalanced_braces_are_refused(text: str) -> None:
    with pytest.raises(MatcherSyntaxError):
        parse_matchers(text)


def test_a_refusal_quotes_up_to_30_characters_from_where_it_went_wrong() -> None:
    bad = "9" + "x" * 40
    with pytest.raises(MatcherSyntaxError) as refused:
        parse_matchers(f'team="a", {bad}')
    near = (" " + bad)[:30]  # from just after the last good matcher
    assert str(refused.value) == (f'bad matcher near {near!r}: expected name="value" with =, !=, =~ or !~')


@pytest.mark.parametrize("op", ["=~", "!~"])
def test_a_bad_regex_is_refused_for_both_regex_operators(op: str) -> None:
    with pytest.raises(MatcherSyntaxError) as refused:
        parse_matchers(f'code{op}"5(\\d"')
    assert str(refused.value) == f"invalid regex in code{op}: missing ): 5(\\d"


def test_a_silence_form_refusal_carries_the_parsers_words() -> None:
    with pytest.raises(SilenceInvalid) as refused:
        parse_draft_matchers('team="a" env="b"')
    assert str(refused.value).startswith("bad matcher near ")


def test_a_drafts_matchers_print_comma_separated_in_amtool_syntax() -> None:
    draft = SilenceDraft(
        (LabelMatcher("alertname", "=", "Down"), LabelMatcher("env", "=~", "prod|stage")),
        NOW,
        NOW + 60,
        "alice",
        "why",
    )
    assert draft.matchers_text() == 'alertname="Down", env=~"prod|stage"'


def test_the_shortest_duration_is_accepted_and_zero_is_refused_with_why() -> None:
    assert parse_silence_duration("1s") == 1
    with pytest.raises(SilenceInvalid) as refused:
        parse_silence_duration("0s")
    assert str(refused.value) == "the duration must be positive"


def test_an_ack_without_a_note_ends_at_where_it_came_from() -> None:
    assert ack_comment("alice", "opsconsole@host") == "ACK by alice from opsconsole@host"
    assert ack_comment("alice", "opsconsole@host", "") == "ACK by alice from opsconsole@host"


@pytest.mark.parametrize(
    ("left", "text"),
    [(90 * 60, "90 min left"), (29, "0 min left"), (-300, "0 min left")],
)
def test_an_ack_says_the_minutes_left_and_never_a_negative(left: float, text: str) -> None:
    assert Ack("alice", "host", NOW + left).describe(NOW) == f"acked by alice, {text}"
