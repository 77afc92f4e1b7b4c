"""A pack file that cannot be used says file, line, field and why, exactly; the other packs still load.

In-process calls of ``load_packs`` (the `packs validate` CLI is tested by ``test_packs.py``); each
test pins the whole error, since the file and line are what the reader acts on.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsconsole.config import ConsoleConfig, default_packs_dir
from opsconsole.packs.loader import PackError, PackSource, discover, load_packs
from opsconsole.packs.search_path import pack_dirs
from opsconsole.resources import builtin_queries_dir

HEAD = "apiVersion: opsconsole.dev/v1\nkind: QueryPack\n"
BODY = "health:\n  entity: {type_label: job, instance_label: instance}\n  up: up\n"


def pack(name: str, extra: str = "") -> str:
    return f"{HEAD}metadata:\n  name: {name}\n{extra}{BODY}"


def write(folder: Path, file: str, text: str) -> Path:
    path = folder / file
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_file_that_cannot_be_read_is_named_and_the_next_still_loads(tmp_path: Path) -> None:
    missing = tmp_path / "gone.yaml"
    good = write(tmp_path, "good.yaml", pack("good"))
    result = load_packs([], [missing, good])
    assert result.errors == [PackError(str(missing), 1, "(file)", "cannot read: No such file or directory")]
    assert list(result.packs) == ["good"]


def test_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    listed = write(tmp_path, "list.yaml", "- a\n- b\n")
    good = write(tmp_path, "good.yaml", pack("good"))
    result = load_packs([], [listed, good])
    assert result.errors == [
        PackError(str(listed), 1, "(document)", "expected a mapping with apiVersion, kind, metadata")
    ]
    assert list(result.packs) == ["good"]


def test_a_syntax_error_on_the_first_line_is_line_1(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", "apiVersion: [\n")
    [error] = load_packs([], [broken]).errors
    assert (error.file, error.line, error.field) == (str(broken), 1, "(yaml)")
    assert error.message.startswith("invalid YAML: ")


def test_a_file_that_is_not_utf8_is_named_with_its_line_and_the_next_still_loads(tmp_path: Path) -> None:
    # A binary file in the packs folder (or a pack saved as Latin-1) crashed every command that
    # loads the search path, the console included, with a UnicodeDecodeError.
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"apiVersion: opsconsole.dev/v1\nkind: QueryPack\ndescription: caf\xe9\n")
    good = write(tmp_path, "good.yaml", pack("good"))
    result = load_packs([(tmp_path, "user")])
    assert result.errors == [
        PackError(str(binary), 3, "(file)", "not UTF-8 text (byte 0xe9 at offset 62): save it as UTF-8")
    ]
    assert list(result.packs) == ["good"]
    assert result.packs["good"].source.path == good


def test_a_control_character_is_a_yaml_error_at_its_line(tmp_path: Path) -> None:
    # The reader's error has no line of its own (no mark): line 1 is where this one is.
    bell = write(tmp_path, "bell.yaml", "kind: \x07QueryPack\n")
    assert load_packs([], [bell]).errors == [
        PackError(
            str(bell),
            1,
            "(yaml)",
            "invalid YAML: unacceptable character #x0007: special characters are not allowed",
        )
    ]


def test_metadata_without_a_name_points_at_metadata(tmp_path: Path) -> None:
    cases = {
        "no-name.yaml": f"{HEAD}\nmetadata:\n  description: x\n{BODY}",
        "number.yaml": f"{HEAD}\nmetadata:\n  name: 5\n{BODY}",
        "empty.yaml": f"{HEAD}\nmetadata:\n  name: ''\n{BODY}",
        "scalar.yaml": f"{HEAD}\nmetadata: just-a-name\n{BODY}",
    }
    paths = [write(tmp_path, file, text) for file, text in cases.items()]
    result = load_packs([], paths)
    assert result.errors == [
        PackError(str(path), 4, "metadata.name", "required field is missing") for path in paths
    ]
    assert result.packs == {}


def test_extending_an_unknown_pack_names_the_last_link_of_the_chain(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", pack("a", "extends: b\n"))
    b = write(tmp_path, "b.yaml", pack("b", "extends: c\n"))
    c = write(tmp_path, "c.yaml", pack("c", "\n\nextends: nowhere\n"))
    result = load_packs([], [a, b, c])
    missing = PackError(str(c), 7, "extends", "extends unknown pack 'nowhere'")
    # Each of the three packs ends in the same unknown pack; each says so where it is misspelt.
    assert result.errors == [missing, missing, missing]
    assert result.packs == {}


def test_extends_must_be_one_name_never_silently_dropped(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", pack("base"))
    for value, shown in (("[base, other]", "['base', 'other']"), ("5", "5"), ("''", "''")):
        child = write(tmp_path, "child.yaml", pack("child", f"extends: {value}\n"))
        result = load_packs([], [base, child])
        assert result.errors == [
            PackError(str(child), 5, "extends", f"expected one pack's name, not {shown}")
        ], value
        assert list(result.packs) == ["base"]
    child = write(tmp_path, "child.yaml", pack("child", "extends:\n"))  # null: extends nothing
    assert list(load_packs([], [base, child]).packs) == ["base", "child"]


def test_an_extending_pack_merges_and_keeps_what_it_extends(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", pack("base", "variables: {job: api, env: prod}\n"))
    child = write(tmp_path, "child.yaml", pack("child", "extends: base\nvariables: {job: db}\n"))
    result = load_packs([], [base, child])
    assert result.errors == []
    loaded = result.packs["child"]
    assert loaded.pack.extends == "base"
    assert {n: v.default for n, v in loaded.pack.variables.items()} == {"job": "db", "env": "prod"}
    assert [doc.source for doc in loaded.chain] == [str(child), str(base)]
    assert result.packs["base"].pack.extends is None


def test_only_one_pack_validates_that_pack_and_what_it_extends(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", pack("base"))
    child = write(tmp_path, "child.yaml", pack("child", "extends: base\n"))
    broken = write(tmp_path, "broken.yaml", pack("broken").replace("up: up", "up: 'up{'"))
    result = load_packs([], [base, child, broken], only="child")
    assert result.errors == [] and list(result.packs) == ["child"]
    assert result.packs["child"].pack.extends == "base"
    # A name no pack has: every pack is validated, so the caller can list them and their errors.
    everything = load_packs([], [base, child, broken], only="missing")
    assert list(everything.packs) == ["base", "child"]
    assert [(e.file, e.field) for e in everything.errors] == [(str(broken), "health.up.query")]


def test_one_pack_refused_for_any_reason_does_not_stop_the_next(tmp_path: Path) -> None:
    # Refused by the schema (an unknown field), by the semantic checks (bad PromQL) and by a cycle,
    # each before a good pack in the same load.
    files = [
        write(tmp_path, "1.yaml", pack("unknown-field", "colour: red\n")),
        write(tmp_path, "2.yaml", pack("bad-promql").replace("up: up", "up: 'up{'")),
        write(tmp_path, "3.yaml", pack("loop", "extends: loop\n")),
        write(tmp_path, "4.yaml", pack("good")),
    ]
    result = load_packs([], files)
    assert list(result.packs) == ["good"]
    assert [(Path(e.file).name, e.line, e.field) for e in result.errors] == [
        ("1.yaml", 5, "colour"),
        ("2.yaml", 7, "health.up.query"),
        ("3.yaml", 5, "extends"),
    ]
    assert result.errors[0].message == (
        "unknown field (allowed here: apiVersion, kind, metadata, extends, variables, health, red, "
        "saturation, alerts, slos, logs, traces, links)"
    )


def test_a_misspelt_field_names_the_field_it_meant(tmp_path: Path) -> None:
    # "unknown field (see docs/query-packs.md for the allowed fields)", and for `querry` a second
    # error on another line, "query: required field is missing", for one slip of the finger.
    typos = write(
        tmp_path,
        "typos.yaml",
        HEAD
        + textwrap.dedent(
            """\
            metadata: {name: typos, descripton: checkout}
            health:
              entity: {type_label: job, instance_label: instance}
              up: up
              signals:
                memory:
                  querry: process_resident_memory_bytes
                  treshold: {warn: 1}
            red:
              groups:
                api:
                  rate: x
                  errors: y
                  duration: {histogramm: http_request_duration_seconds}
            slo: {}
            """
        ),
    )
    result = load_packs([], [typos])
    assert result.packs == {}
    assert sorted((e.line, e.field, e.message) for e in result.errors) == [
        (3, "metadata.descripton", "unknown field: did you mean `description`?"),
        (
            9,
            "health.signals.memory.querry",
            "unknown field: did you mean `query`? (it is required and missing)",
        ),
        (10, "health.signals.memory.treshold", "unknown field: did you mean `thresholds`?"),
        # The duration's form is read from its keys: without `histogram` it is the quantiles' form,
        # and the histogram form's fields are still what a typo is matched against.
        (16, "red.groups.api.duration.histogramm", "unknown field: did you mean `histogram`?"),
        (17, "slo", "unknown field: did you mean `slos`?"),
    ]
    assert all(e.file == str(typos) for e in result.errors)


def test_a_query_may_name_the_entity_only_where_there_is_one(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", pack("p").replace("up: up", "up: 'up{pod=\"$entity\"}'"))
    [error] = load_packs([], [path]).errors
    assert (error.line, error.field) == (7, "health.up.query")
    assert error.message.startswith("unknown variable $entity")
    logs = "logs:\n  selector: '{app=\"a\"}'\n  entity_selector: '{pod=\"$entity\"}'\n"
    fine = write(tmp_path, "p.yaml", pack("p", logs))
    assert load_packs([], [fine]).errors == []


def test_a_bad_escape_in_a_log_selector_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", pack("p", "logs:\n  selector: '{app=\"a\\x\"}'\n"))
    [error] = load_packs([], [path]).errors
    assert (error.line, error.field) == (6, "logs.selector")
    assert error.message.startswith('LogQL: bad escape in the string "a\\x"')


def test_discover_orders_by_folder_then_name_and_marks_where_each_came_from(tmp_path: Path) -> None:
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    builtin.mkdir()
    user.mkdir()
    for folder, names in ((builtin, ["b.yaml", "a.yml", "notes.txt"]), (user, ["c.yaml"])):
        for name in names:
            (folder / name).write_text("x", encoding="utf-8")
    (user / "dir.yaml").mkdir()
    extra = tmp_path / "mine.yaml"
    found = discover([(builtin, "builtin"), (tmp_path / "absent", "user"), (user, "user")], [extra])
    assert found == [
        PackSource(builtin / "a.yml", "builtin"),
        PackSource(builtin / "b.yaml", "builtin"),
        PackSource(user / "c.yaml", "user"),
        PackSource(extra, "cli"),
    ]


def test_a_pack_given_on_the_command_line_replaces_the_same_name_and_says_so(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    write(user, "p.yaml", pack("p"))
    mine = write(tmp_path, "mine.yaml", pack("p"))
    result = load_packs([(user, "user")], [mine])
    assert result.packs["p"].source == PackSource(mine, "cli")
    assert result.notices == [
        f"pack 'p' from {mine} (cli) replaces the one from {user / 'p.yaml'} (user): 'p' (--pack, a "
        "context's pack:) now means this file. To keep both, give this file another metadata.name "
        "(`extends: p` then takes that one's queries and changes only what the file writes)"
    ]
    [clash] = result.clashes_of("p")
    assert (clash.winner, clash.loser) == (PackSource(mine, "cli"), PackSource(user / "p.yaml", "user"))
    assert clash.involves(mine) and not clash.involves(tmp_path / "other.yaml")


def test_the_search_path_is_builtin_then_the_users_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert pack_dirs(ConsoleConfig(packs_dir=Path("~/mine"))) == [
        (builtin_queries_dir(), "builtin"),
        (tmp_path / "mine", "user"),
    ]
    assert pack_dirs(ConsoleConfig()) == [(builtin_queries_dir(), "builtin"), (default_packs_dir(), "user")]


RED = """\
red:
  groups:
    api:
      rate: sum(rate(http_requests_total[$rate_window]))
      errors: sum(rate(http_requests_total{code=~"5.."}[$rate_window]))
      duration:
        histogram: http_request_duration_seconds
        selector: job="api"
"""


def test_a_typo_in_a_histogram_duration_is_one_error_at_its_own_line(tmp_path: Path) -> None:
    # The duration is a histogram or quantiles: the typo was reported four times, on the
    # `duration:` line, as fields of both forms (red.groups.api.duration.Quantiles.histogram:
    # unknown field), the forms' class names in the field.
    path = write(tmp_path, "p.yaml", pack("p", RED.replace("selector:", "selectr:")))
    assert load_packs([], [path]).errors == [
        PackError(
            str(path),
            12,
            "red.groups.api.duration.selectr",
            "unknown field: did you mean `selector`?",
        )
    ]


def test_schema_errors_come_in_the_files_order_not_the_schemas(tmp_path: Path) -> None:
    # The pack's fields are declared metadata, health, ..., slos, logs: written the other way round,
    # the errors still read top to bottom, the order a person mends them in.
    backwards = write(
        tmp_path,
        "backwards.yaml",
        HEAD
        + "logs: {selectr: '{app=\"x\"}'}\n"  # 3
        + "slos: {api: {objectiv: 0.99}}\n"  # 4
        + "metadata: {name: backwards, descripton: x}\n",  # 5
    )
    result = load_packs([], [backwards])
    assert [(e.line, e.field) for e in result.errors][:3] == [
        (3, "logs.selectr"),
        (4, "slos.api.objectiv"),
        (5, "metadata.descripton"),
    ]
    lines = [e.line for e in result.errors]
    assert lines == sorted(lines)
