"""The ``:slo`` screen: every figure behind an SLO row, the budget over the window, the queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual_plotext import PlotextPlot

from opsconsole.core.dashboard import BudgetHistory, SloRow
from opsconsole.core.durations import format_duration
from opsconsole.core.present import SLO_STATUS
from opsconsole.core.slo import budget_percent, coverage_note
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.themes import ConsoleTheme

HistoryLoader = Callable[[str], Awaitable[BudgetHistory]]
"""The refresh service's budget history of one SLO by name (``service.slo_history``)."""

SOURCES = {"pack": "from the pack", "sloth": "discovered: Sloth rules", "pyrra": "discovered: Pyrra rules"}


def chart_title(what: str, history: BudgetHistory) -> str:
    """The budget chart's title: what it shows, or why it shows nothing and what to do about it
    ("r tries again" only where asking again can help: otherwise the error says what to mend)."""
    if history.error:
        again = " · r tries again, esc goes back" if history.retry else ""
        return f"{what}: {history.error}{again}"
    if not any(r is not None for r in history.remaining):
        return f"{what}: no data"
    return what


class SloScreen(Screen[None]):
    """Budget as share and time, burn rate per window against the multiwindow rules, time to
    exhaustion, a chart of the budget over the window and the queries behind each figure.

    It loads the budget histories itself: a worker calls ``load_history`` (the refresh service's)
    once mounted and again on ``r``; each chart says loading, then the history or what failed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]
    DEFAULT_CSS = """
    SloScreen > VerticalScroll { padding: 0 1; }
    SloScreen PlotextPlot { height: 12; margin-bottom: 1; }
    """

    def __init__(
        self, slos: list[SloRow], theme: ConsoleTheme, load_history: HistoryLoader | None = None
    ) -> None:
        super().__init__()
        self.slos = slos
        self.console_theme = theme
        self.load_history = load_history
        self.histories: dict[str, BudgetHistory] = {}

    def compose(self) -> Any:
        from textual_plotext import PlotextPlot  # loaded when a chart is first shown, not at start-up

        with VerticalScroll():
            for index, row in enumerate(self.slos):
                yield Static(self._slo_table(row))
                yield PlotextPlot(id=f"budget-{index}")
            if not self.slos:
                yield Static(
                    Text("no SLOs: the pack defines none and Prometheus has no Sloth or Pyrra rules")
                )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        """Load (again) every budget history, in a worker: the screen stays responsive."""
        from textual_plotext import PlotextPlot  # loaded when a chart is first shown, not at start-up

        if self.load_history is None:
            return
        for index in range(len(self.slos)):
            widget = self.query_one(f"#budget-{index}", PlotextPlot)
            widget.plt.clear_data()
            widget.plt.title("budget left over the window: loading…")
            widget.refresh()
        self.run_worker(self._load(self.load_history), group="detail", exclusive=True)

    async def _load(self, load: HistoryLoader) -> None:
        for row in self.slos:
            try:
                history = await load(row.name)
            except Exception as exc:  # a backend's failure is shown, never raised into the app
                why = str(exc) or type(exc).__name__
                history = BudgetHistory((), (), "burndown", error=f"⚠ not loaded ({why})", retry=True)
            self.show_history(row.name, history)

    def show_history(self, name: str, history: BudgetHistory) -> None:
        """Draw the budget chart of SLO ``name``."""
        from textual_plotext import PlotextPlot  # loaded when a chart is first shown, not at start-up

        self.histories[name] = history
        for index, row in enumerate(self.slos):
            if row.name == name:
                self._draw(self.query_one(f"#budget-{index}", PlotextPlot), row, history)

    def _draw(self, widget: PlotextPlot, row: SloRow, history: BudgetHistory) -> None:
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        what = (
            f"budget left of the {row.window} window, as it was spent (%)"
            if history.kind == "burndown"
            else f"budget left of the rolling {row.window} window (%)"
        )
        points = [(t, r) for t, r in zip(history.times, history.remaining, strict=True) if r is not None]
        plt.title(chart_title(what, history))
        if points and not history.error:
            end = history.times[-1]
            days = (end - history.times[0]) >= 2 * 86400
            scale, unit = (86400.0, "days ago") if days else (3600.0, "hours ago")
            ys = [r * 100 for _, r in points]
            plt.plot([(t - end) / scale for t, _ in points], ys)
            # The whole budget is the scale: a slow burn looks slow, an overspend goes below 0.
            plt.ylim(min(0.0, *ys), 100.0)
            plt.xlabel(unit)
        widget.refresh()

    def _slo_table(self, row: SloRow) -> Table:
        figures = row.figures
        theme = self.console_theme
        status, level = SLO_STATUS[figures.status]
        outer = Table.grid(padding=(0, 1))
        title = Text(f"{row.display} — {row.objective * 100:g}% over {row.window}  ", style="bold")
        title.append(status, style=theme.style(level))
        if figures.firing_rule is not None:
            rule = figures.firing_rule
            title.append(f" ({rule.long} and {rule.short} both above {rule.factor:g}x)")
        title.append(f"  {SOURCES.get(row.source, row.source)}", style=theme.style("muted"))
        outer.add_row(title)
        if row.problem:
            outer.add_row(Text(f"⚠ {row.problem}", style=theme.style("warn")))
        note = coverage_note(figures.data_seconds, figures.window_seconds)
        if note:
            outer.add_row(Text(f"⚠ {note}", style=theme.style("warn")))
        if figures.remaining is not None:
            outer.add_row(
                Text(
                    f"budget left {budget_percent(figures.remaining)} = "
                    f"{format_duration(figures.remaining_seconds or 0)} of "
                    f"{format_duration(figures.budget_seconds)} · SLI {((figures.sli or 0) * 100):.3f}%"
                )
            )
        for label, value in (
            ("at the 1h burn", figures.exhaustion_1h),
            ("at the 6h burn", figures.exhaustion_6h),
        ):
            text = "—" if value is None else format_duration(value)
            outer.add_row(Text(f"budget exhausted in {text} {label}"))
        burns = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        for window in figures.burn_rates:
            burns.add_column(window, justify="right")
        burns.add_row(*[Text("—" if b is None else f"{b:.2f}x") for b in figures.burn_rates.values()])
        outer.add_row(burns)
        rules = ", ".join(f"{r.long}/{r.short} >{r.factor:g}x {r.severity}" for r in row.rules)
        if rules:
            outer.add_row(Text(f"rules: {rules}", style=theme.style("muted")))
        for label, text in row.queries:
            outer.add_row(Text(f"{label}: {text}", style=theme.style("muted")))
        return outer
