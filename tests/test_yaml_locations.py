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
