"""YAML errors and field lines as every pack, theme and config error names them (``file:line``):
the line of a syntax error, an error at the end of the file, and the line of a nested field."""

from __future__ import annotations

import pytest

from opsconsole.core.located_yaml import YamlSyntaxError, load_yaml, load_yaml_documents


def test_fields_have_their_lines_and_unknown_paths_fall_back_to_the_deepest_known() -> None:
    doc = load_yaml("name: a\npanes:\n  - title: x\n    query: up\n  - title: y\n", "p.yaml")
    assert doc.data == {"name": "a", "panes": [{"title": "x", "query": "up"}, {"title": "y"}]}
    assert doc.line_of(("panes", 1, "title")) == 5
    assert doc.line_of(("panes", 0, "query")) == 4
    assert doc.line_of(("panes", 1, "query")) == 5  # missing: its item's line
    assert doc.line_of(("nothing",)) == 1
    assert load_yaml("7: seven\n", "p.yaml").data == {"7": "seven"}  # keys are text


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: 1\nb: [1, 2\n\n\n", 2, "while parsing a flow sequence"),  # open at the end: where it opened
        ("a: 1\n  b: 2\n", 2, "mapping values are not allowed here"),
        ("a: 1\na: 2\n", 2, 'found duplicate key "a"'),
    ],
)
def test_a_syntax_error_names_its_file_and_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(YamlSyntaxError) as bad:
        load_yaml(text, "packs/x.yaml")
    assert (bad.value.source, bad.value.line) == ("packs/x.yaml", line)
    assert problem in bad.value.problem
    assert str(bad.value).startswith(f"packs/x.yaml:{line}: invalid YAML: ")


def test_an_error_past_the_last_line_points_at_the_last_line_with_content() -> None:
    with pytest.raises(YamlSyntaxError) as bad:
        load_yaml('a: 1\nb: "open\n\n\n', "x.yaml")
    assert bad.value.line == 2


def test_a_multi_document_error_names_the_file_too() -> None:
    with pytest.raises(YamlSyntaxError) as bad:
        list(load_yaml_documents("a: 1\n---\nb: [\n", "slos.yaml"))
    assert bad.value.source == "slos.yaml" and bad.value.line == 3
    assert str(YamlSyntaxError("s.yaml", None, "empty")) == "s.yaml: invalid YAML: empty"


def test_an_unterminated_string_is_located_where_it_opened_not_where_the_file_ends() -> None:
    with pytest.raises(YamlSyntaxError) as bad:
        load_yaml('a: 1\nb: "open\nc: 3\nd: 4\n', "x.yaml")
    assert bad.value.line == 2
    assert bad.value.problem == "while scanning a quoted scalar found unexpected end of stream"


def test_an_error_inside_the_file_keeps_its_own_line_and_says_context_and_problem() -> None:
    with pytest.raises(YamlSyntaxError) as bad:
        load_yaml("a: 1\nb: [1, 2\nc: 3\nd: 4\n", "x.yaml")
    assert bad.value.line == 3  # where the parser found the problem, not the last line
    assert bad.value.problem == "while parsing a flow sequence expected ',' or ']', but got ':'"
    with pytest.raises(YamlSyntaxError) as alias:
        load_yaml("a: &x 1\nb: *y\nc: 2\n", "x.yaml")
    assert (alias.value.line, alias.value.problem) == (2, "found undefined alias 'y'")
    with pytest.raises(YamlSyntaxError) as block:
        load_yaml("- a\n- b\nc: 1\n", "x.yaml")
    assert block.value.line == 3


def test_an_error_without_a_position_says_its_first_line_or_its_kind() -> None:
    from ruamel.yaml.error import YAMLError

    from opsconsole.core.located_yaml import _syntax_error

    first = _syntax_error("s.yaml", YAMLError("first\nsecond"), "a: 1\n")
    assert (first.line, first.problem) == (None, "first")
    assert str(first) == "s.yaml: invalid YAML: first"
    assert _syntax_error("s.yaml", YAMLError("  "), "a: 1\n").problem == "YAMLError"


def test_values_are_plain_python_whatever_yaml_type_they_were_read_as() -> None:
    doc = load_yaml("i: 3\nf: 1.5\nb: true\ns: 'x'\nn: null\nl:\n  - 1\n  - 2.0\n  - {k: false}\n", "p.yaml")
    assert doc.data == {"i": 3, "f": 1.5, "b": True, "s": "x", "n": None, "l": [1, 2.0, {"k": False}]}
    kinds = {key: type(value) for key, value in doc.data.items()}
    assert kinds == {"i": int, "f": float, "b": bool, "s": str, "n": type(None), "l": list}
    assert [type(v) for v in doc.data["l"]] == [int, float, dict]
    assert type(doc.data["l"][2]["k"]) is bool
    assert doc.lines == {
        ("i",): 1,
        ("f",): 2,
        ("b",): 3,
        ("s",): 4,
        ("n",): 5,
        ("l",): 6,
        ("l", 0): 7,
        ("l", 1): 8,
        ("l", 2): 9,
        ("l", 2, "k"): 9,
    }


def test_a_key_that_is_not_text_is_located_under_its_text() -> None:
    doc = load_yaml("a: 1\n7: seven\n", "p.yaml")
    assert doc.line_of(("7",)) == 2


def test_each_document_of_a_stream_starts_at_its_own_line_whatever_it_holds() -> None:
    docs = list(load_yaml_documents("a: 1\n---\n\n- x\n- y\n---\nhello\n---\n", "s.yaml"))
    assert [(d.data, d.first_line, d.source) for d in docs] == [
        ({"a": 1}, 1, "s.yaml"),
        (["x", "y"], 4, "s.yaml"),
        ("hello", 1, "s.yaml"),  # a scalar document has no line of its own: the file's start
        (None, 1, "s.yaml"),
    ]
    assert docs[1].lines == {(0,): 4, (1,): 5}
    assert docs[1].line_of((1, "name")) == 5
    assert docs[0].line_of(()) == 1


def test_a_validation_error_of_the_whole_document_names_the_document_at_its_first_line() -> None:
    from pydantic import BaseModel, ValidationError

    from opsconsole.core.located_yaml import describe_validation_error

    class Pack(BaseModel):
        name: str

    second = list(load_yaml_documents("name: a\n---\n\n- not a mapping\n", "s.yaml"))[1]
    with pytest.raises(ValidationError) as invalid:
        Pack.model_validate(second.data)
    assert describe_validation_error(invalid.value, second) == [
        "s.yaml:4: (document): Input should be a valid dictionary or instance of Pack"
    ]


def test_merged_keys_are_read_and_located_at_the_mapping_that_merges_them() -> None:
    doc = load_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n", "p.yaml")
    assert doc.data == {"base": {"x": 1}, "child": {"y": 2, "x": 1}}
    assert doc.line_of(("child", "y")) == 4
    assert doc.line_of(("child", "x")) == 2  # merged from line 1: its own mapping's line


def test_a_syntax_error_described_without_the_text_keeps_the_parsers_line() -> None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from opsconsole.core.located_yaml import _syntax_error

    with pytest.raises(YAMLError) as raw:
        YAML(typ="rt").load("a: 1\nb: [\n")
    described = _syntax_error("s.yaml", raw.value)
    assert (described.line, described.source) == (3, "s.yaml")  # the parser's own: no text to clamp to
    assert _syntax_error("s.yaml", YAMLError("x")).line is None


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        # Nine aliases of nine: 387 million values once expanded; the console hung reading it.
        (LAUGHS, None, "more than 100,000 values once its aliases are expanded"),
        # An alias inside the node it names: a recursion without end (RecursionError).
        ("&a [*a]\n", 1, "an alias refers to a node that contains it"),
        # Nested deeper than any config: the walk and ruamel's own parser recursed into the limit.
        (
            "a:\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(1, 80)),
            None,
            "nested more than 64 levels deep",
        ),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", None, "nested more than 64 levels deep"),
    ],
    ids=["billion-laughs", "self-alias", "deep-mapping", "deep-brackets"],
)
def test_a_document_nested_or_expanded_beyond_any_config_is_a_syntax_error(
    text: str, line: int | None, problem: str
) -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        load_yaml(text, "p.yaml")
    assert raised.value.problem == problem
    if line is not None:
        assert raised.value.line == line
    with pytest.raises(YamlSyntaxError, match=problem):
        list(load_yaml_documents(text, "p.yaml"))
