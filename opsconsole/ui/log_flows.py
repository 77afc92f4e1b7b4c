"""The log pane's live tail and the LogQL line filters of every log view: start the tail (or say
why there is none), pause it, narrow it, and open a line (its fields, or its trace)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from opsconsole.core.dashboard import LogRow
from opsconsole.core.search_text import line_filter_stage
from opsconsole.packs.logql_check import check_logql
from opsconsole.ui.log_view import LogView

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp


class LogFlows:
    """The log tails of one console app."""

    def __init__(self, app: OpsConsoleApp) -> None:
        self.app = app
        self.main_line_filter = ""  # the line filter of the log pane's tail, as typed

    def start_main_tail(self) -> None:
        """The logs pane's live tail, or a line saying why there is none."""
        app = self.app
        pane = app.main.log_pane
        request = app.service.tail_request()
        logs = app.service.pack.logs
        if request is None and logs is not None and logs.unavailable:
            # Said where the eye is, not as an empty pane: where the logs are and how to read them,
            # a sentence a line (a log line does not wrap).
            stamp = int(app.options.clock() * 1e9)
            for sentence in re.split(r"(?<=[.:;])\s+", logs.unavailable.strip()):
                pane.view.buffer.append(LogRow(stamp, "gap", "", sentence, ""))
            pane.view.refresh()
            pane.show_tail_status("not in Loki: see the lines above", tailing=False)
            return
        if request is None:
            pane.show_tail_status("this pack has no logs section", tailing=False)
            return
        if app.service.backends.loki is None:
            pane.show_tail_status(
                "no Loki in this context: --loki URL, or loki: url in its config", tailing=False
            )
            return
        app.tails.start(app.service, pane.view, request, pane.show_tail_status)

    def restart_main_tail(self) -> None:
        """After a context or pack switch: every tail stopped, the pane emptied, the new one started."""
        self.app.tails.stop_all()
        self.app.main.log_pane.view.buffer.clear()
        self.main_line_filter = ""
        self.start_main_tail()

    def toggle_pause(self) -> None:
        """Pause or resume following the log pane's tail (paused lines are counted, not lost)."""
        view = self.app.main.log_pane.view
        view.set_paused(not view.paused)
        self.app.tails.pump()

    def opened(self, event: LogView.Opened) -> None:
        """Enter on a line: its trace when asked for and known, else all its fields."""
        if event.trace:
            self.app.open_trace(event.row.trace_id)
        else:
            from opsconsole.ui.screens import FieldsScreen

            self.app.push_screen(FieldsScreen("log line", sorted(event.row.fields.items())))

    def line_filter_requested(self, view: LogView) -> None:
        """The log pane asks for its line filter: the prompt, holding the one in force."""
        if view is self.app.main.log_pane.view:
            self.app.main.prompt.open("linefilter", self.main_line_filter)

    def set_main_line_filter(self, text: str) -> None:
        """The log pane's line filter, as typed in the prompt."""
        self.main_line_filter = text
        self.refilter(self.app.main.log_pane.view, text)

    def refilter(self, view: LogView, text: str) -> None:
        """Restart ``view``'s tail with the line filter ``text`` (checked first: a bad one is a
        toast and the tail goes on unchanged)."""
        base = self.app.tails.base_request(view)
        if base is None:
            return
        stage = line_filter_stage(text)
        try:
            check_logql(f"{base.logql} {stage}".strip())
        except ValueError as exc:
            self.app.notify(f"line filter not used: {exc}", severity="error")
            return
        self.app.tails.refilter(self.app.service, view, stage)
