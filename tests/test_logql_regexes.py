"""Regexes in LogQL are judged as Loki judges them: Go's regexp (RE2 syntax) on the string as Go reads it.

Before, label filters (``| level !~ "("``) were not checked at all, selector ``!~`` matchers neither,
and line filters went through Python's ``re``, which accepts what Loki refuses and refuses what Loki
accepts. A pack that passes ``packs validate`` must not fail at Loki.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsconsole.cli import main
from opsconsole.core import go_regex
from opsconsole.core.go_regex import RegexSyntaxError, compile_go_regex
from opsconsole.packs.loader import load_packs
from opsconsole.packs.logql_check import LogqlError, check_logql

# Each of these is accepted by Go's regexp and refused by Python's re (3.11).
GO_ONLY = ["\\pL+", "\\p{Greek}", "\\Qa.b\\E", "a(?i)b", "x\\z"]
# Each of these is accepted by Python's re and refused by Go's regexp.
PYTHON_ONLY = ["(?x)a b", "(?>ab)", "a*+", "x\\Z", "a{1001}", "(a)(?(1)b|c)", "(?=x)", "(a)\\1"]
# Refused by both.
BROKEN = ["(", "[z-a]", "a)"]
# C++ RE2 accepts \C (any byte); Go, and so Loki, does not.
CPP_RE2_ONLY = ["\\C", "a\\Cb"]


def _places(pattern: str) -> list[str]:
    """``pattern`` in each place LogQL takes a regex, back-quoted so it is written as is."""
    return [
        f"{{app=~`{pattern}`, job=`x`}}",
        f"{{app!~`{pattern}`, job=`x`}}",
        f"{{app=`x`}} |~ `{pattern}`",
        f"{{app=`x`}} !~ `{pattern}`",
        f"{{app=`x`}} | level =~ `{pattern}`",
        f"{{app=`x`}} | json | level !~ `{pattern}`",
        f'{{app=`x`}} | logfmt | status >= 500 and level="e" or level =~ `{pattern}`',
    ]


def test_the_python_and_go_lists_really_differ() -> None:
    """Guards the lists above: were Python's re the judge, the tests below could not fail."""
    for pattern in GO_ONLY:
        with pytest.raises(re.error):
            re.compile(pattern)
    for pattern in PYTHON_ONLY:
        re.compile(pattern)


@pytest.mark.parametrize("pattern", GO_ONLY)
def test_what_go_accepts_is_accepted_everywhere(pattern: str) -> None:
    for query in _places(pattern):
        check_logql(query)


@pytest.mark.parametrize("pattern", PYTHON_ONLY + BROKEN + CPP_RE2_ONLY)
def test_what_go_refuses_is_refused_everywhere(pattern: str) -> None:
    for query in _places(pattern):
        with pytest.raises(LogqlError, match="regex"):
            check_logql(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{app="x"} | level !~ "("', "invalid regex for level: missing ): ("),
        (
            '{app="x"} | level=~"a(?=b)"',
            "invalid regex for level: " + "Loki's regexes (RE2) have no lookaround",
        ),
        ('{app="x"} | json | status >= 500 and path =~ "[z-a]"', "invalid regex for path: invalid character"),
        ('{app="x"} | level="a" or level=~"b("', "invalid regex for level: missing ): b("),
        ('{app="x"} | level =~ 5', "label filter level =~ needs a quoted regex"),
        ('{app="x"} | level="a" or level !~', "label filter level !~ needs a quoted regex"),
        ('{app!~"(", job="x"}', "invalid regex for app: missing ): ("),
        ('{app="x"} |~ "a\\\\C"', "bad regex 'a\\\\C': invalid escape sequence: \\C"),
    ],
)
def test_each_refusal_says_which_label_or_filter_and_why(query: str, message: str) -> None:
    with pytest.raises(LogqlError) as caught:
        check_logql(query)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_regex_operator_inside_a_string_is_text_not_a_filter() -> None:
    check_logql('{app="x"} | msg = "a =~ (" | level=~"warn|error"')
    check_logql('{app="x"} | line_format "{{.level}} !~ (" | level="e"')


def test_double_quoted_strings_are_read_with_gos_escapes() -> None:
    # Go's strconv.Unquote: "\d" is no escape at all, so Loki refuses the query (write "\\d" or `\d`).
    for query in ('{app=~"\\d+"}', '{app="x"} |~ "\\d+"', '{app="x"} | n =~ "\\d+"'):
        with pytest.raises(LogqlError, match="string"):
            check_logql(query)
    for query in ('{app=~"\\\\d+"}', '{app="x"} |~ "\\\\d+"', '{app="x"} | n =~ "\\\\d+"', "{app=~`\\d+`}"):
        check_logql(query)
    # Hex and octal escapes are bytes, \u a code point; JSON (used before for filters) refused them.
    check_logql('{app="x"} |~ "\\x41\\101\\u00e9"')
    check_logql('{app="\\xc3\\xa9"}')  # the two bytes of "é"
    with pytest.raises(LogqlError, match="bad escape"):
        check_logql('{app="\\\'x"}')  # \' is only an escape inside Go's single quotes
    with pytest.raises(LogqlError, match="bad escape"):
        check_logql('{app="\\400"}')  # octal above 255
    with pytest.raises(LogqlError, match="bad escape"):
        check_logql('{app="\\ud800"}')  # a lone surrogate is no code point
    with pytest.raises(LogqlError, match="not UTF-8"):
        check_logql('{app="\\xff"}')


def test_the_empty_string_check_uses_gos_semantics() -> None:
    # \pL* matches the empty string (Python's re cannot even compile it); \pL+ does not.
    with pytest.raises(LogqlError, match="every matcher can match the empty string"):
        check_logql("{app=~`\\pL*`}")
    check_logql("{app=~`\\pL+`}")


def test_a_refused_regex_writes_nothing_to_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    # RE2 logs each refused pattern to stderr unless told not to: that would land on the console's screen.
    with pytest.raises(RegexSyntaxError):
        compile_go_regex("(")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


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
  pipeline: '| json | level !~ "("'
  fields: {level: level}
"""


def _pack(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_packs_validate_names_file_line_and_the_pipeline_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _pack(tmp_path, PACK)
    assert main(["packs", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:10: logs.pipeline: LogQL: invalid regex for level: missing ): (" in err, err


def test_a_bad_selector_regex_is_the_selectors_even_with_a_pipeline(tmp_path: Path) -> None:
    path = _pack(tmp_path, PACK.replace('{app="x"}', '{app="x", job!~"a("}').replace('"("', '"e"'))
    errors = [str(e) for e in load_packs([], [path]).errors]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:9: logs.selector: LogQL: invalid regex for job")


def test_a_good_pipeline_regex_loads(tmp_path: Path) -> None:
    path = _pack(tmp_path, PACK.replace('"("', '"debug|trace"'))
    result = load_packs([], [path])
    assert [str(e) for e in result.errors] == [] and "p" in result.packs


PLAIN_ALPHABET = "ab9_-/:@,= |."


@given(
    st.text(alphabet=PLAIN_ALPHABET + "*+?", max_size=12).filter(
        lambda p: go_regex._PLAIN.fullmatch(p) is not None
    ),
    st.lists(st.text(alphabet="ab9_-/:@,= |.\n", max_size=8), max_size=8),
)
def test_a_plain_pattern_is_read_alike_by_python_and_re2(pattern: str, texts: list[str]) -> None:
    """Plain patterns skip RE2 (whose import costs start-up time): that is only right if Python's re
    compiles each of them as RE2 does and matches the same strings."""
    import re2

    ours = compile_go_regex(pattern)
    assert isinstance(ours, re.Pattern)  # the plain path was taken
    theirs = re2.compile(pattern, options=go_regex._options())
    for text in ["", *texts]:
        assert (ours.fullmatch(text) is None) == (theirs.fullmatch(text) is None), (pattern, text)


def test_packs_whose_regexes_are_plain_load_without_re2() -> None:
    """The built-in packs' selectors are all plain: loading them at start-up does not import RE2."""
    code = (
        "import sys\n"
        "from opsconsole.packs.loader import load_packs\n"
        "from opsconsole.resources import builtin_queries_dir\n"
        "result = load_packs([(builtin_queries_dir(), 'builtin')])\n"
        "assert not result.errors and result.packs, result.errors\n"
        "print('re2' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False", out
