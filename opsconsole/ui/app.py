"""The console application: the main screen, its keys, and the flows each key starts.

The screens live in their own modules: :mod:`opsconsole.ui.main_screen` (header, panes, prompt),
:mod:`opsconsole.ui.commands` (the ``:`` commands), :mod:`opsconsole.ui.drill_flows` (Enter and the
pivots), :mod:`opsconsole.ui.silence_flows` (ack and silences), :mod:`opsconsole.ui.prompt_flows`
(``/``, ``:`` and Esc), :mod:`opsconsole.ui.context_switch`; what the console shares with the
wallboard is in :mod:`opsconsole.ui.shell`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input

from opsconsole.core.dashboard import PANES, Dashboard, PaneName
from opsconsole.core.durations import format_duration
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.view_markdown import view_markdown
from opsconsole.mutations.silences import SilenceService
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.ui.commands import ConsoleCommands, run_command
from opsconsole.ui.console_options import ConsoleOptions
from opsconsole.ui.copy_markdown import copy_markdown
from opsconsole.ui.drill_flows import PIVOT_LEAD_SECONDS, DrillFlows
from opsconsole.ui.header_fit import HeaderPart
from opsconsole.ui.key_order import KeysInOrder
from opsconsole.ui.keys import CONSOLE_BINDINGS, help_sections
from opsconsole.ui.log_flows import LogFlows
from opsconsole.ui.log_tails import LogTails
from opsconsole.ui.log_view import LogView
from opsconsole.ui.main_screen import MainScreen
from opsconsole.ui.pane import Pane
from opsconsole.ui.pane_table import AlertRowKey, PaneTable, RowTarget
from opsconsole.ui.panes import PANE_TYPES, AlertsPane, LogPane
from opsconsole.ui.prompt import Prompt
from opsconsole.ui.prompt_flows import PromptFlows
from opsconsole.ui.shell import ConsoleShell, clock_text, freshness
from opsconsole.ui.silence_flows import SilenceFlows

if TYPE_CHECKING:
    from opsconsole.ui.logs_screen import LineFilterChanged
    from opsconsole.ui.silence_screens import SilencesScreen
    from opsconsole.ui.trace_screens import TraceScreen
    from opsconsole.ui.trace_search_screen import TraceSearchScreen

RANGES = (900.0, 3600.0, 6 * 3600.0, 24 * 3600.0)
ACK_RECONCILE_SECONDS = 30.0  # how often a console with write access ends resolved acks


class OpsConsoleApp(KeysInOrder[None], ConsoleShell):
    """Is it on fire, where, since when, what do I do.

    Keys are handled one at a time, in order (:mod:`opsconsole.ui.key_order`): what is typed right
    after ``:`` or ``/`` goes into the prompt, never to the pane under it.
    """

    TITLE = "opsconsole"
    COMMANDS: ClassVar = App.COMMANDS | {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = CONSOLE_BINDINGS

    header_badge = ""  # said in reverse video after the clock (a replay says REPLAY)

    def __init__(self, options: ConsoleOptions) -> None:
        super().__init__(
            options.themes,
            options.theme,
            clock=options.clock,
            refresh_interval=options.refresh_interval,
            auto_refresh=options.auto_refresh,
        )
        self.options = options
        self.context_name = options.context
        self.pack_name = options.pack
        self.service = options.make_service(options.context, options.pack)
        # The console tails Loki itself (LogTail): the refresh does not poll it.
        self.settings = RefreshSettings(poll_logs=False)
        self.silence_service = self.new_silence_service()
        self._told: set[str] = set()  # board notices already shown
        self.messages: list[str] = []
        panes: dict[PaneName, Pane] = {cls.name_: cls() for cls in PANE_TYPES if cls is not LogPane}
        panes["logs"] = LogPane(self.console_theme, LogBuffer(options.log_buffer))
        for pane in panes.values():
            pane.symbols = options.symbols
        self.main = MainScreen(panes)
        self.tails = LogTails(self, live=options.live_tail, on_loki_news=self.render_header)
        self.drills = DrillFlows(self)
        self.logs = LogFlows(self)
        self.silences = SilenceFlows(self)
        self.prompts = PromptFlows(self)

    def get_default_screen(self) -> Screen[Any]:
        return self.main

    @property
    def panes(self) -> dict[PaneName, Pane]:
        """The main screen's panes by name."""
        return self.main.panes

    @property
    def active(self) -> PaneName:
        """The main screen's active pane."""
        return self.main.active

    @property
    def narrow(self) -> bool:
        """Below 120 columns the panes become tabs."""
        return self.main.narrow

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        """Show a toast and remember it (the last few are what ``:messages`` would show).

        Never as markup: toasts quote servers ("not sent: ..."), trace ids and typed text.
        """
        kwargs.setdefault("markup", False)
        self.messages.append(message)
        del self.messages[:-50]
        super().notify(message, *args, **kwargs)

    def new_silence_service(self) -> SilenceService:
        """The silences of the current context's Alertmanagers."""
        return SilenceService(
            self.service.backends.alertmanagers,
            read_only=self.service.backends.read_only,
            journal_path=self.options.journal_path,
            clock=self.options.clock,
        )

    def on_mount(self) -> None:
        self.render_header()
        for notice in self.options.notices:
            self.notify(notice, severity="warning", timeout=10)
        self.start_shell()
        if self.options.auto_refresh and not self.service.backends.read_only:
            self.set_interval(ACK_RECONCILE_SECONDS, self.silences.reconcile_acks)
        self.logs.start_main_tail()  # its news is shown when it arrives (LogTails.wake), not on a clock

    def on_resize(self) -> None:
        self.render_header()

    # -- refresh ------------------------------------------------------------------------------

    def refresh_settings(self) -> RefreshSettings:
        return self.settings

    def show_board(self, board: Dashboard) -> None:
        self.render_board()
        if len(self.screen_stack) > 1:  # a screen over the main one: it may be the silences'
            from opsconsole.ui.silence_screens import SilencesScreen

            for screen in self.screen_stack:
                if isinstance(screen, SilencesScreen) and screen.is_attached:
                    screen.show(board.silences)
        for notice in board.notices:  # said once per session, not at every refresh
            if notice not in self._told:
                self._told.add(notice)
                self.notify(notice, severity="warning", timeout=15)

    def render_board(self) -> None:
        """Every pane, the header and the tabs from the last board."""
        if self.board is None:
            return
        for pane in self.panes.values():
            pane.render_dashboard(self.board, self.console_theme)
        self.render_header()
        self.main.show_tabs(self.board)

    _render_board = render_board  # the name the pilot tests call

    def render_header(self) -> None:
        """Context, pack, range, clock, read-only, and each backend's freshness."""
        short = self.narrow
        # What gives way when the line is too long: the name first, then the pack (shortened), then
        # the range; never the context, the clock, READ-ONLY or REPLAY, nor the backends' freshness.
        parts = [
            HeaderPart("opsconsole", prefix=" ", style="bold reverse", give_way=1),
            HeaderPart(f"{'' if short else 'ctx '}{self.context_name}", prefix=" ", style="bold"),
            HeaderPart(f"{'' if short else 'pack '}{self.pack_name}", prefix="│ ", give_way=2, shortest=6),
            HeaderPart(
                f"{'' if short else 'range '}{format_duration(self.settings.range_seconds)}",
                prefix="│ ",
                give_way=3,
            ),
            HeaderPart(clock_text(self.options.clock()), prefix="│ "),
        ]
        badge = self.header_badge or ("READ-ONLY" if self.service.backends.read_only else "")
        if badge:  # e.g. REPLAY: this is not the present
            parts.append(HeaderPart(badge, prefix=" ", style="bold reverse"))
            parts.append(HeaderPart("", suffix=" "))
        after = freshness(self.board, self.options.clock(), self.console_theme, short=short)
        self.main.show_header(tuple(parts), after)

    @property
    def _header_drawn(self) -> Text:
        return self.main._header_drawn

    # -- settings the refresh follows ---------------------------------------------------------

    def set_range(self, seconds: float) -> None:
        """The range of charts and histories, from the next refresh on."""
        self.settings = replace(self.settings, range_seconds=seconds)
        self.render_header()
        self.notify(f"range: last {format_duration(seconds)}")
        self.action_refresh()

    def set_grouping(self, labels: Sequence[str]) -> None:
        """Group alerts by ``labels``, from the next refresh on."""
        self.settings = replace(self.settings, group_by=list(labels))
        self.action_refresh()

    def action_cycle_range(self) -> None:
        """t: 15m → 1h → 6h → 24h → 15m."""
        later = [r for r in RANGES if r > self.settings.range_seconds]
        self.set_range(later[0] if later else RANGES[0])

    # -- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys work now (the main screen's keys are its own bindings: see ui/keys.py).

        In a text field, Tab is the field's. Ack and silence work on the alerts pane; read-only
        shows them disabled, and never sends.
        """
        if action in ("next_pane", "previous_pane") and isinstance(self.focused, Input):
            return False
        if action in ("ack", "silence"):
            if self.active != "alerts":
                return False
            return None if self.service.backends.read_only else True
        return True

    def action_pane(self, name: str) -> None:
        """Jump to a pane by name."""
        if name in PANES:
            self.main.focus_pane(name)

    def action_next_pane(self) -> None:
        """Tab: next pane."""
        self.main.step_pane(1)

    def action_previous_pane(self) -> None:
        """Shift+Tab: previous pane."""
        self.main.step_pane(-1)

    def action_help(self) -> None:
        """Show every binding and command."""
        from opsconsole.ui.screens import HelpScreen

        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Keys grouped by where they work, and the ``:`` commands (see :mod:`opsconsole.ui.keys`)."""
        return help_sections(self.BINDINGS, MainScreen.BINDINGS)

    def action_zoom(self) -> None:
        """z: the focused pane full size, or back to all panes."""
        if self.main.maximized is not None:
            self.main.minimize()
        else:
            self.main.maximize(self.panes[self.active], container=False)

    def action_all_alerts(self) -> None:
        """A: every alert Alertmanager holds, or back to those the pack's matchers select."""
        pane = self.panes["alerts"]
        if isinstance(pane, AlertsPane):
            pane.show_all = not pane.show_all
            self.render_board()
            self.notify("showing every alert" if pane.show_all else f"showing the alerts of {self.pack_name}")

    def action_copy_markdown(self) -> None:
        """y: the pane on screen as Markdown, to the clipboard (OSC 52) and a file (see copy_markdown)."""
        if self.board is None:
            return
        pane = self.panes[self.active]
        logs = self.main.log_pane.view.visible_rows() if self.active == "logs" else None
        shown_all = isinstance(pane, AlertsPane) and pane.show_all
        text = view_markdown(
            self.board, self.active, filter_text=pane.filter_text, showing_all=shown_all, logs=logs
        )
        copy_markdown(self, text, f"the {self.active} pane")  # the toast says how, when it is done

    def action_pause_logs(self) -> None:
        """p: pause or resume following the log tail (paused lines are counted, not lost)."""
        self.logs.toggle_pause()

    def _selected_ref(self) -> RowTarget | None:
        return self.panes[self.active].selected()

    def _selected_alert_ref(self) -> RowTarget | None:
        return self.panes["alerts"].selected() if self.active == "alerts" else None

    def action_ack(self) -> None:
        """a: a short ACK silence pinned to the selected alert (after confirmation)."""
        self.silences.ack(self._selected_alert_ref())

    def action_silence(self) -> None:
        """s: the silence form, prefilled from the selected alert or group."""
        self.silences.silence(self._selected_alert_ref())

    def action_silences(self, every: bool = False) -> None:
        """S: the silences screen (as last refreshed, and refreshed now); every context's with ``every``."""
        self.silences.silences(every)

    def action_info(self) -> None:
        """i: every field of the selected alert (who silenced it, inhibitors, history)."""
        ref = self._selected_alert_ref()
        if not isinstance(ref, AlertRowKey):
            self.notify("select an alert to see its details", severity="warning")
            return
        self.drills.show_alert(ref.alert)

    def action_entity_logs(self) -> None:
        """l: logs of the selected agent, service row or alert."""
        self.drills.entity_logs(self._selected_ref())

    def action_entity_traces(self) -> None:
        """T: trace search for the selected agent, service row or alert."""
        self.drills.entity_traces(self._selected_ref())

    def open_trace(self, trace_id: str, focus_span: str | None = None) -> None:
        """The waterfall of one trace (see :meth:`DrillFlows.open_trace`)."""
        self.drills.open_trace(trace_id, focus_span)

    # -- the prompt: filter, search, line filter, command -------------------------------------

    def action_filter(self) -> None:
        """/: filter the focused pane's rows (in the log pane: search the lines held)."""
        self.prompts.open_filter()

    def action_command(self) -> None:
        """:: command mode."""
        self.prompts.open_command()

    def open_command_prompt(self, text: str = "") -> None:
        """The ``:`` prompt, holding ``text``."""
        self.prompts.open_command(text)

    def run_command(self, line: str) -> None:
        """Execute one ``:`` command; problems are reported, never raised."""
        run_command(self, line)

    def action_clear_filter(self) -> None:
        """Esc: close the prompt, else clear the pane's filter, else leave a zoomed pane."""
        self.prompts.clear()

    @on(Prompt.Edited)
    def _prompt_edited(self, event: Prompt.Edited) -> None:
        self.prompts.edited(event)

    @on(Prompt.Entered)
    def _prompt_entered(self, event: Prompt.Entered) -> None:
        self.prompts.entered(event)

    # -- rows, log lines, traces: where Enter and the screens' requests go --------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        for pane in self.panes.values():
            if pane.table is event.data_table:
                ref = pane.refs.get(event.row_key.value or "")
                if ref is not None:
                    self.drills.drill(ref)

    @on(LogView.Opened)
    def _log_line_opened(self, event: LogView.Opened) -> None:
        self.logs.opened(event)

    @on(LogView.LineFilterRequested)
    def _main_line_filter_requested(self, event: LogView.LineFilterRequested) -> None:
        self.logs.line_filter_requested(event.view)

    def on_line_filter_changed(self, event: LineFilterChanged) -> None:  # from a logs screen
        self.logs.refilter(event.view, event.text)

    # The screens' own messages, by their handler names: the screens are imported when first
    # opened, not before the first frame (``on_<screen>_<message>`` is Textual's naming).

    def on_trace_search_screen_search_requested(self, event: TraceSearchScreen.SearchRequested) -> None:
        self.drills.search_traces(event.screen, event.text)

    def on_trace_search_screen_trace_chosen(self, event: TraceSearchScreen.TraceChosen) -> None:
        from opsconsole.ui.trace_screens import TraceScreen

        self.push_screen(TraceScreen(event.trace, self.console_theme))

    def on_trace_screen_trace_requested(self, event: TraceScreen.TraceRequested) -> None:
        self.open_trace(event.trace_id, event.span_id)

    def on_silences_screen_change_requested(self, event: SilencesScreen.ChangeRequested) -> None:
        self.silences.change_requested(event)

    async def on_unmount(self) -> None:
        self.tails.stop_all()
        await super().on_unmount()


__all__ = ["PIVOT_LEAD_SECONDS", "ConsoleOptions", "OpsConsoleApp", "PaneTable"]
