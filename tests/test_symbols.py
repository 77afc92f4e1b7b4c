"""The health pane's alert mark: one cell wide, ASCII when the locale is not UTF-8 or when asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from opsconsole.cli import build_parser
from opsconsole.core.dashboard import Dashboard
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import DEMO_PACK, demo_options
from opsconsole.recording.store import RecordingReader, RecordingWriter
from opsconsole.ui.replay_launch import replay_app
from opsconsole.ui.symbols import ASCII, UNICODE, pick_symbols, utf8_locale
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


@pytest.mark.parametrize(
    ("environ", "utf8"),
    [
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "de_DE.utf8"}, True),
        ({"LANG": "C.UTF-8"}, True),
        ({"LANG": "sr_RS.UTF-8@latin"}, True),
        ({}, False),  # no locale at all is the C locale
        ({"LANG": "C"}, False),
        ({"LANG": "POSIX"}, False),
        ({"LANG": "en_US.ISO-8859-1"}, False),
        ({"LANG": "en_US.UTF-8", "LC_CTYPE": "C"}, False),  # LC_CTYPE before LANG
        ({"LANG": "C", "LC_ALL": "en_US.UTF-8"}, True),  # LC_ALL before everything
        ({"LANG": "en_US.UTF-8", "LC_ALL": ""}, True),  # set but empty counts as unset
    ],
)
def test_the_locale_decides_whether_the_terminal_speaks_utf8(environ: dict[str, str], utf8: bool) -> None:
    assert utf8_locale(environ) is utf8


def test_ascii_by_locale_config_or_environment() -> None:
    utf8, c = {"LANG": "en_US.UTF-8"}, {"LANG": "C"}
    assert pick_symbols("auto", utf8) is UNICODE
    assert pick_symbols("auto", c) is ASCII
    assert pick_symbols("ascii", utf8) is ASCII
    assert pick_symbols("unicode", c) is UNICODE
    assert pick_symbols("unicode", {**utf8, "OPSCONSOLE_SYMBOLS": "ascii"}) is ASCII  # env over config
    assert pick_symbols("ascii", {**c, "OPSCONSOLE_SYMBOLS": "Unicode"}) is UNICODE
    assert pick_symbols("auto", {**utf8, "OPSCONSOLE_SYMBOLS": "bogus"}) is UNICODE


def test_the_unicode_mark_is_one_cell_and_the_ascii_one_is_ascii() -> None:
    assert cell_len(UNICODE.alerts) == len(UNICODE.alerts) == 1
    assert not UNICODE.ascii
    assert ASCII.ascii and cell_len(ASCII.alerts) == 1


def test_the_flag_wins_over_the_environment_and_the_config(
    monkeypatch: pytest.MonkeyPatch, frozen_demo: Demo
) -> None:
    utf8 = {"LANG": "C.UTF-8", "OPSCONSOLE_SYMBOLS": "unicode"}
    assert pick_symbols("unicode", utf8, requested="ascii") is ASCII
    assert pick_symbols("ascii", {"LANG": "C", "OPSCONSOLE_SYMBOLS": "ascii"}, requested="Unicode") is UNICODE
    assert pick_symbols("ascii", utf8, requested=None) is UNICODE  # not given: the environment decides
    monkeypatch.setenv("OPSCONSOLE_SYMBOLS", "unicode")
    assert demo_options(frozen_demo[1], symbols="ascii").symbols is ASCII


@pytest.mark.parametrize(
    "argv",
    [["--symbols", "ascii", "demo"], ["demo", "--symbols", "ASCII"], ["--symbols", "ascii"]],
    ids=["before", "after", "plain-console"],
)
def test_the_symbols_flag_reaches_the_console_in_any_position(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).symbols == "ascii"


def test_an_unknown_symbol_set_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["demo", "--symbols", "emoji"])
    assert exited.value.code == 2
    assert "'emoji': expected auto, unicode or ascii" in capsys.readouterr().err


def test_the_demo_follows_the_environment(monkeypatch: pytest.MonkeyPatch, frozen_demo: Demo) -> None:
    assert demo_options(frozen_demo[1]).symbols is UNICODE  # the tests' locale is C.UTF-8
    monkeypatch.setenv("LANG", "C")
    assert demo_options(frozen_demo[1]).symbols is ASCII
    monkeypatch.setenv("OPSCONSOLE_SYMBOLS", "unicode")
    assert demo_options(frozen_demo[1]).symbols is UNICODE


def _alert_marks(app: object) -> list[str]:
    pane = app.panes["health"]  # type: ignore[attr-defined]
    column = pane.column_index("Alerts")
    assert column is not None
    return [str(pane.table.get_row_at(i)[column]) for i in range(pane.table.row_count)]


@pytest.mark.parametrize(("lang", "mark"), [("C.UTF-8", "⚑"), ("C", "*")], ids=["utf8", "c-locale"])
async def test_the_health_pane_marks_agents_with_alerts(
    monkeypatch: pytest.MonkeyPatch, frozen_demo: Demo, lang: str, mark: str
) -> None:
    monkeypatch.setenv("LANG", lang)
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        marks = [m for m in _alert_marks(app) if m != "·"]
        assert marks, "the demo incident has agents with firing alerts"
        assert all(m.startswith(mark) and m[len(mark) :].isdigit() for m in marks), marks
        assert all(cell_len(m) == len(m) for m in marks)  # no double-width glyph
        assert all(m.isascii() for m in marks) is (lang == "C")


def test_a_replay_takes_symbols_as_the_live_console_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Flag (either side of the command), then ``OPSCONSOLE_SYMBOLS``, then the config's ``symbols:``,
    then the locale: a replay watched over the same SSH link as the live console draws the same."""
    path = tmp_path / "incident.opsrec"
    with RecordingWriter(path, context="demo", pack=DEMO_PACK) as writer:
        writer.add(Dashboard("demo", DEMO_PACK, 1_700_000_000.0, 900.0))
    config = tmp_path / "config.yaml"
    config.write_text("symbols: ascii\n")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("OPSCONSOLE_SYMBOLS", raising=False)
    with RecordingReader(path) as reader:
        assert replay_app(reader).options.symbols is UNICODE
        assert replay_app(reader, config=config).options.symbols is ASCII
        assert replay_app(reader, config=config, symbols="unicode").options.symbols is UNICODE
        monkeypatch.setenv("OPSCONSOLE_SYMBOLS", "unicode")
        assert replay_app(reader, config=config).options.symbols is UNICODE
        assert replay_app(reader, symbols="ascii").options.symbols is ASCII
    for argv in (["replay", str(path), "--symbols", "ascii"], ["--symbols", "ascii", "replay", str(path)]):
        assert build_parser().parse_args(argv).symbols == "ascii"
