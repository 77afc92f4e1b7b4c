"""Theme files: the built-ins load, user files override, errors are located, the choice persists."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.config import load_config, save_setting
from opsconsole.launch import pick_theme
from opsconsole.resources import builtin_themes_dir
from opsconsole.ui.themes import load_themes, parse_theme


def test_builtin_themes_load_with_every_state_style() -> None:
    themes, errors = load_themes([builtin_themes_dir()])
    assert errors == []
    assert set(themes) == {"dark", "light", "high-contrast", "monochrome"}
    for theme in themes.values():
        assert {"crit", "warn", "ok", "none"} <= set(theme.states)
    assert themes["monochrome"].style("crit").color is None  # no colour at all
    assert themes["monochrome"].style("crit").reverse


def test_user_theme_overrides_a_builtin_and_broken_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "dark.yaml").write_text("name: dark\nbase: {primary: '#ff00ff'}\n")
    (tmp_path / "broken.yaml").write_text("name: broken\nbase:\n  primary: '#000'\n  sparkle: yes\n")
    themes, errors = load_themes([builtin_themes_dir(), tmp_path])
    assert themes["dark"].textual.primary == "#ff00ff"
    assert "broken" not in themes
    [error] = errors
    assert error.startswith(f"{tmp_path / 'broken.yaml'}:4: base.sparkle:")


def test_a_bad_state_style_names_its_line() -> None:
    with pytest.raises(ValueError, match=r"t.yaml:4: states.crit:"):
        parse_theme("name: t\nbase: {primary: '#000'}\nstates:\n  crit: 'bold notacolour'\n", "t.yaml")


def test_no_color_selects_monochrome(monkeypatch: pytest.MonkeyPatch) -> None:
    themes, _ = load_themes([builtin_themes_dir()])
    monkeypatch.setenv("NO_COLOR", "1")
    assert pick_theme(themes, "light", "dark") == "monochrome"
    monkeypatch.delenv("NO_COLOR")
    assert pick_theme(themes, "light", "dark") == "light"
    assert pick_theme(themes, None, "no-such-theme") == "dark"


def test_saving_the_theme_keeps_the_users_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("# my contexts\ntheme: dark  # default\ncontexts: {}\n")
    save_setting(path, "theme", "high-contrast")
    text = path.read_text()
    assert "# my contexts" in text
    config, _ = load_config(path)
    assert config.theme == "high-contrast"


def test_a_misspelt_theme_field_names_the_one_it_meant() -> None:
    text = "name: t\nbase: {primary: '#000', secundary: '#111'}\nstates:\n  critt: bold\n"
    with pytest.raises(ValueError) as raised:
        parse_theme(text, "t.yaml")
    assert str(raised.value).splitlines() == [
        "t.yaml:2: base.secundary: unknown field: did you mean `secondary`?",
        "t.yaml:4: states.critt: unknown field: did you mean `crit`?",
    ]
