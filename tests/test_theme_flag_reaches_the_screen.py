"""``--theme`` and ``--config`` reach what draws: the commands that take them use them.

``overview`` took ``--theme`` and drew in Textual's own colours (only the console Enter opened used
it); ``replay`` took ``--config`` and read the default config file (its packs' folder), and its
``--theme`` was a flag of its own, refused before the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsconsole.cli import main
from opsconsole.core.dashboard import Dashboard
from opsconsole.recording.session import RecordingSession
from opsconsole.recording.store import RecordingWriter
from opsconsole.resources import builtin_queries_dir
from opsconsole.ui import replay_launch
from opsconsole.ui.overview_screen import OverviewApp

DEAD = "http://127.0.0.1:9"  # nothing listens on the discard port: connection refused at once


def _config(tmp_path: Path, theme: str | None = None) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        (f"theme: {theme}\n" if theme else "")
        + "current_context: prod\n"
        + "contexts:\n"
        + f"  prod: {{prometheus: {{url: '{DEAD}'}}}}\n"
        + f"  staging: {{prometheus: {{url: '{DEAD}'}}}}\n"
    )
    return path


@pytest.fixture
def opened_overview(monkeypatch: pytest.MonkeyPatch) -> list[OverviewApp]:
    """The overview app ``opsconsole overview`` builds, kept instead of run."""
    opened: list[OverviewApp] = []

    def keep(app: OverviewApp) -> None:
        opened.append(app)

    monkeypatch.setattr(OverviewApp, "run", keep)
    return opened


@pytest.mark.parametrize(
    ("argv", "config_theme", "drawn"),
    [
        (["overview", "--theme", "light"], None, "light"),
        (["--theme", "light", "overview"], None, "light"),
        (["overview"], "high-contrast", "high-contrast"),  # the config's, as the console's
        (["overview", "--theme", "light"], "high-contrast", "light"),
        (["overview"], None, "dark"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
async def test_the_overview_draws_with_the_theme_in_force(
    argv: list[str],
    config_theme: str | None,
    drawn: str,
    tmp_path: Path,
    opened_overview: list[OverviewApp],
) -> None:
    assert main([*argv, "--config", str(_config(tmp_path, config_theme))]) == 0
    [app] = opened_overview
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == f"opsconsole-{drawn}"
        assert app.current_theme.background == app.console_theme.base.background  # type: ignore[union-attr]


async def test_the_overview_under_no_color_is_monochrome(
    tmp_path: Path, opened_overview: list[OverviewApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["overview", "--theme", "light", "--config", str(_config(tmp_path))]) == 0
    assert opened_overview[0].console_theme is not None
    assert opened_overview[0].console_theme.name == "monochrome"


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """A recording of one refresh."""
    path = tmp_path / "one.opsrec"
    session = RecordingSession.start(
        RecordingWriter(path, context="prod", pack="progressive-framework"), None
    )
    session.add(Dashboard("prod", "progressive-framework", 1_764_000_000.0, 900.0))
    session.close()
    return path


@pytest.fixture
def opened_replay(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The replay app ``opsconsole replay`` builds, kept instead of run."""
    opened: list[Any] = []
    build = replay_launch.replay_app

    def keep(*args: Any, **kwargs: Any) -> Any:
        app = build(*args, **kwargs)
        monkeypatch.setattr(app, "run", lambda: None)
        opened.append(app)
        return app

    monkeypatch.setattr(replay_launch, "replay_app", keep)
    return opened


@pytest.mark.parametrize(
    ("argv", "config_theme", "drawn"),
    [
        (["--theme", "light", "replay"], None, "light"),  # refused before: replay's --theme was its own
        (["replay", "--theme", "light"], None, "light"),
        (["--config", "CONFIG", "replay"], "high-contrast", "high-contrast"),  # --config was not read
        (["replay", "--config", "CONFIG"], "high-contrast", "high-contrast"),
        (["replay", "--config", "CONFIG", "--theme", "light"], "high-contrast", "light"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_replay_reads_the_config_and_theme_given(
    argv: list[str],
    config_theme: str | None,
    drawn: str,
    tmp_path: Path,
    recording: Path,
    opened_replay: list[Any],
) -> None:
    config = str(_config(tmp_path, config_theme))
    assert main([config if word == "CONFIG" else word for word in argv] + [str(recording)]) == 0
    [app] = opened_replay
    assert app.console_theme.name == drawn


def test_replay_finds_the_packs_of_the_config_given(
    tmp_path: Path, recording: Path, opened_replay: list[Any]
) -> None:
    """The recording's pack installed only in the ``packs_dir`` of the config given: it is found there
    (with the default config's folders it was not, and the replay said so and used another's layout)."""
    packs = tmp_path / "packs"
    packs.mkdir()
    recorded = RecordingWriter(tmp_path / "mine.opsrec", context="prod", pack="mine")
    session = RecordingSession.start(recorded, None)
    session.add(Dashboard("prod", "mine", 1_764_000_000.0, 900.0))
    session.close()
    builtin = builtin_queries_dir() / "meta.yaml"
    (packs / "mine.yaml").write_text(builtin.read_text().replace("name: meta", "name: mine", 1))
    config = tmp_path / "config.yaml"
    config.write_text(f"packs_dir: {packs}\n")
    assert main(["replay", str(tmp_path / "mine.opsrec"), "--config", str(config)]) == 0
    [app] = opened_replay
    assert app.pack_name == "mine"
    assert not any("not installed here" in notice for notice in app.options.notices)
