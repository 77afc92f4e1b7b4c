"""The console's keys: the app's binding table, the keys that only work on the main screen, and
the help screen's sections, taken from the binding and command tables themselves."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from opsconsole.ui.commands import COMMANDS
from opsconsole.ui.log_view import LogView
from opsconsole.ui.screens import DetailScreen
from opsconsole.ui.trace_screens import TraceView

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
        "copy_markdown",
    }
)

CONSOLE_BINDINGS: list[BindingType] = [
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


def help_sections(bindings: list[BindingType]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Bindings grouped by where they work, taken from the binding tables themselves."""

    def rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
        out = []
        for binding in bindings:
            if isinstance(binding, Binding):
                keys = ", ".join(_key_name(k) for k in binding.key.split(","))
                out.append((keys, binding.description or binding.action))
        return out

    return [
        ("Everywhere", rows(bindings)),
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
        ("Commands (after :)", [(command.usage, command.help) for command in COMMANDS]),
        ("Other", [("ctrl+p", "command palette"), ("ctrl+q", "quit")]),
    ]


def _key_name(key: str) -> str:
    return {"question_mark": "?", "slash": "/", "colon": ":", "shift+tab": "shift+tab"}.get(key, key)
