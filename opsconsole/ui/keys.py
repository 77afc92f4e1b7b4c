"""The console's keys: the app's binding table, the main screen's (keys that only work there), and
the help screen's sections, taken from the binding and command tables themselves."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from opsconsole.ui.commands import COMMANDS
from opsconsole.ui.log_view import LogView

# Keys that work on every screen (the app's).
CONSOLE_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit"),
    Binding("ctrl+z", "suspend_process", "Suspend", show=False),
    Binding("question_mark", "help", "Help"),
    Binding("r", "refresh", "Refresh"),
    Binding("t", "cycle_range", "Range"),
    Binding("S", "silences", "Silences"),
]

# Keys that act on the main screen's panes: the main screen's own bindings, so a pushed screen
# never inherits them (Tab moves between a form's fields; `s` on a trace search is not a silence
# of the alert selected under it). The actions are the app's (``app.``): they start its flows.
# The footer lists the screen's keys before the app's, as far as they fit whole, so the most needed
# come first: Quit and Help are repeated here, right after Tab, then the filter and the command
# line, then Refresh and Range (repeated too): at 80 columns all but Range are in view (help lists
# every key, the repeated ones once, as the app's).
MAIN_SCREEN_BINDINGS: list[BindingType] = [
    Binding("tab", "app.next_pane", "Next pane", priority=True),
    Binding("shift+tab", "app.previous_pane", "Prev pane", show=False, priority=True),
    Binding("q", "app.quit", "Quit"),
    Binding("question_mark", "app.help", "Help"),
    Binding("slash", "app.filter", "Filter"),
    Binding("colon", "app.command", "Command"),
    Binding("r", "app.refresh", "Refresh"),
    Binding("t", "app.cycle_range", "Range"),
    Binding("p", "app.pause_logs", "Pause logs"),
    Binding("z", "app.zoom", "Zoom pane"),
    Binding("a", "app.ack", "Ack"),
    Binding("i", "app.info", "Alert info", show=False),
    Binding("l", "app.entity_logs", "Logs of row"),
    Binding("T", "app.entity_traces", "Traces of row"),
    Binding("s", "app.silence", "Silence"),
    Binding("1", "app.pane('health')", "Health", show=False),
    Binding("2", "app.pane('alerts')", "Alerts", show=False),
    Binding("3", "app.pane('red')", "RED", show=False),
    Binding("4", "app.pane('slo')", "SLO", show=False),
    Binding("5", "app.pane('logs')", "Logs", show=False),
    Binding("escape", "app.clear_filter", "Clear filter", show=False),
    Binding("A", "app.all_alerts", "All alerts", show=False),
    Binding("y", "app.copy_markdown", "Copy pane as Markdown", show=False),
]


def help_sections(
    bindings: list[BindingType], main_screen: list[BindingType]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Bindings grouped by where they work, taken from the binding tables themselves."""
    from opsconsole.ui.screens import DetailScreen  # screens are imported when first needed
    from opsconsole.ui.trace_screens import TraceView

    def rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
        out = []
        for binding in bindings:
            if isinstance(binding, Binding):
                keys = ", ".join(_key_name(k) for k in binding.key.split(","))
                out.append((keys, binding.description or binding.action))
        return out

    return [
        ("Everywhere", rows(bindings)),
        ("Main screen", [row for row in rows(main_screen) if row not in rows(bindings)]),
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
