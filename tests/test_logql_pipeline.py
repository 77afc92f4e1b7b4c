"""LogQL pipelines as Loki's grammar reads them (from its documentation): what Loki accepts loads,
what it refuses is refused at load with file, line and field, not at query time.

Before, parenthesised label filters and ``|>`` were refused as unknown stages and ``|~ "a" or "b"`` as
an unreadable string, while ``|= "a" or b``, a bad ``ip("...")`` and a ``regexp`` stage without a named
group (or with a regex RE2 refuses) loaded and failed at Loki.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsconsole.cli import main
from opsconsole.packs.logql_check import LogqlError, check_logql

SELECTOR = '{app="npa"}'


@pytest.mark.parametrize(
    "pipeline",
    [
        # line filters: "or" chains, ip(), pattern filters
        '|= "timeout" or "deadline"',
        '!= "debug" or "trace" |= "error"',
        '|~ "err(or)?" or `fail\\w+`',
        '|= ip("192.168.0.0/16")',
        '!= ip("10.0.0.1")',
        '|= ip("192.168.0.1-192.189.10.12")',
        '|= ip("2001:db8::1-2001:db8::8") or ip("::1")',
        '|> "<_> error <_>"',
        '!> "<_> level=debug <_>"',
        # label filter expressions: parentheses, and / or / comma / space, every value type
        '| logfmt | (level="error" or status>=500)',
        '| logfmt | (level="error" or status>=500) and path!~"/health.*"',
        '| logfmt | ((duration > 1s or status==200) and method="POST")',
        '| logfmt | duration >= 20ms or size == 20kb and method!~"2.."',
        "| logfmt | duration >= 20ms, size == 20KiB",
        "| logfmt | duration >= 20ms size <= 1.5MB",
        "| logfmt | latency > 1h30m and status = 200 and ratio < 0.25",
        '| json | addr = ip("10.0.0.0/8") or addr != ip("::1")',
        '| json | level != "debug"',
        '| json | level =~ "warn|error" or (status >= 500 and status < 600)',
        '| json | __error__=""',
        # the regexp stage: named groups (Go's (?P<name>) and (?<name>))
        '| regexp "(?P<method>\\\\w+) (?P<path>\\\\S+)"',
        "| regexp `(?P<status>\\d{3}) (?P<took>[0-9.]+)ms`",
        "| regexp `(?<level>[a-z]+):`",
        "| regexp `(\\w+) (?P<rest>.*)`",  # an unnamed group too: one named group is enough
        # the pattern stage: named captures with text between them; <_> skips; "<" alone is text
        '| pattern "<ip> - - [<_>] \\"<method> <path> <_>\\" <status>"',
        "| pattern `<_> level=<level> <_>`",
        "| pattern `<a> < b <c>`",
        "| pattern `<msg>`",
        # stages around them
        '| json != "x"',
        '| drop level, method="GET" | keep a, b',
        '| line_format "{{.level}} !~ (" | level="e"',
        '| logfmt --strict | label_format lvl=level |= "x"',
    ],
)
def test_what_loki_reads_is_accepted(pipeline: str) -> None:
    check_logql(f"{SELECTOR} {pipeline}")


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        ('| (level="error" or status>=500', "label filter: '(' without its ')'"),
        ('| level="error" or status>=500)', "unexpected ')' in the label filter"),
        ('| (level="e" or status>="500")', "label filter status >= needs a number, a duration or a size"),
        ('| (level=~"(" or status>=500)', "invalid regex for level: missing ): ("),
        ('| (status>=500 or path!~"a(?=b)")', "invalid regex for path: Loki's regexes (RE2) have no"),
        ('| level="e" or', "label filter: expected a label name, not 'the end'"),
        ('| level="e" and ()', "label filter: expected a label name, not ')'"),
        ("| status > 5xx", "label filter status > 5xx: not a number, a duration or a size"),
        ('| a="x" and level ~ "e"', "label filter level: expected an operator, not '~'"),
        ("| level = ", "label filter level = needs a value"),
        ('| addr > ip("10.0.0.1")', "label filter addr > ip(...): only = and != take an ip()"),
        ('| addr = ip("10.0.0.300")', 'label filter addr = ip("10.0.0.300"): not an IP address'),
        ('|= "a" or b', "line filter |= needs a quoted string"),
        ('|= "a" or', "line filter |= needs a quoted string"),
        ('|~ "a" or "b("', "bad regex 'b(': missing ): b("),
        ('|~ ip("10.0.0.1")', "line filter |~ needs a quoted string"),
        ('|= ip("300.1.1.1")', 'line filter |= ip("300.1.1.1"): not an IP address, a range a-b or a CIDR'),
        ('|= ip("10.0.0.0/33")', 'line filter |= ip("10.0.0.0/33"): not an IP address'),
        ('|= ip("10.0.0.1-::1")', 'line filter |= ip("10.0.0.1-::1"): not an IP address'),
        ('|= ip "10.0.0.1"', 'line filter |= ip needs ("address")'),
        ('|= ip("10.0.0.1"', 'line filter |= ip needs ("address")'),
        ('| regexp "(\\\\w+) (\\\\S+)"', "regexp stage: '(\\\\w+) (\\\\S+)' has no named group"),
        ('| regexp "plain text"', "regexp stage: 'plain text' has no named group"),
        ("| regexp `(?P<a>[a-`", "regexp stage: bad regex '(?P<a>[a-': missing ]"),
        ("| regexp `(?P<a>x)(?=y)`", "regexp stage: bad regex '(?P<a>x)(?=y)': Loki's regexes (RE2)"),
        ("| regexp `(?P<a>x)\\1`", "regexp stage: bad regex"),
        ("| regexp", "the regexp stage takes one quoted regex"),
        ('| regexp "(?P<a>x)" "y"', "the regexp stage takes one quoted regex"),
        ('| regexp "(?P<a>\\d)"', "bad escape in the string"),  # Go's "\d" is no escape
        ("| pattern `<_> <_>`", "pattern stage: '<_> <_>' has no named capture"),
        ('| pattern "GET"', "pattern stage: 'GET' has no named capture"),
        (
            "| pattern `<a><b> x`",
            "pattern stage: '<a><b> x' has two captures with no text between them (before <b>)",
        ),
        ("| pattern `x <_><b>`", "pattern stage: 'x <_><b>' has two captures with no text between them"),
        ("| pattern `<a> - <a>`", "pattern stage: '<a> - <a>' captures <a> twice"),
        ("| pattern", "the pattern stage takes one quoted pattern"),
        ("| pattern `<a>` `<b>`", "the pattern stage takes one quoted pattern"),
        ("| bogus", "unknown pipeline stage 'bogus'"),
        ("| (bogus", "label filter bogus: expected an operator, not ''"),
    ],
)
def test_what_loki_refuses_is_refused_and_says_why(pipeline: str, message: str) -> None:
    with pytest.raises(LogqlError) as caught:
        check_logql(f"{SELECTOR} {pipeline}")
    assert str(caught.value).startswith(message), str(caught.value)


PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata:
  name: p
health:
  entity: {type_label: job, instance_label: instance}
  up: up
logs:
  selector: '{app="x"}'
  pipeline: '| logfmt | (level="error" or status>="500")'
  fields: {level: level}
"""


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        ('| logfmt | (level="error" or status>="500")', "label filter status >= needs a number"),
        ('| regexp "(?P<level>\\\\w+)" |= "a" or b', "line filter |= needs a quoted string"),
        ('| regexp "(\\\\w+)"', "regexp stage: '(\\\\w+)' has no named group"),
        ('|= ip("10.0.0.0/40")', 'line filter |= ip("10.0.0.0/40"): not an IP address'),
    ],
)
def test_packs_validate_names_file_line_and_the_pipeline_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pipeline: str, message: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PACK.replace("""'| logfmt | (level="error" or status>="500")'""", f"'{pipeline}'"))
    assert main(["packs", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:10: logs.pipeline: LogQL: {message}" in err, err


def test_a_pack_with_a_parenthesised_filter_and_an_or_chain_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yaml"
    good = (
        """'|~ "error" or "fatal" | logfmt | (level="error" or status>=500) | regexp `(?P<took>[0-9]+)ms`'"""
    )
    path.write_text(PACK.replace("""'| logfmt | (level="error" or status>="500")'""", good))
    assert main(["packs", "validate", str(path)]) == 0, capsys.readouterr().err


# Pieces of pipelines, glued at random: the reader refuses with a LogqlError or accepts, never crashes.
_PIECES = [*'{}()|=!~<>,"`\\ ab.5-_', "json", "regexp", " or ", " and ", "ip(", '"a"', '"(?P<x>a)"']
_PIECES += ["level", "| ", "|= ", "!= ", "|~ ", "|> ", "`x`", "20ms", "5xx", '"10.0.0.0/8"']


@given(st.lists(st.sampled_from(_PIECES), max_size=25))
def test_any_glued_pipeline_is_refused_or_accepted_never_a_crash(pieces: list[str]) -> None:
    try:
        check_logql(SELECTOR + " " + "".join(pieces))
    except LogqlError as refused:  # anything else (IndexError, an assert) fails the test
        said = str(refused)
    else:
        said = "accepted"
    assert said  # a refusal says why
