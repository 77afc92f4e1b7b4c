"""Every context in one view: a row per context, then their alerts merged with a context column.

Rows come in as each context answers (a slow one shows "waiting", a dead one its error and the age
of its last good figures); Enter on a row opens that context. ``/`` filters the merged alerts with
the alerts pane's language plus ``@context=NAME``. Nothing here changes anything: acks and silences
are made in a context's own console, where its read-only setting holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from opsconsole.core.context_overview import ContextRow, MergedAlert, filter_merged
from opsconsole.core.durations import format_duration
from opsconsole.core.short_names import short_name
from opsconsole.refresh.context_overview import ContextOverviewService
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.key_order import KeysInOrder
from opsconsole.ui.no_color import honour_no_color
from opsconsole.ui.sized_table import SizedDataTable
from opsconsole.ui.themes import ConsoleTheme

CONTEXT_COLUMNS = ("Context", "Firing c w o", "Acked", "Down", "Worst budget", "Status", "Backends")
NARROW = 120  # below: the worst budget without its SLO's name
ALERT_COLUMNS = ("Context", "Sev", "State", "Alert", "Entity", "Age", "Summary / ack")


class OverviewScreen(Screen[str | None]):
    """The overview; dismisses with the chosen context's name (None: back)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("enter", "open", "Open context"),
        Binding("slash", "filter", "Filter alerts"),
        Binding("r", "refresh", "Refresh"),
        Binding("tab", "switch_table", "Contexts/alerts", show=False),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]
    DEFAULT_CSS = """
    OverviewScreen #overview-title, OverviewScreen #overview-alerts-title { height: 1; text-style: bold; }
    OverviewScreen #overview-contexts { height: auto; max-height: 50%; }
    OverviewScreen #overview-alerts { height: 1fr; }
    OverviewScreen Input { display: none; height: 1; border: none; }
    OverviewScreen Input.-visible { display: block; }
    """

    def __init__(
        self,
        overview: ContextOverviewService,
        clock: Callable[[], float],
        *,
        refresh_interval: float = 5.0,
        auto_refresh: bool = True,
    ) -> None:
        super().__init__()
        self.overview = overview
        self.clock = clock
        self.refresh_interval = refresh_interval
        self.refresh_on_timer = auto_refresh  # not `auto_refresh`: Textual's widgets have one
        self.filter_text = ""
        self.refreshing = False

    def compose(self) -> Any:
        yield Static(id="overview-title")
        yield SizedDataTable(cursor_type="row", id="overview-contexts")
        yield Static(id="overview-alerts-title")
        yield SizedDataTable(cursor_type="row", id="overview-alerts")
        yield Input(placeholder="filter: matchers, words, @context=NAME", id="overview-filter")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#overview-contexts", DataTable).add_columns(*CONTEXT_COLUMNS)
        self.query_one("#overview-alerts", DataTable).add_columns(*ALERT_COLUMNS)
        self.show()
        self.query_one("#overview-contexts", DataTable).focus()
        self.action_refresh()
        if self.refresh_on_timer:
            self.set_interval(self.refresh_interval, self.action_refresh)

    # -- drawing ------------------------------------------------------------------------------

    def show(self) -> None:
        """Draw the rows known now (a context not yet answered: waiting)."""
        tables = self.query("#overview-contexts").results(DataTable)
        table: DataTable[Text] | None = next(tables, None)
        if table is None:
            # Closing: Textual removes a screen's widgets before the screen, and a context's
            # answer (a hung one's, at its deadline) can land in between. Nothing to draw on.
            return
        now = self.clock()
        cursor = table.cursor_row
        table.clear()
        for context in self.overview.contexts:
            row = self.overview.rows.get(context.name)
            if row is None:
                cells = [
                    Text(context.name),
                    *(Text("…") for _ in CONTEXT_COLUMNS[1:-2]),
                    Text("waiting"),
                    Text("…"),
                ]
            else:
                cells = self._cells(row, now)
            table.add_row(*cells, key=context.name)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        failed = sum(1 for r in self.overview.rows.values() if r.error)
        title = f"Every context ({len(self.overview.contexts)})"
        if failed:
            title += f" · {failed} not answering"
        title += " · enter opens one"
        self.query_one("#overview-title", Static).update(Text(title))
        self._show_alerts(now)

    def _cells(self, row: ContextRow, now: float) -> list[Text]:
        texts = row.texts(now)
        crit = row.firing.get("critical", 0)
        return [
            Text(texts["context"], style="bold"),
            Text(texts["firing"], style="bold red" if crit else ""),
            Text(texts["acked"]),
            Text(texts["down"], style="bold red" if row.down else ""),
            Text(texts["budget"] if self.size.width >= NARROW else texts["budget_percent"]),
            Text(
                texts["status"],
                style="bold red" if row.error else "yellow" if texts["status"] != "ok" else "green",
            ),
            Text(texts["backends"]),
        ]

    def _show_alerts(self, now: float) -> None:
        merged, error = filter_merged(self.overview.merged(), self.filter_text)
        table: DataTable[Text] = self.query_one("#overview-alerts", DataTable)
        table.clear()
        for index, item in enumerate(merged):
            table.add_row(*self._alert_cells(item, now), key=f"{index}")
        total = len(self.overview.merged())
        title = f"Alerts of every context ({len(merged)} of {total})"
        if self.filter_text:
            title += f" · filter /{self.filter_text}"
        if error:
            title += f" · ⚠ {error}"
        self.query_one("#overview-alerts-title", Static).update(Text(title))

    @staticmethod
    def _alert_cells(item: MergedAlert, now: float) -> list[Text]:
        alert = item.alert
        ack = alert.ack.ack_facts() if alert.ack is not None else None
        style = "bold red" if alert.state == "firing" and alert.severity == "critical" else ""
        return [
            Text(",".join(item.contexts)),
            Text(alert.severity or "—", style=style),
            Text(alert.state),
            Text(alert.alertname),
            Text(short_name(alert.entity or "—", 24)),
            Text(format_duration(max(0.0, now - alert.starts_at))),
            Text(ack.text(now) if ack is not None else alert.summary),
        ]

    # -- actions ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Refresh every context (each row as it answers); one at a time."""
        if self.refreshing:
            return
        self.refreshing = True

        async def run() -> None:
            try:
                await self.overview.refresh(lambda _: self.show() if self.is_attached else None)
            finally:
                self.refreshing = False
            if self.is_attached:
                self.show()

        self.run_worker(run(), group="overview")

    def action_open(self) -> None:
        """Enter: open the context under the cursor."""
        table: DataTable[Text] = self.query_one("#overview-contexts", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.dismiss(key)

    @on(DataTable.RowSelected, "#overview-contexts")
    def _context_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the contexts table (the table takes Enter before the screen's binding)."""
        self.dismiss(event.row_key.value)

    def action_back(self) -> None:
        """Esc: leave the filter box, else go back."""
        box = self.query_one("#overview-filter", Input)
        if box.has_class("-visible"):
            box.remove_class("-visible")
            self.query_one("#overview-alerts", DataTable).focus()
            return
        self.dismiss(None)

    def action_switch_table(self) -> None:
        """Tab: move between the contexts and the alerts."""
        contexts = self.query_one("#overview-contexts", DataTable)
        target = self.query_one("#overview-alerts" if contexts.has_focus else "#overview-contexts", DataTable)
        target.focus()

    def action_cursor(self, step: int) -> None:
        """j/k: move in the table that has the focus."""
        table = self.focused if isinstance(self.focused, DataTable) else None
        if table is not None:
            (table.action_cursor_down if step > 0 else table.action_cursor_up)()

    def action_filter(self) -> None:
        """/: filter the merged alerts."""
        box = self.query_one("#overview-filter", Input)
        box.add_class("-visible")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#overview-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._show_alerts(self.clock())

    @on(Input.Submitted, "#overview-filter")
    def _filter_done(self, _: Input.Submitted) -> None:
        self.query_one("#overview-filter", Input).remove_class("-visible")
        self.query_one("#overview-alerts", DataTable).focus()

    async def on_unmount(self) -> None:
        await self.overview.aclose()


class OverviewApp(KeysInOrder[str | None]):
    """``opsconsole overview``: the overview alone; exits with the context chosen with Enter."""

    TITLE = "opsconsole overview"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(
        self,
        overview: ContextOverviewService,
        clock: Callable[[], float],
        *,
        theme: ConsoleTheme | None = None,
        **screen: Any,
    ) -> None:
        super().__init__()
        self.overview_screen = OverviewScreen(overview, clock, **screen)
        self.console_theme = theme  # drawn as the console Enter opens is (None: Textual's own)
        honour_no_color(self)

    def on_mount(self) -> None:
        if self.console_theme is not None:
            self.register_theme(self.console_theme.textual)
            self.theme = self.console_theme.textual.name
        self.push_screen(self.overview_screen, self.exit)
