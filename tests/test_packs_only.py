"""``load_packs(only=…)``: a one-shot command validates the one pack it uses (and what it extends)."""

from __future__ import annotations

from pathlib import Path

from opsconsole.packs.loader import load_packs

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata:
  name: {name}
{extends}health:
  entity: {{type_label: job, instance_label: instance}}
  up: {up}
"""


def _write(folder: Path, name: str, up: str = "up", extends: str = "") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(PACK.format(name=name, up=up, extends=f"extends: {extends}\n" if extends else ""))
    return path


def test_only_the_wanted_pack_is_validated_and_returned(tmp_path: Path) -> None:
    _write(tmp_path, "wanted", extends="base")
    _write(tmp_path, "base", up="up{job='api'}")
    _write(tmp_path, "broken", up="sum(")
    everything = load_packs([(tmp_path, "user")])
    assert sorted(everything.packs) == ["base", "wanted"]
    assert [e.field for e in everything.errors] == ["health.up.query"]
    one = load_packs([(tmp_path, "user")], only="wanted")
    assert sorted(one.packs) == ["wanted"]
    assert one.errors == []
    assert one.packs["wanted"].pack.extends == "base"
    assert one.packs["wanted"].pack == everything.packs["wanted"].pack


def test_the_wanted_pack_still_reports_its_own_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, "wanted", up="sum(")
    _write(tmp_path, "other")
    one = load_packs([(tmp_path, "user")], only="wanted")
    assert one.packs == {}
    assert [f"{e.file}:{e.line}: {e.field}" for e in one.errors] == [f"{path}:7: health.up.query"]


def test_an_unknown_name_validates_every_pack_for_the_error_message(tmp_path: Path) -> None:
    _write(tmp_path, "one")
    _write(tmp_path, "broken", up="sum(")
    result = load_packs([(tmp_path, "user")], only="missing")
    assert sorted(result.packs) == ["one"]
    assert [e.field for e in result.errors] == ["health.up.query"]
