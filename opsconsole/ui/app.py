"""The console application: header, five panes, prompt, footer, and the keyboard model."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.driver import Driver
from textual.widgets import DataTable, Footer, Input, Static

from opsconsole.backends.errors import BackendError
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.backend_labels import backend_labels
from opsconsole.core.dashboard import (
    PANES,
    AlertGroupView,
    AlertView,
    Dashboard,
    LogRow,
    PaneName,
    SilenceView,
    SloRow,
)
from opsconsole.core.log_buffer import DEFAULT_CAPACITY, LogBuffer
from opsconsole.core.search_text import TraceQuery, line_filter_stage, parse_trace_query
from opsconsole.core.silence_blast_radius import DEFAULT_BLAST_RADIUS, ClusterAlert
from opsconsole.core.silence_draft import (
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    matchers_for_alert,
    parse_silence_duration,
)
from opsconsole.core.silence_extension import plan_extension
from opsconsole.core.value_format import format_duration
from opsconsole.core.view_markdown import view_markdown
from opsconsole.mutations.alert_scope import scope_for_pack
from opsconsole.mutations.identity import origin
from opsconsole.mutations.silences import SilenceService, error_hint
from opsconsole.packs.logql_check import check_logql
from opsconsole.packs.variables import parse_duration
from opsconsole.refresh.pivots import alert_entity
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.collector import settle_after_startup
from opsconsole.ui.copy_markdown import copy_markdown
from opsconsole.ui.log_tails import LogTails
from opsconsole.ui.log_view import LogView
from opsconsole.ui.logs_screen import LineFilterChanged, LogsScreen
from opsconsole.ui.no_color import honour_no_color
from opsconsole.ui.panes import PANE_TYPES, AlertsPane, LogPane, Pane, PaneTable, RowRef
from opsconsole.ui.screens import DetailScreen, FieldsScreen, HelpScreen
from opsconsole.ui.silence_screens import (
    ConfirmScreen,
    FormDefaults,
    RadiusRules,
    SilenceFormScreen,
    SilencesScreen,
    TypedConfirmScreen,
)
from opsconsole.ui.slo_screen import SloScreen
from opsconsole.ui.terminal_output import hang_up_tolerant_driver
from opsconsole.ui.terminal_signals import exit_cleanly_on_hangup
from opsconsole.ui.themes import ConsoleTheme
from opsconsole.ui.trace_screens import TraceScreen, TraceSearchScreen, TraceView

PIVOT_LEAD_SECONDS = 300.0  # alert → logs starts this long before the alert began
PIVOT_BACKLOG = 5000
RANGES = (900.0, 3600.0, 6 * 3600.0, 24 * 3600.0)
NARROW_WIDTH = 120  # below: one pane at a time, as tabs
WIDE_WIDTH = 160  # below (and above NARROW_WIDTH): RED gets a full-width row
PANE_ORDER: tuple[PaneName, ...] = ("health", "alerts", "red", "slo", "logs")
# App keys that act on the main screen's panes (see OpsConsoleApp.check_action).
MAIN_SCREEN_ACTIONS = frozenset(
    {
        "next_pane",
        "previous_pane",
        "pane",
        "filter",
        "command",
        "zoom",
        "pause_logs",
        "ack",
        "silence",
        "info",
        "entity_logs",
        "entity_traces",
        "clear_filter",
    }
)


@dataclass
class ConsoleOptions:
    """Everything the app needs from the outside world, injected so tests can freeze it."""

    make_service: Callable[[str, str], RefreshService]
    context: str
    pack: str
    contexts: list[str]
    packs: list[str]
    themes: dict[str, ConsoleTheme]
    theme: str = "dark"
    refresh_interval: float = 5.0
    clock: Callable[[], float] = time.time
    auto_refresh: bool = True
    save_theme: Callable[[str], None] | None = None
    notices: list[str] = field(default_factory=list)
    author: str = "opsconsole"
    ack_duration: str = "15m"
    silence_blast_radius: float = DEFAULT_BLAST_RADIUS
    journal_path: Path | None = None
    log_buffer: int = DEFAULT_CAPACITY
    live_tail: bool = True


class OpsConsoleApp(App[None]):
    """Is it on fire, where, since when, what do I do."""

    TITLE = "opsconsole"
    CSS = """
    Screen { layout: vertical; }
    #topbar { height: 1; background: $panel; color: $foreground; }
    #tabs { height: 1; display: none; }
    #panes { layout: grid; grid-size: 2 3; grid-rows: 1fr 1fr 1fr; grid-columns: 1fr 1fr; height: 1fr; }
    #pane-logs { column-span: 2; }
    #panes.-medium #pane-red { column-span: 2; }
    #panes.-medium #pane-logs { column-span: 1; }
    #panes.-narrow { layout: vertical; }
    #panes.-narrow > .pane { display: none; height: 1fr; }
    #panes.-narrow > .pane.-active { display: block; }
    Screen.-narrow #tabs { display: block; }
    #prompt { display: none; height: 1; border: none; padding: 0 1; }
    #prompt.-visible { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+z", "suspend_process", "Suspend", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("tab", "next_pane", "Next pane", priority=True),
        Binding("shift+tab", "previous_pane", "Prev pane", show=False, priority=True),
        Binding("r", "refresh", "Refresh"),
        Binding("t", "cycle_range", "Range"),
        Binding("slash", "filter", "Filter"),
        Binding("colon", "command", "Command"),
        Binding("p", "pause_logs", "Pause logs"),
        Binding("z", "zoom", "Zoom pane"),
        Binding("a", "ack", "Ack"),
        Binding("i", "info", "Alert info", show=False),
        Binding("l", "entity_logs", "Logs of row"),
        Binding("T", "entity_traces", "Traces of row"),
        Binding("s", "silence", "Silence"),
        Binding("S", "silences", "Silences"),
        Binding("1", "pane('health')", "Health", show=False),
        Binding("2", "pane('alerts')", "Alerts", show=False),
        Binding("3", "pane('red')", "RED", show=False),
        Binding("4", "pane('slo')", "SLO", show=False),
        Binding("5", "pane('logs')", "Logs", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("A", "all_alerts", "All alerts", show=False),
        Binding("y", "copy_markdown", "Copy pane as Markdown", show=False),
    ]

    header_badge = ""  # said in reverse video after the clock (a replay says REPLAY)

    def __init__(self, options: ConsoleOptions) -> None:
        super().__init__()
        honour_no_color(self)
        self.options = options
        self.context_name = options.context
        self.pack_name = options.pack
        self.console_theme = options.themes.get(options.theme) or next(iter(options.themes.values()))
        self.service = options.make_service(options.context, options.pack)
        self.silence_service = self._silence_service()
        self.board: Dashboard | None = None
        self.active: PaneName = "health"
        self._refreshing = False
        self._refresh_again = False
        self._told: set[str] = set()  # board notices already shown
        self._prompt_mode = "filter"
        self._main_line_filter = ""
        self._header_drawn = Text()
        self._tabs_drawn = Text()
        self.messages: list[str] = []
        self.panes: dict[PaneName, Pane] = {cls.name_: cls() for cls in PANE_TYPES if cls is not LogPane}
        self.panes["logs"] = LogPane(self.console_theme, LogBuffer(options.log_buffer))
        self.service.poll_logs = False
        self.tails = LogTails(self, live=options.live_tail)

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        """Show a toast and remember it (the last few are what ``:messages`` would show).

        Never as markup: toasts quote servers ("not sent: ..."), trace ids and typed text.
        """
        kwargs.setdefault("markup", False)
        self.messages.append(message)
        del self.messages[:-50]
        super().notify(message, *args, **kwargs)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> Any:
        yield Static(id="topbar")
        yield Static(id="tabs")
        with Container(id="panes"):
            for name in PANE_ORDER:
                yield self.panes[name]
        yield Input(id="prompt")
        yield Footer()

    def get_driver_class(self) -> type[Driver]:
        """Textual's choice, with terminal output that survives a hang-up (see terminal_output)."""
        return hang_up_tolerant_driver(super().get_driver_class())

    def on_mount(self) -> None:
        for theme in self.options.themes.values():
            self.register_theme(theme.textual)
        self.theme = self.console_theme.textual.name
        self._apply_layout()
        self._focus_pane(self.active)
        self._render_header()
        for notice in self.options.notices:
            self.notify(notice, severity="warning", timeout=10)
        self.action_refresh()
        if self.options.auto_refresh:
            self.set_interval(self.options.refresh_interval, self.action_refresh)
        self._start_main_tail()
        exit_cleanly_on_hangup(self)
        self.set_interval(0.25, self.tails.pump)

    def _start_main_tail(self) -> None:
        pane = self._log_pane()
        request = self.service.tail_request()
        logs = self.service.pack.logs
        if request is None and logs is not None and logs.unavailable:
            # Said where the eye is, not as an empty pane: where the logs are and how to read them,
            # a sentence a line (a log line does not wrap).
            stamp = int(self.options.clock() * 1e9)
            for sentence in re.split(r"(?<=[.:;])\s+", logs.unavailable.strip()):
                pane.view.buffer.append(LogRow(stamp, "gap", "", sentence, ""))
            pane.view.refresh()
            pane.show_tail_status("not in Loki: see the lines above")
            return
        if request is None:
            pane.show_tail_status("this pack has no logs section")
            return
        self.tails.start(self.service, pane.view, request, pane.show_tail_status)

    def _log_pane(self) -> LogPane:
        pane = self.panes["logs"]
        assert isinstance(pane, LogPane)
        return pane

    def on_resize(self) -> None:
        self._apply_layout()
        self._render_header()

    @property
    def narrow(self) -> bool:
        """Below 120 columns the panes become tabs: one at a time, full size."""
        return self.size.width < NARROW_WIDTH

    def _apply_layout(self) -> None:
        self.screen.set_class(self.narrow, "-narrow")
        panes = self.query_one("#panes")
        panes.set_class(self.narrow, "-narrow")
        panes.set_class(NARROW_WIDTH <= self.size.width < WIDE_WIDTH, "-medium")
        for name, pane in self.panes.items():
            pane.set_class(name == self.active, "-active")
        self._render_tabs()

    # -- refresh ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Refresh now; while one is running, one more follows it (never more: work does not pile up).

        The one that follows matters after a change: a refresh that started before an ack was sent
        would otherwise be the last word, and show the alert and the silences screen without it.
        """
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self.run_worker(self._refresh(), group="refresh")

    async def _refresh(self) -> None:
        try:
            board = await self.service.refresh()
        finally:
            self._refreshing = False
        self.board = board
        self._render_board()
        for screen in self.screen_stack:
            if isinstance(screen, SilencesScreen) and screen.is_attached:
                screen.show(board.silences)
        for notice in board.notices:  # said once per session, not at every refresh
            if notice not in self._told:
                self._told.add(notice)
                self.notify(notice, severity="warning", timeout=15)
        self.call_after_refresh(settle_after_startup)
        if self._refresh_again:
            self._refresh_again = False
            self.action_refresh()

    def _render_board(self) -> None:
        if self.board is None:
            return
        for pane in self.panes.values():
            pane.render_dashboard(self.board, self.console_theme)
        self._render_header()
        self._render_tabs()

    def _render_header(self) -> None:
        theme = self.console_theme
        now = self.options.clock()
        text = Text()
        short = self.narrow
        text.append(" opsconsole ", style="bold reverse")
        text.append(f" {'' if short else 'ctx '}{self.context_name} ", style="bold")
        text.append(f"│ {'' if short else 'pack '}{self.pack_name} ")
        text.append(f"│ {'' if short else 'range '}{format_duration(self.service.range_seconds)} ")
        text.append(f"│ {datetime.fromtimestamp(now, UTC).strftime('%H:%M:%S')}Z ")
        if self.header_badge:  # e.g. REPLAY: this is not the present
            text.append(f" {self.header_badge} ", style="bold reverse")
            text.append(" ")
        elif self.service.backends.read_only:
            text.append(" READ-ONLY ", style="bold reverse")
            text.append(" ")
        board = self.board
        if board is None:
            text.append("│ loading…", style=theme.style("muted"))
        else:
            for backend, name in zip(
                board.backends, backend_labels(board.backends, short=short), strict=True
            ):
                if backend.error:
                    text.append(f"│ {name} ✖ ", style=theme.style("crit"))
                elif backend.last_success is None:
                    text.append(f"│ {name} … ", style=theme.style("muted"))
                else:
                    age = format_duration(now - backend.last_success)
                    text.append(f"│ {name} ● {age} ", style=theme.style("ok"))
        if text != self._header_drawn:  # an identical update still repaints
            self._header_drawn = text
            # One row whatever it says: a layout pass would repaint every scrollbar on screen.
            self.query_one("#topbar", Static).update(text, layout=False)

    def _render_tabs(self) -> None:
        text = Text()
        board = self.board
        for index, name in enumerate(PANE_ORDER, start=1):
            label = self.panes[name].border_title or name
            if board is not None and board.pane_status(name).error:
                label = f"⚠ {label}"
            style = "bold reverse" if name == self.active else ""
            text.append(f" {index} {label} ", style=style)
        if text != self._tabs_drawn:
            self._tabs_drawn = text
            self.query_one("#tabs", Static).update(text, layout=False)

    # -- navigation ---------------------------------------------------------------------------

    def _focus_pane(self, name: PaneName) -> None:
        self.active = name
        self._apply_layout()
        self.panes[name].focus_target.focus()

    def action_pane(self, name: str) -> None:
        """Jump to a pane by name."""
        if name in PANES:
            self._focus_pane(name)

    def _step_pane(self, delta: int) -> None:
        if isinstance(self.focused, Input):
            return
        index = PANE_ORDER.index(self.active)
        self._focus_pane(PANE_ORDER[(index + delta) % len(PANE_ORDER)])

    def action_next_pane(self) -> None:
        """Tab: next pane."""
        self._step_pane(1)

    def action_previous_pane(self) -> None:
        """Shift+Tab: previous pane."""
        self._step_pane(-1)

    def on_descendant_focus(self, event: Any) -> None:
        """A pane focused by mouse (or any other way) becomes the active one."""
        widget = getattr(event, "widget", None)
        for name, pane in self.panes.items():
            if widget is pane.focus_target and name != self.active:
                self.active = name
                self._apply_layout()

    def action_help(self) -> None:
        """Show every binding."""
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Bindings grouped by where they work, taken from the binding tables themselves."""

        def rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
            out = []
            for binding in bindings:
                if isinstance(binding, Binding):
                    keys = ", ".join(_key_name(k) for k in binding.key.split(","))
                    out.append((keys, binding.description or binding.action))
            return out

        return [
            ("Everywhere", rows(self.BINDINGS)),
            (
                "In a pane",
                [
                    ("↑ ↓, j k", "move"),
                    ("g, G", "top, bottom"),
                    ("PgUp PgDn", "page"),
                    (
                        "enter",
                        "agent, RED row: detail · alert: its logs from before it began · "
                        "log line: its trace · SLO: the SLO screen",
                    ),
                ],
            ),
            ("Log tail (pane and log screens)", [*rows(LogView.BINDINGS), ("/", "search the lines held")]),
            ("Trace", rows(TraceView.BINDINGS)),
            ("Detail screen", rows(DetailScreen.BINDINGS)),
            ("Other", [("ctrl+p", "command palette"), ("ctrl+q", "quit")]),
        ]

    def action_cycle_range(self) -> None:
        """t: 15m → 1h → 6h → 24h → 15m."""
        current = self.service.range_seconds
        later = [r for r in RANGES if r > current]
        self._set_range(later[0] if later else RANGES[0])

    def _set_range(self, seconds: float) -> None:
        self.service.range_seconds = seconds
        self._render_header()
        self.notify(f"range: last {format_duration(seconds)}")
        self.action_refresh()

    def action_zoom(self) -> None:
        """z: the focused pane full size, or back to all panes."""
        if self.screen.maximized is not None:
            self.screen.minimize()
        else:
            self.screen.maximize(self.panes[self.active], container=False)

    def action_all_alerts(self) -> None:
        """A: every alert Alertmanager holds, or back to those the pack's matchers select."""
        pane = self.panes["alerts"]
        if isinstance(pane, AlertsPane):
            pane.show_all = not pane.show_all
            self._render_board()
            self.notify("showing every alert" if pane.show_all else f"showing the alerts of {self.pack_name}")

    def action_copy_markdown(self) -> None:
        """y: the pane on screen as Markdown, to the clipboard (OSC 52) and a file (see copy_markdown)."""
        if self.board is None:
            return
        pane = self.panes[self.active]
        logs = self._log_pane().view.visible_rows() if self.active == "logs" else None
        shown_all = isinstance(pane, AlertsPane) and pane.show_all
        text = view_markdown(
            self.board, self.active, filter_text=pane.filter_text, showing_all=shown_all, logs=logs
        )
        self.notify(copy_markdown(self, text, f"the {self.active} pane"), timeout=8)

    def action_pause_logs(self) -> None:
        """Pause or resume following the log tail (paused lines are counted, not lost)."""
        view = self._log_pane().view
        view.set_paused(not view.paused)
        self.tails.pump()

    # -- prompt: filter and command mode ------------------------------------------------------

    def _open_prompt(self, mode: str) -> None:
        prompt = self.query_one("#prompt", Input)
        self._prompt_mode = mode
        view = self._log_pane().view
        prompt.placeholder = {
            "filter": f"filter {self.active} (Enter keeps it, Esc clears)",
            "search": "search the log lines held (Enter; n/N next/previous; Esc clears)",
            "linefilter": 'LogQL line filter for the tail: words, |= "x", != "x", |~ "re" (empty removes)',
        }.get(mode, "command: ctx, pack, theme, range, alerts, slo, logs, group, trace ID, q")
        prompt.value = {
            "filter": self.panes[self.active].filter_text,
            "search": view.search,
            "linefilter": self._main_line_filter,
        }.get(mode, "")
        prompt.add_class("-visible")
        prompt.focus()

    def action_filter(self) -> None:
        """/: filter the focused pane's rows (in the log pane: search the lines held)."""
        self._open_prompt("search" if self.active == "logs" else "filter")

    def action_command(self) -> None:
        """:: command mode."""
        self._open_prompt("command")

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("-visible")
        self.panes[self.active].focus_target.focus()

    def action_clear_filter(self) -> None:
        """Esc: close the prompt, else clear the pane's filter, else leave a zoomed pane."""
        pane = self.panes[self.active]
        prompt = self.query_one("#prompt", Input)
        if prompt.has_class("-visible"):
            self._close_prompt()
            if self._prompt_mode == "filter":
                self._set_filter(pane, "")
            elif self._prompt_mode == "search":
                self._log_pane().view.start_search("")
        elif self.active == "logs" and self._log_pane().view.search:
            self._log_pane().view.start_search("")
        elif pane.filter_text:
            self._set_filter(pane, "")
        elif self.screen.maximized is not None:
            self.screen.minimize()

    def _set_filter(self, pane: Pane, text: str) -> None:
        pane.filter_text = text
        if self.board is not None:
            pane.render_dashboard(self.board, self.console_theme)

    @on(Input.Changed, "#prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        if self._prompt_mode == "filter":
            self._set_filter(self.panes[self.active], event.value)

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        self._close_prompt()
        if self._prompt_mode == "command":
            self.run_command(event.value)
        elif self._prompt_mode == "search":
            self._log_pane().view.start_search(event.value)
        elif self._prompt_mode == "linefilter":
            self._main_line_filter = event.value
            self._refilter(self._log_pane().view, event.value)

    def run_command(self, line: str) -> None:
        """Execute one ``:`` command; problems are reported, never raised."""
        words = line.strip().lstrip(":").split()
        if not words:
            return
        verb, args = words[0].lower(), words[1:]
        if verb == "slo":
            self._focus_pane("slo")
            if self.board is not None:
                self._open_slos(self.board.slos)
        elif verb == "alerts":
            # The alerts screen: the alerts pane, full size (z or Esc returns to the main screen).
            self._focus_pane("alerts")
            self.screen.maximize(self.panes["alerts"], container=False)
        elif verb in PANES:
            self._focus_pane(verb)
        elif verb in ("q", "quit"):
            self.exit()
        elif verb == "trace":
            if args:
                self.open_trace(args[0])
            else:
                self.notify("usage: :trace TRACE_ID", severity="warning")
        elif verb in ("ctx", "context"):
            self._switch(args, self.options.contexts, "context")
        elif verb == "pack":
            self._switch(args, self.options.packs, "pack")
        elif verb == "theme":
            self._switch_theme(args)
        elif verb == "range" and args:
            try:
                self._set_range(parse_duration(args[0]))
            except ValueError as exc:
                self.notify(f"range: {exc}", severity="error")
        elif verb == "group" and args:
            self.service.group_by = [p.strip() for p in " ".join(args).split(",") if p.strip()]
            self.action_refresh()
        elif verb == "help":
            self.action_help()
        elif verb == "silences":
            self.action_silences()
        elif verb in ("silenced", "inhibited") and args and args[0] in ("on", "off"):
            pane = self.panes["alerts"]
            setattr(pane, f"show_{verb}", args[0] == "on")
            if self.board is not None:
                pane.render_dashboard(self.board, self.console_theme)
            self._focus_pane("alerts")
        else:
            self.notify(f"unknown command {verb!r} (? lists them)", severity="error")

    def _switch(self, args: list[str], known: list[str], what: str) -> None:
        if not args:
            self.notify(f"{what}s: {', '.join(known)}")
            return
        target = args[0]
        if target not in known:
            self.notify(f"no {what} {target!r}; known: {', '.join(known)}", severity="error")
            return
        context = target if what == "context" else self.context_name
        pack = target if what == "pack" else self.pack_name
        try:
            service = self.options.make_service(context, pack)
        except (ValueError, KeyError) as exc:
            self.notify(f"cannot switch {what}: {exc}", severity="error")
            return
        service.range_seconds = self.service.range_seconds
        old = self.service
        self.service, self.context_name, self.pack_name = service, context, pack
        service.poll_logs = False
        self.tails.stop_all()
        self._log_pane().view.buffer.clear()
        self._main_line_filter = ""
        self._start_main_tail()
        self.silence_service = self._silence_service()
        self.board = None
        self.run_worker(old.backends.aclose(), group="close")
        self._render_header()
        self._refreshing = False
        self.action_refresh()

    def _switch_theme(self, args: list[str]) -> None:
        names = list(self.options.themes)
        if not args or args[0] not in self.options.themes:
            self.notify(f"themes: {', '.join(names)}", severity="error" if args else "information")
            return
        self.console_theme = self.options.themes[args[0]]
        self.theme = self.console_theme.textual.name
        if self.options.save_theme:
            self.options.save_theme(args[0])
        self._render_board()
        self._render_header()

    # -- drill-down ---------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        for pane in self.panes.values():
            if pane.table is event.data_table:
                ref = pane.refs.get(event.row_key.value or "")
                if ref is not None:
                    self.drill(ref)

    def drill(self, ref: RowRef) -> None:
        """Enter on a row: detail screen for agents and services, all fields for the rest."""
        if ref.kind == "entity":
            row = ref.payload
            health = self.service.pack.health
            labels = {health.entity.type_labels[0]: row.entity_type} if health else {}
            self._open_detail(f"{row.entity_type} {row.display}", None, labels, row.entity)
        elif ref.kind == "row":
            row = ref.payload
            self._open_detail(f"{row.group_display} {row.key}", row.group, row.labels, None)
        elif ref.kind == "alert":
            self._alert_logs(ref.payload)
        elif ref.kind == "slo":
            self._open_slos([ref.payload])
        elif ref.kind == "line":
            line = ref.payload
            self.push_screen(FieldsScreen("log line", sorted(line.fields.items())))
        elif ref.kind == "more":
            self.action_filter()  # the rows not drawn are reached by narrowing

    async def _show_alert(self, alert: AlertView) -> None:
        history = await self.service.alert_history(alert.labels)
        now = self.options.clock()
        fields = [
            ("state", alert.state),
            ("started", datetime.fromtimestamp(alert.starts_at, UTC).isoformat(timespec="seconds")),
            ("history", history.describe() if history else "no ALERTS series in Prometheus for this alert"),
            (
                "silenced by",
                "; ".join(v.describe(now) for v in alert.silences) or ", ".join(alert.silenced_by) or "—",
            ),
            ("inhibited by", self._inhibitors(alert) or "—"),
            ("receivers", ", ".join(alert.receivers) or "—"),
            ("from", alert.source + (f" (cluster {alert.cluster})" if alert.cluster else "")),
            ("fingerprint", alert.fingerprint),
        ]
        fields += [(f"label {k}", v) for k, v in sorted(alert.labels.items())]
        fields += [(k, v) for k, v in sorted(alert.annotations.items())]
        links = self.service.links(alert.labels, entity=alert.entity, entity_type=alert.entity_type)
        fields += [(f"{name} (pack)", url) for name, url in links]
        await self.push_screen(FieldsScreen(f"{alert.alertname} ({alert.fingerprint})", fields))

    def _inhibitors(self, alert: AlertView) -> str:
        """``inhibitedBy`` fingerprints as the alerts they are (name and entity), when still active."""
        known = {a.fingerprint: a for g in (self.board.alerts if self.board else []) for a in g.alerts}
        names = []
        for fingerprint in alert.inhibited_by:
            source = known.get(fingerprint)
            names.append(f"{source.alertname} {source.entity or ''}".strip() if source else fingerprint)
        return ", ".join(names)

    def _open_slos(self, slos: list[SloRow]) -> None:
        screen = SloScreen(slos, self.console_theme)
        self.push_screen(screen)

        async def load() -> None:
            for row in slos:
                history = await self.service.slo_history(row.name)
                if not screen.is_attached:
                    return
                screen.show_history(row.name, history)

        self.run_worker(load(), group="detail")

    def _open_detail(self, title: str, group: str | None, labels: dict[str, str], entity: str | None) -> None:
        screen = DetailScreen(title, self.console_theme)
        self.push_screen(screen)

        async def load() -> None:
            detail = await self.service.detail(group=group, labels=labels, entity=entity)
            if screen.is_attached:
                screen.show(detail)

        self.run_worker(load(), group="detail")

    # -- pivots: logs and traces ----------------------------------------------------------------

    def _row_entity(self, ref: RowRef | None) -> tuple[str | None, str | None]:
        """(entity type, entity) of a health row, RED row or alert."""
        if ref is None:
            return None, None
        pack = self.service.pack
        if ref.kind == "entity":
            return ref.payload.entity_type, ref.payload.entity
        if ref.kind == "row" and pack.health is not None:
            kind = next(
                (ref.payload.labels[k] for k in pack.health.entity.type_labels if k in ref.payload.labels),
                None,
            )
            return kind, None
        if ref.kind == "alert":
            return alert_entity(pack, ref.payload.labels)
        return None, None

    def _selected_ref(self) -> RowRef | None:
        return self.panes[self.active].selected()

    def _alert_logs(self, alert: AlertView) -> None:
        """Enter on an alert: its entity's logs from a few minutes before it began."""
        kind, entity = alert_entity(self.service.pack, alert.labels)
        if kind is None and entity is None:
            self.notify(
                f"{alert.alertname} names no entity the pack maps to logs; showing its details",
                severity="warning",
            )
            self.run_worker(self._show_alert(alert), group="detail")
            return
        self.open_logs(
            kind, entity, start=alert.starts_at - PIVOT_LEAD_SECONDS, why=f"{alert.alertname} began"
        )

    def action_info(self) -> None:
        """i: every field of the selected alert (who silenced it, inhibitors, history)."""
        ref = self._selected_alert_ref()
        if ref is None or ref.kind != "alert":
            self.notify("select an alert to see its details", severity="warning")
            return
        self.run_worker(self._show_alert(ref.payload), group="detail")

    def action_entity_logs(self) -> None:
        """l: logs of the selected agent, service row or alert."""
        kind, entity = self._row_entity(self._selected_ref())
        if kind is None:
            self.notify("select an agent, a RED row of an agent type, or an alert", severity="warning")
            return
        self.open_logs(kind, entity)

    def action_entity_traces(self) -> None:
        """T: trace search for the selected agent, service row or alert."""
        kind, entity = self._row_entity(self._selected_ref())
        service = self.service.trace_service(kind, entity) if kind else None
        if service is None:
            self.notify(
                "no trace service for this row (the pack's traces section maps them)", severity="warning"
            )
            return
        self.open_trace_search(TraceQuery(service))

    def open_logs(
        self, entity_type: str | None, entity: str | None, *, start: float | None = None, why: str = ""
    ) -> None:
        """A full-screen tail narrowed to an entity, from ``start`` when given."""
        request = self.service.tail_request(
            entity_type=entity_type, entity=entity, start=start, backlog=PIVOT_BACKLOG if start else 200
        )
        if request is None:
            self.notify("this pack has no entity log selector (logs.entity_selector)", severity="warning")
            return
        title = request.title
        if start is not None:
            began = datetime.fromtimestamp(start + PIVOT_LEAD_SECONDS, UTC).strftime("%H:%M:%S")
            title += f" · from {PIVOT_LEAD_SECONDS // 60:.0f} min before {why or 'the start'} ({began}Z)"
        title += f" · {request.logql}"
        screen = LogsScreen(title, LogBuffer(self.options.log_buffer), self.console_theme, self.tails.stop)
        self.push_screen(screen)
        self.tails.start(self.service, screen.view, request, screen.set_status)
        if start is not None:
            # Once the backlog is in, put the cursor where the alert began, the lead-up above it.
            self.tails.jump_when_loaded(screen.view, int((start + PIVOT_LEAD_SECONDS) * 1e9))

    @on(LogView.Opened)
    def _log_line_opened(self, event: LogView.Opened) -> None:
        if event.trace:
            self.open_trace(event.row.trace_id)
        else:
            self.push_screen(FieldsScreen("log line", sorted(event.row.fields.items())))

    @on(LogView.LineFilterRequested)
    def _main_line_filter_requested(self, event: LogView.LineFilterRequested) -> None:
        if event.view is self._log_pane().view:
            self._open_prompt("linefilter")

    @on(LineFilterChanged)
    def _screen_line_filter(self, event: LineFilterChanged) -> None:
        self._refilter(event.view, event.text)

    def _refilter(self, view: LogView, text: str) -> None:
        base = self.tails.base_request(view)
        if base is None:
            return
        stage = line_filter_stage(text)
        try:
            check_logql(f"{base.logql} {stage}".strip())
        except ValueError as exc:
            self.notify(f"line filter not used: {exc}", severity="error")
            return
        self.tails.refilter(self.service, view, stage)

    def open_trace(self, trace_id: str, focus_span: str | None = None) -> None:
        """The waterfall of one trace, the cursor on ``focus_span`` if given (loaded in the
        background; errors are toasts)."""

        async def load() -> None:
            try:
                trace = await self.service.trace(trace_id)
            except BackendError as exc:
                self.notify(f"trace {trace_id}: {exc.message}", severity="error")
                return
            if not trace.spans:
                self.notify(f"trace {trace_id} has no spans", severity="warning")
                return
            await self.push_screen(TraceScreen(trace, self.console_theme, focus_span))

        self.run_worker(load(), group="detail")

    def open_trace_search(self, query: TraceQuery) -> None:
        """Recent traces of a service, refined from the search line."""
        screen = TraceSearchScreen(query.text(), self.console_theme)
        self.push_screen(screen)
        self._search_traces(screen, query.text())

    def _search_traces(self, screen: TraceSearchScreen, text: str) -> None:
        async def load() -> None:
            try:
                query = parse_trace_query(text)
                page = await self.service.find_traces(
                    query.service,
                    operation=query.operation,
                    min_duration=query.min_duration,
                    errors_only=query.errors_only,
                    lookback=query.lookback_seconds,
                )
            except ValueError as exc:
                screen.show([], str(exc))
                return
            except BackendError as exc:
                screen.show([], exc.message)
                return
            if screen.is_attached:
                screen.show(page.traces, warnings=page.warnings)

        self.run_worker(load(), group="detail")

    @on(TraceSearchScreen.SearchRequested)
    def _trace_search_requested(self, event: TraceSearchScreen.SearchRequested) -> None:
        self._search_traces(event.screen, event.text)

    @on(TraceSearchScreen.TraceChosen)
    def _trace_chosen(self, event: TraceSearchScreen.TraceChosen) -> None:
        self.push_screen(TraceScreen(event.trace, self.console_theme))

    @on(TraceScreen.TraceRequested)
    def _trace_requested(self, event: TraceScreen.TraceRequested) -> None:
        self.open_trace(event.trace_id, event.span_id)

    # -- silences and acks ----------------------------------------------------------------------

    def _silence_service(self) -> SilenceService:
        return SilenceService(
            self.service.backends.alertmanagers,
            read_only=self.service.backends.read_only,
            journal_path=self.options.journal_path,
            clock=self.options.clock,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which app keys work now.

        Keys that act on the main screen's panes do nothing on any other screen, so the key goes
        to that screen instead (Tab moves between a form's fields; ``s`` on a trace search is not a
        silence of the alert selected under it). In a text field, Tab is the field's. Ack and
        silence work on the alerts pane; read-only shows them disabled, and never sends.
        """
        if action in MAIN_SCREEN_ACTIONS and (self.screen is not self.screen_stack[0]):
            return False
        if action in ("next_pane", "previous_pane") and isinstance(self.focused, Input):
            return False
        if action in ("ack", "silence"):
            if self.active != "alerts":
                return False
            return None if self.service.backends.read_only else True
        return True

    def _selected_alert_ref(self) -> RowRef | None:
        return self.panes["alerts"].selected() if self.active == "alerts" else None

    def action_ack(self) -> None:
        """a: a short ACK silence pinned to the selected alert (after confirmation)."""
        ref = self._selected_alert_ref()
        if ref is None or ref.kind != "alert":
            self.notify("select an alert (not a group header) to ack", severity="warning")
            return
        alert: AlertView = ref.payload
        now = self.options.clock()
        try:
            duration = parse_silence_duration(self.options.ack_duration)
        except SilenceInvalid as exc:
            self.notify(f"ack_duration: {exc}", severity="error")
            return
        author = self.options.author
        draft = SilenceDraft(
            matchers_for_alert(alert.labels), now, now + duration, author, ack_comment(author, origin())
        )
        self._confirm_and_send(f"Ack {alert.alertname} for {format_duration(duration)}", draft, alert.cluster)

    def _radius_rules(self) -> RadiusRules:
        scope = scope_for_pack(self.service.pack)
        return RadiusRules(scope.heartbeats, self.options.silence_blast_radius, scope.entity_labels)

    def _alerts_in_view(self, cluster: str) -> list[AlertGroupView]:
        """The alert groups this view shows, limited to one cluster's alerts."""
        groups = self.board.alerts if self.board else []
        out = [replace(g, alerts=tuple(a for a in g.alerts if a.cluster == cluster)) for g in groups]
        return [g for g in out if g.alerts]

    def action_silence(self) -> None:
        """s: the silence form, prefilled from the selected alert or group."""
        ref = self._selected_alert_ref()
        if ref is None:
            return
        if ref.kind == "alert":
            matchers = matchers_for_alert(ref.payload.labels)
            cluster = ref.payload.cluster
        else:
            matchers = tuple(LabelMatcher(k, "=", v) for k, v in ref.payload.key if v)
            cluster = next((a.cluster for a in ref.payload.alerts), "")
        defaults = FormDefaults(", ".join(str(m) for m in matchers), self.options.author)
        form = SilenceFormScreen(
            defaults, self._alerts_in_view(cluster), self.options.clock, self._radius_rules()
        )

        def chosen(draft: SilenceDraft | None) -> None:
            if draft is not None:
                self._confirm_and_send(
                    "Create silence" + (f" on {cluster}" if cluster else ""), draft, cluster
                )

        self.push_screen(form, chosen)

        async def count_cluster() -> None:
            try:
                alerts = await self.silence_service.for_cluster(cluster).alerts()
            except BackendError as exc:
                form.show_cluster_alerts(None, exc.message)
                return
            form.show_cluster_alerts([ClusterAlert(a.fingerprint, a.labels) for a in alerts])

        self.run_worker(count_cluster(), group="detail")

    def _confirm_and_send(self, title: str, draft: SilenceDraft, cluster: str = "") -> None:
        try:
            draft.check()
        except SilenceInvalid as exc:
            self.notify(f"not sent: {exc}", severity="error")
            return
        self.run_worker(self._review_and_send(title, draft, cluster), group="mutation")

    async def _review(
        self,
        service: SilenceService,
        title: str,
        draft: SilenceDraft,
        cluster: str,
        send: Callable[[], Awaitable[None]],
        note: str = "",
    ) -> None:
        """Count what it mutes in the whole cluster, then ask (typed when it mutes too much); a yes
        starts ``send``. Nothing waits on the answer, so no worker hangs on an open dialog."""
        rules = self._radius_rules()
        in_view = {a.fingerprint for g in self._alerts_in_view(cluster) for a in g.alerts}
        try:
            radius = await service.blast_radius(
                draft,
                in_view=in_view,
                heartbeats=rules.heartbeats,
                limit=rules.limit,
                entity_labels=rules.entity_labels,
            )
        except BackendError as exc:
            self._report_failure(exc, prefix="not sent: could not count what it would mute: ")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(send(), group="mutation")

        request = service.create_request(draft).describe()
        if radius.needs_confirmation:
            self.push_screen(TypedConfirmScreen(title, request, radius), answered)
        else:
            summary = radius.summary() + (f"\n{note}" if note else "")
            self.push_screen(ConfirmScreen(title, request, summary), answered)

    async def _review_and_send(self, title: str, draft: SilenceDraft, cluster: str) -> None:
        service = self.silence_service.for_cluster(cluster)
        await self._review(service, title, draft, cluster, lambda: self._send_create(service, draft))

    async def _send_create(self, service: SilenceService, draft: SilenceDraft) -> None:
        try:
            silence_id = await service.create(draft)
        except (BackendError, SilenceInvalid) as exc:
            self._report_failure(exc)
            return
        self.notify(f"silence {silence_id} created: {draft.matchers_text()}")
        self.action_refresh()

    def _report_failure(self, exc: BackendError | SilenceInvalid, prefix: str = "") -> None:
        if isinstance(exc, SilenceInvalid):
            self.notify(f"not sent: {exc}", severity="error", timeout=15)
            return
        hint = error_hint(exc)
        self.notify(prefix + exc.message + (f"\nhint: {hint}" if hint else ""), severity="error", timeout=15)

    def action_silences(self) -> None:
        """S: the silences screen (as last refreshed, and refreshed now)."""
        reason = "this context is read-only" if self.service.backends.read_only else ""
        silences = self.board.silences if self.board else []
        self.push_screen(SilencesScreen(silences, self.options.clock, reason))
        self.action_refresh()

    @on(SilencesScreen.ChangeRequested)
    def _silence_change(self, event: SilencesScreen.ChangeRequested) -> None:
        self.run_worker(self._change_silence(event.silence, event.change), group="mutation")

    def _view_cluster(self, service: SilenceService) -> str:
        """The cluster name alerts of ``service``'s peers carry in this view ("" with one cluster)."""
        clusters = {p.endpoint.cluster or "" for p in self.silence_service.peers}
        return (service.peers[0].endpoint.cluster or "") if len(clusters) > 1 and service.peers else ""

    def _service_of(self, silence: SilenceView) -> SilenceService:
        """The silence's own cluster: a change must go to the peers that hold it."""
        peer = next((p for p in self.silence_service.peers if p.name == silence.source), None)
        return self.silence_service.for_cluster(peer.endpoint.cluster or "" if peer else "")

    async def _change_silence(self, view: SilenceView, change: str) -> None:
        service = self._service_of(view)
        if change == "expire":

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._expire(service, view.id), group="mutation")

            request = service.expire_request(view.id).describe()
            self.push_screen(ConfirmScreen("Expire silence", request), answered)
            return
        try:
            await self._extend(service, view.id)
        except (BackendError, SilenceInvalid) as exc:
            self._report_failure(exc)

    async def _expire(self, service: SilenceService, silence_id: str) -> None:
        try:
            await service.expire(silence_id)
        except BackendError as exc:
            self._report_failure(exc)
            return
        self.notify(f"silence {silence_id} expired")
        self.action_refresh()

    async def _extend(self, service: SilenceService, silence_id: str) -> None:
        """e: one more hour after its current end (an ended one is recreated, and the title says so)."""
        current = await service.silence(silence_id)
        now = self.options.clock()
        expired = current.status.state == "expired"
        plan = plan_extension(current.ends_at.timestamp(), expired, now, by="1h")
        draft = service.extended(current, plan.new_end)
        title = "Recreate ended silence" if plan.recreate else "Extend silence by 1h"

        async def send() -> None:
            try:
                new_id = await service.create(draft)
            except (BackendError, SilenceInvalid) as exc:
                self._report_failure(exc)
                return
            if new_id == silence_id:
                self.notify(f"silence {silence_id}: {plan.describe()}")
            else:
                # Alertmanager could not update it in place (or it had ended): it made a new silence.
                self.notify(f"silence {silence_id} is now {new_id}: {plan.describe()}")
            self.action_refresh()

        await self._review(service, title, draft, self._view_cluster(service), send, note=plan.describe())

    async def on_unmount(self) -> None:
        self.tails.stop_all()
        await self.service.backends.aclose()


def _key_name(key: str) -> str:
    return {"question_mark": "?", "slash": "/", "colon": ":", "shift+tab": "shift+tab"}.get(key, key)


__all__ = ["ConsoleOptions", "OpsConsoleApp", "PaneTable"]
