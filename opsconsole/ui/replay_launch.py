"""Building the replay console from a recording (the pack named in it, the themes, the config's
theme and packs' folder)."""

from __future__ import annotations

from pathlib import Path

from opsconsole.config import load_config
from opsconsole.launch import theme_choice, themes_and_notices
from opsconsole.packs.loader import load_packs
from opsconsole.packs.search_path import pack_dirs
from opsconsole.recording.replay_service import RecordedBoards, ReplayService, no_backends
from opsconsole.recording.store import RecordingReader
from opsconsole.refresh.service import RefreshService
from opsconsole.refresh.session import DEFAULT_PACK
from opsconsole.ui.app import ConsoleOptions
from opsconsole.ui.replay_app import ReplayApp
from opsconsole.ui.symbols import pick_symbols


def replay_app(
    reader: RecordingReader,
    *,
    theme: str | None = None,
    symbols: str | None = None,
    speed: float = 10.0,
    config: Path | None = None,
) -> ReplayApp:
    """The console on ``reader``'s recording, the cursor on its first refresh; ``config``: the config
    file (``--config``; None: ``OPSCONSOLE_CONFIG`` or the XDG one), for the packs, the theme and the
    symbols (``symbols``, ``--symbols``, wins over ``OPSCONSOLE_SYMBOLS`` and the config's, as live)."""
    recorded = RecordedBoards(reader)
    recorded.cursor.speed = speed
    info = reader.info
    settings, _path = load_config(config)
    packs = load_packs(pack_dirs(settings))  # built-in packs and the user's, as the console finds them
    notices = []
    pack_name = info.pack
    if pack_name not in packs.packs:
        notices.append(
            f"the recording's pack {info.pack!r} is not installed here: shown with {DEFAULT_PACK}'s layout "
            "(the recorded figures are the recording's)"
        )
        pack_name = DEFAULT_PACK
    if info.dropped_frames:
        notices.append(f"this recording is partial: {info.dropped_text()}")
    themes, theme_notices = themes_and_notices()
    chosen_theme, theme_told = theme_choice(themes, theme, settings.theme)

    def make_service(context: str, pack: str) -> RefreshService:
        return ReplayService(
            context_name=context,
            pack=packs.packs[pack_name].pack,
            backends=no_backends(),
            clock=lambda: recorded.cursor.frame.at,
            recorded=recorded,
        )

    options = ConsoleOptions(
        make_service=make_service,
        context=info.context,
        pack=pack_name,
        contexts=[info.context],
        packs=[pack_name],
        themes=themes,
        theme=chosen_theme,
        clock=lambda: recorded.cursor.frame.at,
        auto_refresh=False,
        notices=theme_notices + theme_told + notices,
        live_tail=False,
        symbols=pick_symbols(settings.symbols, requested=symbols),
    )
    return ReplayApp(options, recorded.cursor)
