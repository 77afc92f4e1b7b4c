"""The read-only wallboard: big figures, rotating pages, freshness per backend, a loud stale banner.

Nothing here can change anything: the app is built on a read-only backend set (every non-GET is
refused inside the process, before it is sent) and only navigation keys are bound. It is meant
for a screen on the wall, so nothing bright stays in one place: the content drifts by a cell or
two every rotation, and the stale banner has no solid background.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Digits, Static

from opsconsole.core.dashboard import AlertView, Dashboard
from opsconsole.core.present import is_critical
from opsconsole.core.slo import budget_percent
from opsconsole.core.wallboard_figures import (
    acked,
    empty_page_reason,
    firing,
    stale_backends,
    wallboard_notices,
    worst_budget,
)
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.ui.drawn import drawn_signature
from opsconsole.ui.header_fit import NARROW_WIDTH, HeaderPart, joined
from opsconsole.ui.shell import ConsoleShell, clock_text, freshness
from opsconsole.ui.wallboard_options import WallboardOptions, wallboard_refresh_settings
from opsconsole.ui.wallboard_tables import alert_table, health_table, slo_table

DRIFT = (0, 1, 2, 1)  # left padding per rotation: nothing static burns in
LOW_BUDGET = 0.25  # below this share of budget left the figure turns red


class WallboardApp(ConsoleShell):
    """The wallboard. Keys: next/previous page, a page by number, pause rotation, quit."""

    TITLE = "opsconsole wallboard"
    CSS = """
    Screen { layout: vertical; }
    #wb-header { height: 1; }
    #wb-banner { height: auto; display: none; text-style: bold; padding: 0 1; }
    #wb-banner.-visible { display: block; }
    #wb-body { height: 1fr; }
    #wb-notices { height: auto; display: none; padding: 0 1; }
    #wb-notices.-visible { display: block; }
    .wb-page { display: none; height: 1fr; }
    .wb-page.-active { display: block; }
    #wb-figures { height: auto; }
    .wb-figure { width: 1fr; height: auto; border: round $panel-lighten-2; padding: 0 1; }
    .wb-figure Digits { width: auto; }
    .wb-figure .wb-label { color: $text-muted; }
    .wb-figure.-bad { border: round $error; }
    .wb-figure.-bad Digits { color: $error; }
    #wb-overview-list, #wb-alerts, #wb-slo, #wb-health { height: auto; padding: 0 1; }
    #wb-footer { height: 1; color: $text-muted; }
    """
    # Navigation only: nothing bound here can send anything anywhere.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+z", "suspend_process", "Suspend", show=False),
        Binding("right,l,space", "step(1)", "Next page"),
        Binding("left,h", "step(-1)", "Previous page"),
        Binding("p", "toggle_rotation", "Pause rotation"),
        Binding("1", "page(0)", "Page 1", show=False),
        Binding("2", "page(1)", "Page 2", show=False),
        Binding("3", "page(2)", "Page 3", show=False),
        Binding("4", "page(3)", "Page 4", show=False),
        Binding("5", "page(4)", "Page 5", show=False),  # contexts, with several in the config
    ]

    def __init__(self, options: WallboardOptions) -> None:
        super().__init__(
            options.themes,
            options.theme,
            clock=options.clock,
            refresh_interval=options.refresh_interval,
            auto_refresh=options.auto_refresh,
        )
        self.options = options
        self.service = options.make_service()
        if not self.service.backends.read_only:
            raise ValueError("the wallboard needs a read-only backend set")
        self.page = 0
        self.rotating = options.rotate_seconds > 0
        self.rotations = 0
        self._next_rotation = options.clock() + options.rotate_seconds
        self._started = options.clock()
        self._drawn: dict[str, object] = {}
        wants = "contexts" in options.pages and options.make_overview is not None
        self.overview = options.make_overview() if wants and options.make_overview else None
        self._overview_running = False

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> Any:
        yield Static(id="wb-header")
        yield Static(id="wb-banner")
        with Vertical(id="wb-body"):
            # Inside the body, so it drifts with the page: it may stay up for hours.
            yield Static(id="wb-notices")
            for name in self.options.pages:
                with Vertical(id=f"page-{name}", classes="wb-page"):
                    if name == "overview":
                        with Horizontal(id="wb-figures"):
                            for key, label in (
                                ("critical", "firing critical"),
                                ("down", "agents down"),
                                ("budget", "worst error budget left, %"),
                            ):
                                with Vertical(id=f"fig-{key}", classes="wb-figure"):
                                    yield Digits("–", id=f"digits-{key}")
                                    yield Static(label, id=f"label-{key}", classes="wb-label")
                        yield Static(id="wb-overview-list")
                    else:
                        yield Static(id=f"wb-{name}")
        yield Static(id="wb-footer")

    def on_mount(self) -> None:
        self._show_page()
        self._render_notices()
        self._render_chrome()
        self.start_shell()
        if self.options.auto_refresh:
            self.set_interval(1.0, self._tick)

    # -- refresh ------------------------------------------------------------------------------

    def refresh_settings(self) -> RefreshSettings:
        """See :func:`wallboard_refresh_settings` (also what ``launch.open_wallboard`` starts with)."""
        return wallboard_refresh_settings(self.options.pages)

    def show_board(self, board: Dashboard) -> None:
        self._render_board()
        self._refresh_contexts()

    def _refresh_contexts(self) -> None:
        """The contexts page: every context refreshed on its own deadline, drawn as each answers."""
        overview = self.overview
        if overview is None or self._overview_running:
            return
        self._overview_running = True

        async def run() -> None:
            try:
                await overview.refresh(lambda _: self._render_contexts())
            finally:
                self._overview_running = False
            self._render_contexts()

        self.run_worker(run(), group="contexts")

    async def on_unmount(self) -> None:
        if self.overview is not None:
            await self.overview.aclose()
        await super().on_unmount()

    def _render_contexts(self) -> None:
        if "contexts" not in self.options.pages or not self.is_running:
            return
        overview = self.overview
        if overview is None:
            self._update("#wb-contexts", Text("no contexts page here (the demo has one context)"))
            return
        now = self.options.clock()
        table = Table(box=None, pad_edge=False, expand=True, header_style="bold")
        for column in ("context", "firing c w o", "acked", "down", "worst budget", "status"):
            table.add_column(column, no_wrap=True, overflow="ellipsis")
        theme = self.console_theme
        for context in overview.contexts:
            row = overview.rows.get(context.name)
            if row is None:
                table.add_row(Text(context.name), "…", "…", "…", "…", Text("waiting"))
                continue
            texts = row.texts(now)
            level = "crit" if row.error else "warn" if texts["status"] != "ok" else "ok"
            table.add_row(
                Text(texts["context"]),
                Text(texts["firing"], style=theme.style("crit") if row.firing.get("critical") else ""),
                Text(texts["acked"]),
                Text(texts["down"], style=theme.style("crit") if row.down else ""),
                Text(texts["budget"]),
                Text(texts["status"], style=theme.style(level)),
            )
        self._update("#wb-contexts", table)

    def _tick(self) -> None:
        now = self.options.clock()
        if self.rotating and now >= self._next_rotation:
            self.action_step(1)
        self._render_chrome()

    # -- navigation (the only keys there are) -------------------------------------------------

    def action_step(self, delta: int) -> None:
        """Next or previous page; the rotation timer starts again."""
        self.page = (self.page + delta) % len(self.options.pages)
        self.rotations += 1
        self._next_rotation = self.options.clock() + self.options.rotate_seconds
        self._show_page()

    def action_page(self, index: int) -> None:
        """A page by its number."""
        if index < len(self.options.pages):
            self.page = index
            self._next_rotation = self.options.clock() + self.options.rotate_seconds
            self._show_page()

    def action_toggle_rotation(self) -> None:
        """Stop or restart the rotation."""
        self.rotating = not self.rotating and self.options.rotate_seconds > 0
        self._next_rotation = self.options.clock() + self.options.rotate_seconds
        self._render_chrome()

    def _show_page(self) -> None:
        for index, name in enumerate(self.options.pages):
            self.query_one(f"#page-{name}").set_class(index == self.page, "-active")
        self.query_one("#wb-body").styles.padding = (0, 0, 0, DRIFT[self.rotations % len(DRIFT)])
        self._render_chrome()

    # -- drawing ------------------------------------------------------------------------------

    def _render_chrome(self) -> None:
        theme = self.console_theme
        now = self.options.clock()
        name = self.options.pages[self.page]
        width = self.size.width
        # Fitted like the console's header: the backends' freshness is never the part cut off.
        parts = (
            HeaderPart("WALLBOARD", prefix=" ", suffix=" │", style="bold", give_way=1),
            HeaderPart(self.service.context_name, prefix=" "),
            HeaderPart(self.service.pack.name, prefix="│ ", give_way=3, shortest=6),
            HeaderPart(f"{self.page + 1}/{len(self.options.pages)} {name}", prefix="│ ", give_way=4),
            HeaderPart(clock_text(now), prefix="│ ", style="bold"),
            HeaderPart("READ-ONLY", prefix="│ ", style=theme.style("muted"), give_way=2),
        )
        after = freshness(self.board, now, theme, short=width < NARROW_WIDTH)
        # One line each, whatever they say: no layout pass for the clock's second (see _update).
        self._update("#wb-header", joined(parts, width, after=after), layout=False)
        count = len(self.options.pages)
        footer = Text(f" ← → page · {f'1-{count} · ' if count > 1 else ''}p ", style=theme.style("muted"))
        if self.rotating:
            left = max(0, round(self._next_rotation - now))
            footer.append(f"rotation: next in {left}s", style=theme.style("muted"))
        else:
            footer.append("rotation paused", style=theme.style("warn"))
        footer.append(" · q quit", style=theme.style("muted"))
        self._update("#wb-footer", footer, layout=False)
        self._render_banner(now)

    def _update(self, selector: str, content: Text | Table, *, layout: bool = True) -> None:
        """Update a widget only when what it shows changed: an identical update still repaints it,
        and over SSH every repaint is bytes on the wire. ``layout=False`` for a widget whose size
        cannot change (the one-line header and footer): a layout pass arranges and repaints the
        whole screen, and the clock ticks every second.

        Otherwise the screen is laid out again only when the widget's height changed: a page
        that is not showing takes no room (showing it lays it out with what it holds then), and
        an alert's age moving on in the same number of lines is a repaint of that widget alone.
        """
        signature = drawn_signature(content)
        if self._drawn.get(selector) == signature:
            return
        self._drawn[selector] = signature
        widget = self.query_one(selector, Static)
        widget.update(content, layout=False)
        if layout and _showing(widget):
            width, height = widget.content_size
            if not width or widget.get_content_height(widget.container_size, self.size, width) != height:
                widget.refresh(layout=True)

    def _render_banner(self, now: float) -> None:
        banner = self.query_one("#wb-banner", Static)
        board = self.board
        limit = self.options.stale_after * self.options.refresh_interval
        stale = stale_backends(board, now, limit, self._started) if board is not None else []
        if board is None and now - self._started >= limit:
            stale = ["every backend (no answer yet)"]
        banner.set_class(bool(stale), "-visible")
        if stale:
            as_of = datetime.fromtimestamp(board.now, UTC).strftime("%H:%M:%S") if board else "—"
            text = Text(f"⚠ STALE DATA: no answer from {', '.join(stale)} · figures as of {as_of}Z")
            # The words move along the line every second: loud without a fixed bright block.
            shift = int(now) % 4
            self._update(
                "#wb-banner", Text(" " * shift) + Text(text.plain, style=self.console_theme.style("crit"))
            )

    def _render_board(self) -> None:
        board = self.board
        if board is None:
            return
        pages = self.options.pages
        firing_now = firing(board)
        no_alerts = empty_page_reason(board, "alerts", "no alerts firing")
        critical = [a for a in firing_now if is_critical(a)]
        down = [h for h in board.health if h.state == "down"]
        entity = board.entity_display
        worst = worst_budget(board)
        if "overview" in pages:
            outside = sum(1 for g in board.alerts_outside for a in g.alerts if is_critical(a))
            # Never a reassuring 0 while Alertmanager holds critical alerts the pack leaves out.
            label = f"firing critical · {outside} more outside this pack" if outside else "firing critical"
            if board.alerts_unknown:  # not a calm 0 before Alertmanager has answered
                self._figure("critical", "–", bad=False, label="firing critical: no data")
            else:
                self._figure("critical", str(len(critical)), bad=bool(critical), label=label)
            why, problem = empty_page_reason(board, "health", "")
            if board.health:
                self._figure(
                    "down", f"{len(down)}", bad=bool(down), label=f"{entity}s down of {len(board.health)}"
                )
            elif problem:  # not "0 down" when nothing answered: that reads as all up
                where = "see the health page" if "health" in pages else why
                self._figure("down", "–", bad=False, label=f"{entity}s down: no data, {where}")
            else:
                self._figure("down", "0", bad=False, label=f"{entity}s down: none in this pack")
            if worst is None:
                self._figure("budget", "–", bad=False, label="worst error budget left: no SLO data")
            else:
                name, remaining = worst
                self._figure(
                    "budget",
                    budget_percent(remaining).removesuffix("%"),  # the label says "%"
                    bad=remaining < LOW_BUDGET,
                    label=f"% budget left · {name}",
                )
            shown = firing_now[:8]
            self._update(
                "#wb-overview-list",
                self._alerts(
                    shown,
                    now=board.now,
                    more=len(firing_now) - len(shown),
                    # Only a page that rotates in is somewhere to look.
                    more_where="on the alerts page" if "alerts" in pages else "",
                    outside=board.firing_outside,
                    empty=no_alerts,
                ),
            )
        if "alerts" in pages:
            self._update(
                "#wb-alerts",
                self._alerts(
                    firing_now,
                    now=board.now,
                    acks=tuple(acked(board)),
                    outside=board.firing_outside,
                    empty=no_alerts,
                ),
            )
        if "slo" in pages:
            self._update("#wb-slo", slo_table(board, self.console_theme))
        if "health" in pages:
            self._update("#wb-health", health_table(board, self.console_theme))
        self._render_notices()
        self._render_chrome()

    def _render_notices(self) -> None:
        """The console's notices (a pack file that failed, a pack that finds nothing here), kept on
        screen: a board on a wall has no one to read a toast, and an empty board must say why."""
        notices = wallboard_notices(self.board, self.options.notices)
        widget = self.query_one("#wb-notices", Static)
        widget.set_class(bool(notices), "-visible")
        if notices:
            warn = self.console_theme.style("warn")
            self._update("#wb-notices", Text("\n").join(Text(f"⚠ {n}", style=warn) for n in notices))

    def _figure(self, key: str, value: str, *, bad: bool, label: str | None = None) -> None:
        if self._drawn.get(f"#digits-{key}") != value:
            self._drawn[f"#digits-{key}"] = value
            self.query_one(f"#digits-{key}", Digits).update(value)
        self.query_one(f"#fig-{key}").set_class(bad, "-bad")
        if label is not None:
            self._update(f"#label-{key}", Text(label))

    def _alerts(
        self,
        alerts: list[AlertView],
        *,
        now: float,
        acks: tuple[Any, ...] = (),
        more: int = 0,
        more_where: str = "",
        outside: int = 0,
        empty: tuple[str, bool] = ("no alerts firing", False),
    ) -> Table | Text:
        return alert_table(
            alerts,
            self.console_theme,
            now=now,
            width=self.size.width,
            acks=acks,
            more=more,
            more_where=more_where,
            outside=outside,
            empty=empty,
        )


def _showing(widget: Widget) -> bool:
    """Whether ``widget`` and every container above it are displayed (a page not showing is not)."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))
