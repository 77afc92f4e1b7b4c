"""The fast YAML reader (libyaml) gives exactly what the line-locating parser (ruamel) gives,
or steps aside: a config that validates is read without ruamel, and nothing it reads means
anything else than it did (YAML 1.1's ``yes`` and ``0755`` are not YAML 1.2's)."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsconsole.core.located_yaml import YamlSyntaxError, load_yaml
from opsconsole.core.plain_yaml import NotPlainYaml, load_plain

# Each one read by both; the ones marked True must be read here (the others may step aside).
CASES: list[tuple[str, bool]] = [
    ("a: 1", True),
    ("a: -12\nb: +3\nc: 0", True),
    ("a: 1.5\nb: -0.25", True),
    ("a: yes\nb: no\nc: on\nd: off\ne: y\nf: n", True),  # strings in YAML 1.2, booleans in 1.1
    ("a: true\nb: False\nc: TRUE\nd: tRue", True),
    ("a: null\nb: ~\nc:\nd: Null\ne: nULL", True),
    ("a: \"0755\"\nb: '1e3'", True),
    ("a: |\n  two\n  lines\nb: >\n  folded\n  text\n", True),
    ('1: a\n"1": b', True),  # two keys that become one string: the last wins, as in ruamel
    ("- a\n- [1, 2.5, x]\n- {k: v}", True),
    ('a: "\\u00e9 \\t"', True),
    ("url: https://user@host:9090/path?q=1#f", True),
    ("ack_duration: 15m\nack_cap: 1h30m\nx: 500ms\ny: 7d", True),
    ("", True),
    ("# only a comment\n", True),
    ("a: 0755", False),  # 755 in YAML 1.2 (ruamel), 493 in YAML 1.1
    ("a: 0o17\nb: 0x1F\nc: 0b11\nd: 1_000", False),
    ("a: 1e3\nb: .5\nc: 1.\nd: .inf\ne: -.Inf\nf: .nan", False),
    ("a: 2026-11-30\nb: 2026-11-30T10:00:00Z", False),
    ("a: 12:30:00", False),
    ("a: -x\nb: +y\nc: .hidden", False),
    ("a: 1\na: 2", False),
    ("true: 1\n1: 2", False),
    ("a:\n  <<: {b: 1}\n  c: 2", False),
    ("%YAML 1.1\n---\na: yes", False),
    ('a: !!int "12"', False),
    ("a: !!str 12", False),
    ("a: !!binary aGk=", False),
    ("a: !custom x", False),
    ("a: &anchor {b: 1}\nc: *anchor", False),
    ("0: &0:0", False),
    ("a: !\nb: ! x", False),
    (">#: 61", False),
    ("a: b: c", False),
    ("a: [1, 2", False),
    ("a: 1\n---\nb: 2", False),
    ("? [1, 2]\n: x", False),
]


def _ruamel(text: str) -> tuple[str, Any]:
    try:
        return "data", load_yaml(text, "t.yaml").data
    except YamlSyntaxError:
        return "error", None
    except (IndexError, ValueError, TypeError):  # ruamel fails so on some odd keys ("-_", "? ")
        return "crash", None


def _same(fast: Any, slow: Any) -> bool:
    # repr too: 1 == 1.0 == True, and a config field cares which it got.
    return bool(fast == slow) and repr(fast) == repr(slow)


@pytest.mark.parametrize(("text", "read_here"), CASES, ids=[repr(t) for t, _ in CASES])
def test_what_is_read_here_is_what_ruamel_reads(text: str, read_here: bool) -> None:
    kind, slow = _ruamel(text)
    try:
        fast = load_plain(text)
    except NotPlainYaml:
        assert not read_here, "stepped aside from a document it must read"
        return
    assert kind == "data", "read a document ruamel refuses"
    assert _same(fast, slow), (fast, slow)


SCALAR_CHARS = string.ascii_letters[:6] + "mhwdMHeEoxXTtrufalsnyNY0123456789+-._:~<=!&*|>'\"#@%` ,[]{}?/\\\t"


@given(
    st.dictionaries(
        st.text(SCALAR_CHARS, min_size=1, max_size=6),
        st.text(SCALAR_CHARS, max_size=10) | st.lists(st.text(SCALAR_CHARS, max_size=6), max_size=3),
        max_size=4,
    )
)
def test_any_scalar_is_read_as_ruamel_reads_it_or_left_to_it(fields: dict[str, Any]) -> None:
    """Keys and values written plain, as a person types them: whatever libyaml makes of them
    is what ruamel makes of them, or the reader steps aside."""
    lines = []
    for key, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    text = "\n".join(lines) + "\n"
    kind, slow = _ruamel(text)
    try:
        fast = load_plain(text)
    except NotPlainYaml:
        return
    assert kind == "data", (text, fast)
    assert _same(fast, slow), (text, fast, slow)
