"""``--record FILE`` on the console and the wallboard: every service the app makes (a context or
pack switch makes a new one) reports each refresh to the recording, with the log lines on screen."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from opsconsole.config import ResolvedContext
from opsconsole.core.dashboard import LogRow
from opsconsole.mutations.silences import default_journal_path
from opsconsole.refresh.panes.logs import LOG_KEEP
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.console_options import ConsoleOptions

if TYPE_CHECKING:  # the console imports its app after its first refresh started (launch.open_console)
    from opsconsole.recording.session import RecordingSession
    from opsconsole.ui.app import OpsConsoleApp
    from opsconsole.ui.wallboard_options import WallboardOptions


def start_recording(
    args: argparse.Namespace, context: ResolvedContext | None, pack: str, journal: Path | None = None
) -> RecordingSession | None:
    """The recording ``--record FILE`` asks for (None without it); ``RecordingError`` for a bad file."""
    path: Path | None = getattr(args, "record_file", None)
    if path is None:
        return None
    # The recorder (sqlite3 and the codec) only when asked for: every console start comes here.
    from opsconsole.recording.secrets import Redactor
    from opsconsole.recording.session import RecordingSession
    from opsconsole.recording.store import RecordingWriter

    writer = RecordingWriter(
        path,
        context=context.name if context else "demo",
        pack=pack,
        redactor=Redactor.for_context(context),
        max_bytes=int(getattr(args, "record_max_size", 256.0) * 1024 * 1024),
    )
    return RecordingSession.start(writer, journal or default_journal_path())


def _observed(make: RefreshService, session: RecordingSession) -> RefreshService:
    make.observers.append(session.observe)
    return make


def record_console(options: ConsoleOptions, session: RecordingSession) -> None:
    """Make every service of the console report to ``session``."""
    make = options.make_service
    options.make_service = lambda context, pack: _observed(make(context, pack), session)
    options.notices.append(f"recording every refresh to {session.writer.path}")


def attach_console(app: OpsConsoleApp, session: RecordingSession) -> None:
    """The lines the console's log pane holds are the ones recorded (its boards carry none)."""
    from opsconsole.ui.panes import LogPane

    def shown() -> list[LogRow]:
        pane = app.panes.get("logs")
        if not isinstance(pane, LogPane):
            return []
        return list(pane.view.buffer.rows())[-LOG_KEEP:]

    session.shown_logs = shown


def record_wallboard(options: WallboardOptions, session: RecordingSession) -> None:
    """Make the wallboard's services report to ``session``."""
    make = options.make_service
    options.make_service = lambda: _observed(make(), session)
    options.notices.append(f"recording every refresh to {session.writer.path}")
