"""Parsed packs, themes and config kept between runs (opsconsole.yaml_cache): the same data and
the same error lines as a fresh parse, never a stale entry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsconsole import yaml_cache
from opsconsole.config import parse_config
from opsconsole.core.located_yaml import YamlSyntaxError, load_yaml
from opsconsole.packs.loader import load_packs
from opsconsole.resources import builtin_queries_dir, builtin_themes_dir
from opsconsole.yaml_cache import cache_dir, load_yaml_cached

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata:
  name: p
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="api"}
red:
  groups:
    api:
      rate: sum(rate(http_requests_total{job="api"}[$rate_window]))
      errors: sum(rate(http_requests_total{job="api", code=~"5.."}[$rate_window]))
      duration: {histogram: http_request_duration_seconds}
slos:
  s:
    objective: 0.999
    ratio: {total: x}
"""


@pytest.fixture(autouse=True)
def _a_process_that_has_read_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: nothing parsed or read yet (most test the files)."""
    monkeypatch.setattr(yaml_cache, "_in_memory", {})


def _no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a document not in the cache fails the test."""

    def refuse(text: str, source: str) -> None:
        raise AssertionError(f"{source} was parsed, not read from the cache")

    monkeypatch.setattr(yaml_cache, "load_yaml", refuse)


def test_the_cache_lives_in_the_xdg_cache_dir(tmp_path: Path) -> None:
    assert cache_dir() == Path(os.environ["XDG_CACHE_HOME"]) / "opsconsole" / "yaml"
    load_yaml_cached(PACK, "p.yaml")
    assert len(list(cache_dir().glob("*.json"))) == 1


@pytest.mark.parametrize("directory", [builtin_queries_dir(), builtin_themes_dir()], ids=["packs", "themes"])
def test_a_cached_document_is_the_fresh_parse(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(directory.glob("*.yaml"))
    assert files
    fresh = {f: load_yaml(f.read_text(), str(f)) for f in files}
    for f in files:
        load_yaml_cached(f.read_text(), str(f))
    _no_parser(monkeypatch)
    for f in files:
        assert load_yaml_cached(f.read_text(), str(f)) == fresh[f]


def test_errors_name_the_same_file_line_and_field_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "p.yaml").write_text(PACK)
    expected = "p.yaml:17: slos.s.ratio: Value error, give exactly one of 'bad' or 'good'"
    errors = [str(e) for e in load_packs([(first, "user")]).errors]
    assert any(e.startswith(f"{first}/{expected}") for e in errors), errors
    _no_parser(monkeypatch)
    errors = [str(e) for e in load_packs([(second, "user")]).errors]
    assert any(e.startswith(f"{second}/{expected}") for e in errors), errors


def test_an_edit_of_the_same_size_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    good = PACK.replace("ratio: {total: x}", "ratio: {total: x, bad: y}")
    path.write_text(good)
    assert [str(e) for e in load_packs([(tmp_path, "user")]).errors] == []
    stat = path.stat()
    path.write_text(good.replace("  up:", "  uq:"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    errors = [str(e) for e in load_packs([(tmp_path, "user")]).errors]
    assert errors == [f"{path}:7: health.uq: unknown field: did you mean `up`? (it is required and missing)"]


def test_a_syntax_error_is_reported_by_the_parser_every_time(tmp_path: Path) -> None:
    bad = "a: 1\nb: [\n"
    for _ in range(2):
        with pytest.raises(YamlSyntaxError, match=r"p.yaml:2: invalid YAML"):
            load_yaml_cached(bad, "p.yaml")
    assert list(cache_dir().glob("*.json")) == []


def test_the_config_file_and_its_secrets_are_never_copied_to_the_cache() -> None:
    config = parse_config(
        "contexts:\n  prod:\n    prometheus:\n      url: https://prom.example\n"
        "      auth: {bearer_token: s3cret-token}\n",
        "config.yaml",
    )
    assert "prod" in config.contexts
    assert list(cache_dir().glob("*.json")) == []


def test_a_damaged_entry_is_parsed_again_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_yaml(PACK, "p.yaml")
    load_yaml_cached(PACK, "p.yaml")
    (entry,) = cache_dir().glob("*.json")
    for damage in (b"", b"{not json", b'{"data": 1}', b"[1, 2]"):
        entry.write_bytes(damage)
        monkeypatch.setattr(yaml_cache, "_in_memory", {})  # the next process finds the damage
        assert load_yaml_cached(PACK, "p.yaml") == fresh
        assert entry.read_bytes() != damage


def test_data_json_cannot_hold_is_parsed_each_time() -> None:
    text = "when: 2026-11-29\n"
    assert load_yaml_cached(text, "t.yaml") == load_yaml(text, "t.yaml")
    assert list(cache_dir().glob("*.json")) == []


def test_an_unwritable_cache_dir_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert load_yaml_cached(PACK, "p.yaml") == load_yaml(PACK, "p.yaml")


def test_the_cache_keeps_the_newest_entries_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_cache, "MAX_ENTRIES", 3)
    for n in range(5):
        load_yaml_cached(f"n: {n}\n", "p.yaml")
        entry = cache_dir() / f"{yaml_cache._key(f'n: {n}' + chr(10))}.json"
        os.utime(entry, ns=(n * 10**9, n * 10**9))  # written in this order, whatever the clock's grain
    kept = {yaml_cache._key(f"n: {n}\n") for n in (2, 3, 4)}
    load_yaml_cached("n: 5\n", "p.yaml")
    names = {p.stem for p in cache_dir().glob("*.json")}
    assert names == kept - {yaml_cache._key("n: 2\n")} | {yaml_cache._key("n: 5\n")}


def test_a_process_parses_or_reads_a_text_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_yaml(PACK, "b.yaml")
    load_yaml_cached(PACK, "a.yaml")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # no file to read from here on
    _no_parser(monkeypatch)
    assert load_yaml_cached(PACK, "b.yaml") == fresh  # and named after its own file


def test_a_text_read_from_a_file_is_kept_for_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_yaml(PACK, "p.yaml")
    load_yaml_cached(PACK, "p.yaml")
    monkeypatch.setattr(yaml_cache, "_in_memory", {})  # another process: only the file is left
    _no_parser(monkeypatch)
    load_yaml_cached(PACK, "p.yaml")
    (entry,) = cache_dir().glob("*.json")
    entry.unlink()
    assert load_yaml_cached(PACK, "p.yaml") == fresh


def test_every_caller_gets_a_copy_of_its_own() -> None:
    first = load_yaml_cached(PACK, "p.yaml")
    first.data["metadata"]["name"] = "changed"
    first.lines.clear()
    second = load_yaml_cached(PACK, "p.yaml")
    assert second == load_yaml(PACK, "p.yaml")


def test_the_process_keeps_the_newest_texts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_cache, "MAX_ENTRIES", 3)
    for n in range(5):
        load_yaml_cached(f"n: {n}\n", "p.yaml")
    assert list(yaml_cache._in_memory) == [yaml_cache._key(f"n: {n}\n") for n in (2, 3, 4)]
