"""A theme name that is no theme (a typo on the command line, a theme file since deleted) falls back
to dark and says so at start-up, in the console, the wallboard and a replay alike. It fell back
silently, and a typo'd ``--theme high-contrats`` on a wall looked like a theme that draws as dark."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.cli import build_parser, resolve_from_args
from opsconsole.commands.console import console_setup
from opsconsole.core.wallboard_figures import PAGES
from opsconsole.launch import theme_choice, themes_and_notices, wallboard_options
from opsconsole.refresh.session import load_pack_set

THEMES = "themes: dark, high-contrast, light, monochrome"
NOWHERE = "http://127.0.0.1:9"


def test_a_theme_flag_that_names_no_theme_is_said_and_dark_is_drawn(isolated_home: Path) -> None:
    options = console_setup(build_parser().parse_args(["--theme", "high-contrats", "--prometheus", NOWHERE]))
    assert options.theme == "dark"
    assert f"--theme 'high-contrats' is not a theme: drawn in dark ({THEMES})" in options.notices
    fine = console_setup(build_parser().parse_args(["--theme", "light", "--prometheus", NOWHERE]))
    assert fine.theme == "light"
    assert not any("is not a theme" in notice for notice in fine.notices)


def test_a_config_theme_that_names_no_theme_is_said_as_the_config_files(isolated_home: Path) -> None:
    config = isolated_home / ".config" / "opsconsole" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("theme: solarized\n")
    options = console_setup(build_parser().parse_args(["--prometheus", NOWHERE]))
    assert options.theme == "dark"
    said = f"theme 'solarized' in the config file is not a theme: drawn in dark ({THEMES})"
    assert said in options.notices
    # The flag wins over the file, and a good flag leaves nothing to say.
    flagged = console_setup(build_parser().parse_args(["--theme", "light", "--prometheus", NOWHERE]))
    assert flagged.theme == "light" and said not in flagged.notices


def test_the_wallboard_says_it_too(isolated_home: Path) -> None:
    args = build_parser().parse_args(["wallboard", "--theme", "nope", "--prometheus", NOWHERE])
    args.read_only = True
    context = resolve_from_args(args)
    options = wallboard_options(
        context, load_pack_set(context), pack=None, variables={}, theme="nope", pages=PAGES, rotate_seconds=30
    )
    assert options.theme == "dark"
    assert f"--theme 'nope' is not a theme: drawn in dark ({THEMES})" in options.notices


def test_no_color_draws_monochrome_whatever_was_asked(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    themes, _ = themes_and_notices()
    monkeypatch.setenv("NO_COLOR", "1")
    assert theme_choice(themes, "nope", "dark") == ("monochrome", [])
    monkeypatch.delenv("NO_COLOR")
    assert theme_choice(themes, None, "light") == ("light", [])
