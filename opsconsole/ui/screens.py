"""Screens pushed over the main one: help, drill-down detail, and a key/value view of one row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TextArea

from opsconsole.core.chart_axis import y_axis
from opsconsole.core.dashboard import Detail
from opsconsole.core.durations import format_duration
from opsconsole.ui import cells
from opsconsole.ui.copy_markdown import copy_text
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.themes import ConsoleTheme

if TYPE_CHECKING:
    pass

COMMANDS = (
    (":ctx NAME", "switch context"),
    (":pack NAME", "switch query pack"),
    (":theme NAME", "switch theme (dark, light, high-contrast, monochrome, or yours)"),
    (":range 15m|1h|6h|24h|Nh", "time range of charts and sparklines"),
    (":health :red :alerts :slo :logs", "jump to a pane"),
    (":group LABEL,LABEL", "group alerts by these labels"),
    (":silenced on|off, :inhibited on|off", "show or hide suppressed alerts"),
    (":silences", "the silences screen (S)"),
    (":trace TRACE_ID", "open a trace"),
    ("/ in alerts", 'matchers and words: severity="critical", service=~"agents|db" npa'),
    (":q", "quit"),
)


CHARTS = ("rate", "errors", "latency")


def _chart_id(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


class HelpScreen(ModalScreen[None]):
    """Every binding that exists, generated from the bindings themselves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> Any:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for title, rows in [*self.sections, ("Command mode (:)", list(COMMANDS))]:
            table.add_row(Text(title, style="underline"), "")
            for key, description in rows:
                table.add_row(Text(key), Text(description))
            table.add_row("", "")
        with VerticalScroll():
            yield Static(table)
        yield KeyFooter()  # the modal's keys, over the dimmed main screen's

    def action_dismiss(self, result: None = None) -> Any:
        return super().action_dismiss(result)


DetailLoader = Callable[[], Awaitable[Detail]]
"""The refresh service's drill-down for one row (``lambda: service.detail(...)``)."""


class DetailScreen(Screen[None]):
    """Drill-down on an agent or service: charts, its alerts, recent logs and the exact queries.

    It loads its own data: a worker calls ``load`` (the refresh service's drill-down) when the
    screen mounts and again on ``r``; the title says loading, or what failed and what to do.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("c", "copy_queries", "Copy queries"),
        Binding("r", "reload", "Reload"),
    ]
    DEFAULT_CSS = """
    DetailScreen > VerticalScroll { padding: 0 1; }
    DetailScreen #detail-title { text-style: bold; height: 1; }
    DetailScreen Grid { grid-size: 3; grid-gutter: 0 1; grid-rows: 14; height: auto; }
    DetailScreen.-narrow Grid { grid-size: 1; }
    DetailScreen PlotextPlot { height: 14; }
    DetailScreen .section { margin-top: 1; text-style: bold; }
    DetailScreen TextArea { height: 12; }
    """

    def __init__(self, title: str, theme: ConsoleTheme, load: DetailLoader | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.console_theme = theme
        self.load = load
        self.detail: Detail | None = None
        self.load_error: str | None = None

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        """Load (again) through the refresh service, in a worker: the screen stays responsive."""
        if self.load is None:
            return
        self.query_one("#detail-title", Static).update(Text(f"{self.title_text} — loading…"))
        self.run_worker(self._load(self.load), group="detail", exclusive=True)

    async def _load(self, load: DetailLoader) -> None:
        try:
            detail = await load()
        except Exception as exc:  # a backend's failure is shown, never raised into the app
            self.load_error = str(exc) or type(exc).__name__
            text = Text(
                f"{self.title_text} — ⚠ not loaded: {self.load_error}", style=self.console_theme.style("crit")
            )
            text.append(" · r tries again, esc goes back", style="")
            self.query_one("#detail-title", Static).update(text)
            return
        self.load_error = None
        self.show(detail)

    def compose(self) -> Any:
        from textual_plotext import PlotextPlot  # loaded when a chart is first shown, not at start-up

        with VerticalScroll():
            yield Static(Text(f"{self.title_text} — loading…"), id="detail-title")
            with Grid():
                for name in CHARTS:
                    yield PlotextPlot(id=f"chart-{name}")
            yield Static("Alerts", classes="section")
            yield Static(Text("…"), id="detail-alerts")
            yield Static("Recent logs", classes="section")
            yield Static(Text("…"), id="detail-logs")
            yield Static("Links", classes="section")
            yield Static(Text("…"), id="detail-links")
            yield Static("Queries (c copies them)", classes="section")
            yield TextArea("", read_only=True, id="detail-queries", soft_wrap=True)
        yield KeyFooter()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 120, "-narrow")

    def show(self, detail: Detail) -> None:
        """Render a loaded detail."""
        from textual_plotext import PlotextPlot  # loaded when a chart is first shown, not at start-up

        self.detail = detail
        theme = self.console_theme
        span = format_duration(detail.range_seconds)
        title = Text(f"{detail.title} — last {span}")
        for error in detail.errors:
            title.append(f"  ⚠ {error}", style=theme.style("crit"))
        self.query_one("#detail-title", Static).update(title)
        grid = self.query_one(Grid)
        for name in detail.charts:
            if name not in CHARTS and not self.query(f"#chart-{_chart_id(name)}"):
                grid.mount(PlotextPlot(id=f"chart-{_chart_id(name)}"))
        self.call_after_refresh(self._draw_charts, detail)
        alerts = Table.grid(padding=(0, 1))
        for alert in detail.alerts:
            alerts.add_row(*cells.alert_cells(alert, theme, _now(detail)))
        self.query_one("#detail-alerts", Static).update(alerts if detail.alerts else Text("no alerts"))
        logs = Table.grid(padding=(0, 1))
        for row in detail.logs[-15:]:
            logs.add_row(*cells.log_cells(row, theme))
        self.query_one("#detail-logs", Static).update(logs if detail.logs else Text("no log lines"))
        self.query_one("#detail-links", Static).update(link_lines(detail.links))
        text = "\n\n".join(f"# {name}\n{query}" for name, query in detail.queries.items())
        self.query_one("#detail-queries", TextArea).load_text(text)

    def _draw_charts(self, detail: Detail) -> None:
        for name in [*CHARTS, *(n for n in detail.charts if n not in CHARTS)]:
            self._chart(name, detail)

    def _chart(self, name: str, detail: Detail) -> None:
        from textual_plotext import PlotextPlot  # loaded when a chart is first shown, not at start-up

        widget = self.query_one(f"#chart-{_chart_id(name)}", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        unit = detail.units.get(name, "")
        shown_unit = {"ratio": "%", "bytes": "MiB"}.get(unit, unit)
        scale = {"ratio": 100.0, "bytes": 1 / 2**20}.get(unit, 1.0)
        plt.title(f"{name} ({shown_unit})" if shown_unit else name)
        series = detail.charts.get(name, [])
        if not series:
            plt.title(f"{name}: no data")
        end = max((p[-1][0] for _, p in series if p), default=0.0)
        for label, points in series:
            if not points:
                continue
            xs = [(ts - end) / 60 for ts, _ in points]
            ys = [v * scale for _, v in points]
            plt.plot(xs, ys, label=label or None)
        # From zero in round steps (see core/chart_axis.py): 17.81 → 17.83 req/s is flat, not a cliff;
        # and the whole range along x, so a series that began late is seen to begin late.
        axis = y_axis(v * scale for _, points in series for _, v in points)
        plt.ylim(axis.low, axis.high)
        plt.yticks(list(axis.ticks), list(axis.labels()))
        plt.xlim(-detail.range_seconds / 60, 0)
        plt.xlabel("minutes ago")
        widget.refresh()

    def action_copy_queries(self) -> None:
        """Copy every query so it can be pasted into Grafana or promtool (as ``y`` copies a pane)."""
        if self.detail:
            text = "\n\n".join(self.detail.queries.values())
            copy_text(self.app, text, "the queries")  # the toast says how, when it is done


def link_lines(links: list[tuple[str, str]]) -> Text:
    """``name  URL`` per link: an OSC 8 hyperlink, with the URL printed for terminals without them.
    The URLs were built from sanitised, percent-encoded values (packs/links.py)."""
    if not links:
        return Text("the pack has no links for this row")
    text = Text()
    for index, (name, url) in enumerate(links):
        if index:
            text.append("\n")
        text.append(f"{name}  ", style="bold")
        text.append(url, style=f"link {url}")
    return text


def _now(detail: Detail) -> float:
    ends = [p[-1][0] for series in detail.charts.values() for _, p in series if p]
    return max(ends, default=datetime.now(UTC).timestamp())


FieldsLoader = Callable[[], Awaitable[list[tuple[str, str]]]]
"""The refresh service's fields of one row (``lambda: service.alert_fields(alert)``)."""


class FieldsScreen(ModalScreen[None]):
    """All fields of one row (an alert, a log line), as plain text, with links shown.

    Given its fields (a log line holds them all), it shows them at once; given ``load``, it loads
    its own like the detail screen: a worker calls ``load`` when the screen mounts and again on
    ``r``; the title says loading, or what failed and what to do.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]
    DEFAULT_CSS = """
    FieldsScreen { align: center middle; }
    FieldsScreen > VerticalScroll { width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1; }
    """

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str]] | None = None,
        *,
        load: FieldsLoader | None = None,
        theme: ConsoleTheme | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields or []
        self.load = load
        self.console_theme = theme
        self.load_error: str | None = None

    def compose(self) -> Any:
        with VerticalScroll():
            yield Static(self._title(""), id="fields-title")
            yield Static(self._table(), id="fields")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``r`` only where there is something to load (a log line's fields are all there is)."""
        return self.load is not None if action == "reload" else True

    def action_reload(self) -> None:
        """Load (again) through the refresh service, in a worker: the screen stays responsive."""
        if self.load is None:
            return
        self.query_one("#fields-title", Static).update(self._title(" — loading…"))
        self.run_worker(self._load(self.load), group="detail", exclusive=True)

    async def _load(self, load: FieldsLoader) -> None:
        try:
            fields = await load()
        except Exception as exc:  # a backend's failure is shown, never raised into the app
            self.load_error = str(exc) or type(exc).__name__
            crit = self.console_theme.style("crit") if self.console_theme else "bold"
            title = self._title("")
            title.append(f" — ⚠ not loaded: {self.load_error}", style=crit)
            title.append(" · r tries again, esc goes back")
            self.query_one("#fields-title", Static).update(title)
            return
        self.load_error = None
        self.fields = fields
        self.query_one("#fields-title", Static).update(self._title(""))
        self.query_one("#fields", Static).update(self._table())

    def _title(self, state: str) -> Text:
        return Text.assemble((self.title_text, "bold underline"), state)

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for key, value in self.fields:
            text = Text(value)
            if value.startswith(("https://", "http://")):
                # OSC 8 hyperlink; the URL is also printed, for terminals without link support.
                text.stylize(f"link {value}")
            table.add_row(Text(key), text)
        return table
