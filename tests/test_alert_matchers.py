"""Matcher text (amtool syntax) as the filter box, the silence form and packs read it.

The parser must agree with Alertmanager's own: a silence typed as ``team="café"`` has to reach
Alertmanager as ``café``, or it silences nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsconsole.core.alert_matchers import LabelMatcher, MatcherSyntaxError, parse_matchers
from opsconsole.mutations.silences import wire_matchers
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('team="café"', "café"),
        ('team="日本語チーム"', "日本語チーム"),
        ('owner="🔥 on-call"', "🔥 on-call"),
        ("team=café", "café"),  # unquoted, as Alertmanager accepts
        ('team="Zoë \\"the\\" SRE"', 'Zoë "the" SRE'),
    ],
)
def test_non_ascii_values_are_kept_as_typed(text: str, value: str) -> None:
    assert parse_matchers(text) == [LabelMatcher("team" if "team" in text else "owner", "=", value)]


def test_escapes_follow_alertmanager() -> None:
    """Only \\", \\\\ and \\n are escapes; any other backslash is literal (regexes keep theirs)."""
    [quote, backslash, newline, regex, tab] = parse_matchers(
        r'a="say \"hi\"", b="C:\\temp", c="one\ntwo", code=~"5\d\d", d="\t"'
    )
    assert quote.value == 'say "hi"'
    assert backslash.value == "C:\\temp"
    assert newline.value == "one\ntwo"
    assert regex.value == r"5\d\d"
    assert regex.matches({"code": "503"})
    assert not regex.matches({"code": "5xx"})
    assert tab.value == "\\t", "\\t is not an escape in Alertmanager's syntax"


def test_regex_is_anchored_and_missing_label_is_empty() -> None:
    [service] = parse_matchers('service=~"agent"')
    assert service.matches({"service": "agent"})
    assert not service.matches({"service": "agents"})
    assert not service.matches({"service": "my-agent"})
    [absent] = parse_matchers('team!~".+"')
    assert absent.matches({}), "a missing label is the empty string"
    assert not absent.matches({"team": "x"})


def test_operators_and_braces() -> None:
    parsed = parse_matchers('{a="1", b!="2", c=~"3|4", d!~"5"}')
    assert [(m.name, m.op, m.value) for m in parsed] == [
        ("a", "=", "1"),
        ("b", "!=", "2"),
        ("c", "=~", "3|4"),
        ("d", "!~", "5"),
    ]
    assert parsed[1].matches({"b": "3"})
    assert not parsed[1].matches({"b": "2"})
    assert parsed[3].matches({"d": "55"})
    assert not parsed[3].matches({"d": "5"})


@pytest.mark.parametrize("text", ['a="1" b="2"', '="x"', 'a=~"("', 'a=="x"'])
def test_bad_text_is_refused_with_where(text: str) -> None:
    with pytest.raises(MatcherSyntaxError):
        parse_matchers(text)


@settings(deadline=None)  # about results, not speed: no per-example deadline
@given(
    name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
    op=st.sampled_from(["=", "!="]),
    value=st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
)
def test_printed_matchers_read_back_the_same(name: str, op: str, value: str) -> None:
    """What the silence form shows (``str``) parses back to the same matcher, whatever the text."""
    matcher = LabelMatcher(name, op, value)  # type: ignore[arg-type]
    assert parse_matchers(str(matcher)) == [matcher]


# Typed text -> what Alertmanager itself makes of it (amtool uses Alertmanager's parser).
# amtool takes one matcher per argument; the console's box takes them comma-separated.
AMTOOL_CASES = [
    ['team="café"'],
    ['team="日本語"', 'owner="🔥"'],
    [r'path="C:\\temp\\x"'],
    [r'quote="say \"hi\""'],
    [r'code=~"5\d\d"'],
    [r'multi="one\ntwo"'],
]


@pytest.mark.real_backend
@pytest.mark.parametrize("typed", AMTOOL_CASES)
def test_parser_agrees_with_real_alertmanager(
    typed: list[str], real_alertmanager: RunningAlertmanager
) -> None:
    """amtool (Alertmanager's own parser) and ours turn the same text into the same silence."""
    created = real_alertmanager.amtool(
        "silence", "add", "--author=matcher-test", "--comment=parser agreement", "--duration=5m", *typed
    )
    # amtool 0.27+ may log a warning first (input the UTF-8 parser rejects, parsed the classic way).
    silence_id = created.stdout.strip().splitlines()[-1]
    try:
        stored = http_client().get(f"{real_alertmanager.url}/api/v2/silence/{silence_id}", timeout=10).json()
        theirs = sorted(
            (m["name"], m["value"], m["isRegex"], m.get("isEqual", True)) for m in stored["matchers"]
        )
        wire = wire_matchers(parse_matchers(", ".join(typed)))
        ours = sorted((m.name, m.value, m.is_regex, m.is_equal) for m in wire)
        assert ours == theirs
    finally:
        real_alertmanager.amtool("silence", "expire", silence_id, check=False)


# Silence and filter regexes are Go's (RE2 syntax), as Alertmanager compiles them, not Python's.
GO_ONLY = ["\\pL+", "\\p{Greek}", "\\Qa.b\\E", "a(?i)b", "x\\z"]  # Python's re refuses each
PYTHON_ONLY = ["(?=x)", "(?<!a)b", "(a)\\1", "(?x)a b", "(?>ab)", "a*+", "x\\Z", "a{1001}"]
BROKEN = ["(", "[z-a]"]


@pytest.mark.parametrize("pattern", GO_ONLY)
def test_a_regex_alertmanager_accepts_is_accepted_and_matched_as_go_matches(pattern: str) -> None:
    [matcher] = parse_matchers(str(LabelMatcher("a", "=~", pattern)))
    assert matcher.value == pattern
    matcher.matches({"a": "x"})  # no re.error: matched by the engine that accepted it


def test_go_regex_classes_match_as_alertmanager_matches() -> None:
    [letters] = parse_matchers('team=~"\\\\pL+"')
    assert letters.matches({"team": "café"}) and not letters.matches({"team": "db1"})
    [digits] = parse_matchers('code=~"\\\\d+"')
    assert digits.matches({"code": "503"})
    assert not digits.matches({"code": "٥٠٣"}), "Go's \\d is ASCII digits; Python's str \\d is any digit"


@pytest.mark.parametrize("pattern", PYTHON_ONLY + BROKEN)
def test_a_regex_alertmanager_refuses_is_refused_before_it_is_sent(pattern: str) -> None:
    for op in ("=~", "!~"):
        with pytest.raises(MatcherSyntaxError, match=f"invalid regex in a{op}: "):
            parse_matchers(str(LabelMatcher("a", op, pattern)))  # type: ignore[arg-type]


def test_a_lookaround_refusal_names_alertmanager() -> None:
    with pytest.raises(MatcherSyntaxError) as refused:
        parse_matchers('a=~"(?=x)"')
    assert str(refused.value) == (
        "invalid regex in a=~: Alertmanager's regexes (RE2) have no lookaround or backreferences"
    )


@pytest.mark.real_backend
def test_every_regex_verdict_agrees_with_real_alertmanager(real_alertmanager: RunningAlertmanager) -> None:
    """Each pattern as a silence matcher: Alertmanager's answer (200 or 400) and ours agree."""
    verdicts: dict[str, tuple[bool, bool]] = {}
    for pattern in GO_ONLY + PYTHON_ONLY + BROKEN:
        reply = http_client().post(
            f"{real_alertmanager.url}/api/v2/silences",
            json={
                "matchers": [{"name": "a", "value": pattern, "isRegex": True, "isEqual": True}],
                "startsAt": "2030-01-01T00:00:00Z",
                "endsAt": "2030-01-01T01:00:00Z",
                "createdBy": "regex-test",
                "comment": "regex agreement",
            },
            timeout=10,
        )
        assert reply.status_code in (200, 400), reply.text
        if reply.status_code == 200:
            http_client().delete(
                f"{real_alertmanager.url}/api/v2/silence/{reply.json()['silenceID']}", timeout=10
            )
        try:
            parse_matchers(str(LabelMatcher("a", "=~", pattern)))
            ours = True
        except MatcherSyntaxError:
            ours = False
        verdicts[pattern] = (reply.status_code == 200, ours)
    assert {p: v for p, v in verdicts.items() if v[0] != v[1]} == {}
    assert [p for p, (theirs, _) in verdicts.items() if theirs] == GO_ONLY  # the lists are what they say
