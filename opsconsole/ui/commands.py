"""The ``:`` commands, as one table: the prompt runs them, ``?`` and the command palette list them.

A command is a name (and its aliases), what it takes, one line of help, and a function of the app
and the words after the name. Problems are reported as toasts, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from opsconsole.core.durations import parse_duration
from opsconsole.ui import context_switch

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp

MAX_RANGE_SECONDS = 3650 * 86400  # ten years: more than any retention; far from datetime's year 1


@dataclass(frozen=True)
class ConsoleCommand:
    """One ``:`` command."""

    names: tuple[str, ...]
    takes: str  # what follows the name, "" for nothing
    help: str
    run: Callable[[OpsConsoleApp, list[str]], None]

    @property
    def usage(self) -> str:
        """``:name ARGS`` as the help shows it."""
        return f":{self.names[0]}" + (f" {self.takes}" if self.takes else "")


def _pane(name: str, app: OpsConsoleApp, args: list[str]) -> None:
    app.main.focus_pane(name)  # type: ignore[arg-type]


def _alerts(app: OpsConsoleApp, args: list[str]) -> None:
    # The alerts screen: the alerts pane, full size (z or Esc returns to the main screen).
    app.main.focus_pane("alerts")
    app.main.maximize(app.panes["alerts"], container=False)


def _slo(app: OpsConsoleApp, args: list[str]) -> None:
    app.main.focus_pane("slo")
    if app.board is not None:
        app.drills.open_slos(app.board.slos)


def _trace(app: OpsConsoleApp, args: list[str]) -> None:
    if args:
        app.drills.open_trace(args[0])
    else:
        app.notify("usage: :trace TRACE_ID", severity="warning")


def _range(app: OpsConsoleApp, args: list[str]) -> None:
    if not args:
        app.notify("usage: :range DURATION (e.g. 30m, 6h)", severity="warning")
        return
    try:
        seconds = parse_duration(args[0])
    except ValueError as exc:
        app.notify(f"range: {exc}", severity="error")
        return
    # 0s asks for no history at all; thousands of years ran the start before year 1 (a
    # ValueError in the health pane's border).
    if not 0 < seconds <= MAX_RANGE_SECONDS:
        app.notify(f"range: {args[0]} is not between 1s and 3650d", severity="error")
        return
    app.set_range(seconds)


def _group(app: OpsConsoleApp, args: list[str]) -> None:
    if not args:
        app.notify("usage: :group LABEL[,LABEL…]", severity="warning")
        return
    app.set_grouping([p.strip() for p in " ".join(args).split(",") if p.strip()])


def _shown(which: str, app: OpsConsoleApp, args: list[str]) -> None:
    if not args or args[0] not in ("on", "off"):
        app.notify(f"usage: :{which} on|off", severity="warning")
        return
    pane = app.panes["alerts"]
    setattr(pane, f"show_{which}", args[0] == "on")
    if app.board is not None:
        pane.render_dashboard(app.board, app.console_theme)
    app.main.focus_pane("alerts")


COMMANDS: tuple[ConsoleCommand, ...] = (
    ConsoleCommand(("health",), "", "the agent health pane", partial(_pane, "health")),
    ConsoleCommand(("alerts",), "", "the alerts pane, full size", _alerts),
    ConsoleCommand(("red",), "", "the RED pane", partial(_pane, "red")),
    ConsoleCommand(("slo",), "", "the SLO screen: every SLO's budget over its window", _slo),
    ConsoleCommand(("logs",), "", "the live log tail", partial(_pane, "logs")),
    ConsoleCommand(
        ("ctx", "context"),
        "NAME|*",
        "switch to another context (*: every context in one view)",
        context_switch.switch_context,
    ),
    ConsoleCommand(("pack",), "NAME", "switch to another query pack", context_switch.switch_pack),
    ConsoleCommand(("theme",), "NAME", "switch the theme (saved for next time)", context_switch.switch_theme),
    ConsoleCommand(("range",), "DURATION", "the range of charts and histories", _range),
    ConsoleCommand(("group",), "LABELS", "group alerts by these labels", _group),
    ConsoleCommand(("trace",), "TRACE_ID", "one trace's waterfall", _trace),
    ConsoleCommand(
        ("silences",),
        "[*]",
        "the silences screen (*: every context's)",
        lambda app, args: app.action_silences(args == ["*"]),
    ),
    ConsoleCommand(("silenced",), "on|off", "show silenced alerts", partial(_shown, "silenced")),
    ConsoleCommand(("inhibited",), "on|off", "show inhibited alerts", partial(_shown, "inhibited")),
    ConsoleCommand(("help",), "", "every key and command", lambda app, args: app.action_help()),
    ConsoleCommand(("q", "quit"), "", "quit", lambda app, args: app.exit()),
)
BY_NAME = {name: command for command in COMMANDS for name in command.names}


def command_names() -> str:
    """The names the prompt's placeholder lists."""
    return ", ".join(c.names[0] for c in COMMANDS)


def run_command(app: OpsConsoleApp, line: str) -> None:
    """Execute one ``:`` command line."""
    words = line.strip().lstrip(":").split()
    if not words:
        return
    command = BY_NAME.get(words[0].lower())
    if command is None:
        app.notify(f"unknown command {words[0].lower()!r} (? lists them)", severity="error")
        return
    command.run(app, words[1:])


class ConsoleCommands(Provider):
    """The ``:`` commands in the command palette: those that take nothing run from there, the
    others open the ``:`` prompt with their name typed."""

    def _choices(self) -> list[tuple[str, str, Callable[[], None]]]:
        from opsconsole.ui.app import OpsConsoleApp

        app = self.app
        if not isinstance(app, OpsConsoleApp):
            return []
        out: list[tuple[str, str, Callable[[], None]]] = []
        for command in COMMANDS:
            if command.takes:
                action = partial(app.open_command_prompt, f"{command.names[0]} ")
            else:
                action = partial(command.run, app, [])
            out.append((command.usage, command.help, action))
        return out

    async def discover(self) -> Hits:
        for usage, help_text, action in self._choices():
            yield DiscoveryHit(usage, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for usage, help_text, action in self._choices():
            score = matcher.match(usage)
            if score > 0:
                yield Hit(score, matcher.highlight(usage), action, help=help_text)
