"""A pack named like another (a built-in copied into the packs folder and not yet renamed): the
later file wins the name, and `packs validate`, `packs doctor` and the console's start-up notices say
which file that is and how to keep both. Only `packs list` said so, and only "replaces the one from"."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.cli import build_parser, main
from opsconsole.commands.console import console_setup
from opsconsole.resources import builtin_queries_dir
from tests.support.real_servers import RunningServer

MINE = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: meta}
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="test-target"}
"""


def _mine(home: Path) -> Path:
    folder = home / ".config" / "opsconsole" / "packs"
    folder.mkdir(parents=True)
    path = folder / "meta.yaml"
    path.write_text(MINE)
    return path


def _said(mine: Path) -> str:
    return (
        f"pack 'meta' from {mine} (user) replaces the built-in pack of that name "
        f"({builtin_queries_dir() / 'meta.yaml'}): 'meta' (--pack, a context's pack:) now means this "
        "file. To keep both, give this file another metadata.name (`extends: meta` then takes the "
        "built-in's queries and changes only what the file writes)"
    )


def test_validate_says_which_file_wins_the_name_and_how_to_keep_both(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = _mine(isolated_home)
    monkeypatch.chdir(mine.parent)
    assert main(["packs", "validate", "meta.yaml"]) == 0  # a clash is a note, not an error
    out, err = capsys.readouterr()
    assert out == "ok: meta.yaml: pack 'meta'\n"
    assert err == f"note: {_said(mine)}\n"


def test_the_doctor_says_the_pack_it_checks_is_the_file_that_won_the_name(
    isolated_home: Path, real_prometheus: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = _mine(isolated_home)
    assert main(["packs", "doctor", "--pack", "meta", "--prometheus", real_prometheus.url]) == 0
    out, err = capsys.readouterr()
    assert f"note: {_said(mine)}" in err.splitlines()
    assert out.startswith(f"pack meta on {real_prometheus.url}")
    # Another pack is not this clash's business.
    main(["packs", "doctor", "--pack", "otel-http", "--prometheus", real_prometheus.url])
    assert "replaces" not in capsys.readouterr().err


def test_the_console_says_it_at_start_when_the_pack_in_force_won_its_name(isolated_home: Path) -> None:
    mine = _mine(isolated_home)
    options = console_setup(
        build_parser().parse_args(["--pack", "meta", "--prometheus", "http://127.0.0.1:9"])
    )
    assert _said(mine) in options.notices
    other = console_setup(
        build_parser().parse_args(["--pack", "otel-http", "--prometheus", "http://127.0.0.1:9"])
    )
    assert not any("replaces" in notice for notice in other.notices)
