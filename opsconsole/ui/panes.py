"""The five panes of the main screen. Each renders a slice of the :class:`Dashboard`; none does I/O."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.events import Resize
from textual.widget import Widget

from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.dashboard import STATE_RANK, AlertGroupView, Dashboard
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.ui import cells
from opsconsole.ui.log_view import LogView
from opsconsole.ui.pane import TITLES, Pane
from opsconsole.ui.pane_table import (
    AgentRowKey,
    AlertGroupRowKey,
    AlertRowKey,
    LogLineKey,
    RedRowKey,
    ResourceRowKey,
    RowTarget,
    SloRowKey,
)
from opsconsole.ui.themes import ConsoleTheme

# Where a saturation row sorts among health rows: crit beside unhealthy, warn beside degraded.
SATURATION_RANK = {"crit": STATE_RANK["unhealthy"], "warn": STATE_RANK["degraded"], "none": 4, "ok": 4}


class HealthPane(Pane):
    """One row per agent instance, worst first."""

    name_ = "health"
    columns = ("State", "Agent", "Alerts", "Since", "Health", "Type")
    priorities: ClassVar[dict[str, tuple[int, int | None]]] = {
        "State": (0, None),
        "Agent": (1, 14),
        "Health": (1, None),
        "Alerts": (2, None),
        "Since": (2, None),
        "Type": (5, 10),
    }
    name_columns = frozenset({"Agent"})

    def _keep_ref(self, ref: RowTarget) -> bool:
        # Names are shortened on screen; the filter still finds the whole pod name.
        return (
            bool(self.filter_text)
            and isinstance(ref, AgentRowKey)
            and self.filter_text.lower() in ref.row.display.lower()
        )

    def render_dashboard(self, board: Dashboard, theme: ConsoleTheme) -> None:
        signals = sorted({name for row in board.health for name in row.signals}, key=_signal_order(board))
        self.set_columns(
            ("State", "Agent", "Alerts", "Since", "Health", *(_title(s) for s in signals), "Type")
        )
        ranked: list[tuple[tuple[int, int], str, RowTarget, list[Text]]] = [
            (
                (STATE_RANK[r.state], i),
                f"h:{r.row_id}",
                AgentRowKey(r),
                cells.health_cells(r, signals, theme, board.now, self.symbols),
            )
            for i, r in enumerate(board.health)
        ]
        # Shared resources sit among the agents by how bad they are: a full pool is as urgent.
        ranked += [
            (
                (SATURATION_RANK[s.value.level], len(board.health) + i),
                f"s:{s.row_id}",
                ResourceRowKey(s),
                cells.saturation_cells(s, signals, theme),
            )
            for i, s in enumerate(board.saturation)
        ]
        ranked.sort(key=lambda r: r[0])
        status = board.pane_status("health")
        rows = [(key, ref, row) for _, key, ref, row in ranked] or self._notice_row(status, theme)
        self.fill(rows)
        count = len(board.health) + len(board.saturation)
        self.show_status(status, board.now, count, board.pane_status("saturation"))


def _title(signal: str) -> str:
    return signal.replace("-", " ").capitalize()


def _signal_order(board: Dashboard) -> Any:
    first = board.health[0].signals if board.health else {}
    order = {name: i for i, name in enumerate(first)}
    return lambda name: order.get(name, len(order))


class RedPane(Pane):
    """Rate, errors and latency per group row."""

    name_ = "red"
    columns = ("Group", "Row", "Rate", "Errors", "p50", "p95", "p99")
    # No state column: the errors are what says a row is in trouble.
    priorities: ClassVar[dict[str, tuple[int, int | None]]] = {
        "Errors": (0, 12),
        "Row": (1, 12),
        "Rate": (1, 12),
        "p99": (2, 12),
        "Group": (3, 10),
        "p95": (3, None),
        "p50": (4, None),
    }

    def render_dashboard(self, board: Dashboard, theme: ConsoleTheme) -> None:
        rows: list[tuple[str, RowTarget, list[Text]]] = [
            (
                f"r:{r.row_id}",
                RedRowKey(r),
                cells.red_cells(r, theme, i == 0 or board.red[i - 1].group != r.group),
            )
            for i, r in enumerate(board.red)
        ]
        status = board.pane_status("red")
        self.fill(rows or self._notice_row(status, theme))
        self.show_status(status, board.now, len(board.red))


class AlertsPane(Pane):
    """Alert groups with their alerts under them."""

    name_ = "alerts"
    columns = ("Severity", "Alert", "Entity", "Age", "State", "Summary")
    priorities: ClassVar[dict[str, tuple[int, int | None]]] = {
        "State": (0, 12),
        "Severity": (1, 10),
        "Alert": (1, 24),  # most alert names whole: the summary goes before the name is cut
        "Age": (2, None),
        "Entity": (3, 12),
        "Summary": (4, 16),
    }
    name_columns = frozenset({"Entity"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.show_silenced = True
        self.show_inhibited = True
        self.show_all = False  # `A`: every alert Alertmanager holds, not only the pack's

    def _keep(self, row: list[Text]) -> bool:
        return True  # alerts are filtered by labels before rows are built

    def current_filter(self) -> AlertFilter:
        """The filter box parsed as matchers and words, with the suppressed toggles."""
        return AlertFilter.parse(
            self.filter_text, show_silenced=self.show_silenced, show_inhibited=self.show_inhibited
        )

    def render_dashboard(self, board: Dashboard, theme: ConsoleTheme) -> None:
        wanted = self.current_filter()
        rows: list[tuple[str, RowTarget, list[Text]]] = []
        shown = 0
        not_built = 0  # rows past max_rows: counted, never turned into cells
        groups = board.alert_groups(self.show_all)
        for index, full in enumerate(groups):
            kept = tuple(a for a in full.alerts if wanted.keeps(a, board.context))
            if not kept:
                continue
            shown += len(kept)
            room = self.max_rows - len(rows)
            if room <= 0:
                not_built += 1 + len(kept)
                continue
            if len(kept) == 1:
                # A group of one is its alert: one line, not a header over a single row.
                alert = kept[0]
                cells_of = cells.alert_cells(alert, theme, board.now, indent="")
                rows.append((f"a:{alert.fingerprint}", AlertRowKey(alert), cells_of))
                continue
            group = AlertGroupView(full.key, kept)
            rows.append(
                (
                    f"g:{index}",
                    AlertGroupRowKey(group),
                    cells.alert_group_cells(group, theme, board.now),
                )
            )
            rows += [
                (f"a:{a.fingerprint}", AlertRowKey(a), cells.alert_cells(a, theme, board.now))
                for a in group.alerts[: room - 1]
            ]
            not_built += max(0, len(group.alerts) - (room - 1))
        self.fill(rows, more=not_built)
        status = board.pane_status("alerts")
        self.set_class(bool(status.error), "-error")
        subtitle = self.status_text(status, board.now, shown)
        hidden = [
            n for n, on in (("silenced", self.show_silenced), ("inhibited", self.show_inhibited)) if not on
        ]
        if hidden:
            subtitle = f"hiding {' and '.join(hidden)} · {subtitle}"
        if wanted.error:
            subtitle = f"⚠ filter: {wanted.error}"
        self.set_border(title=f"{TITLES['alerts']} ({board.alerts_title(self.show_all)})", subtitle=subtitle)


class SloPane(Pane):
    """One line per SLO."""

    name_ = "slo"
    columns = ("SLO", "Budget left", "Status", "Worst burn", "Empty in (1h)", "Target")
    priorities: ClassVar[dict[str, tuple[int, int | None]]] = {
        "Status": (0, None),
        "SLO": (1, 14),
        "Budget left": (1, 20),
        "Worst burn": (2, None),
        "Empty in (1h)": (3, 10),
        "Target": (4, 10),
    }
    short_headers: ClassVar[dict[str, str]] = {"Empty in (1h)": "Empty (1h)"}

    def render_dashboard(self, board: Dashboard, theme: ConsoleTheme) -> None:
        rows: list[tuple[str, RowTarget, list[Text]]] = [
            (f"s:{r.name}", SloRowKey(r), cells.slo_cells(r, theme)) for r in board.slos
        ]
        status = board.pane_status("slo")
        self.fill(rows or self._notice_row(status, theme))
        self.show_status(status, board.now, len(board.slos))


class LogPane(Pane):
    """The live tail: newest at the bottom, following unless paused (new lines are counted).

    Its rows come from the tail's ring buffer through a :class:`LogView`, not from the dashboard.
    """

    name_ = "logs"

    def __init__(self, theme: ConsoleTheme, buffer: LogBuffer | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = LogView(buffer or LogBuffer(), theme, id="log-view")
        self.tail_status = ""

    def compose(self) -> Any:
        yield self.view

    def on_mount(self) -> None:
        """No table columns: the view draws its own."""

    def on_resize(self, event: Resize) -> None:
        """The view lays out its own lines."""

    @property
    def focus_target(self) -> Widget:
        """The log view takes the keys."""
        return self.view

    @property
    def paused(self) -> bool:
        """Whether the view is paused."""
        return self.view.paused

    def selected(self) -> RowTarget | None:
        """The line under the cursor."""
        row = self.view.selected()
        return LogLineKey(row) if row is not None else None

    def show_tail_status(self, text: str, *, tailing: bool = True) -> None:
        """The tail's state, counts and filters; without a tail (``tailing`` False) the title names
        no mode, since there is nothing to follow."""
        self.tail_status = text
        view = self.view
        title = TITLES["logs"]
        if tailing:
            mode = (
                f"PAUSED · {view.unseen} new"
                if view.paused
                else "following"
                if view.follow
                else "scrolled back"
            )
            title = f"{title} ({mode})"
        self.set_border(title=title, subtitle=text)
        self.set_class("⚠" in text, "-error")

    def render_dashboard(self, board: Dashboard, theme: ConsoleTheme) -> None:
        if self.view.console_theme is not theme:
            self.view.console_theme = theme
            self.view.refresh()
        if not self.tail_status:
            self.show_status(board.pane_status("logs"), board.now, len(self.view.buffer))


PANE_TYPES: tuple[type[Pane], ...] = (HealthPane, AlertsPane, RedPane, SloPane, LogPane)
