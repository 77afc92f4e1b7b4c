"""The silences screen: this context's silences, or every context's (``*``, ``:silences *``), with what
each mutes now, its marks, and x/e for expiring and extending (the app confirms and sends)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from opsconsole.core.dashboard import SilenceView
from opsconsole.core.durations import format_duration
from opsconsole.core.silence_rows import SilenceRow
from opsconsole.refresh.context_silences import EveryContextSilences
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.silence_form import FormDefaults, RadiusRules, SilenceFormScreen
from opsconsole.ui.sized_table import SizedDataTable

COLUMNS = ("", "State", "Ends", "Mutes", "Marks", "By", "Comment", "Matchers")


class SilencesScreen(Screen[None]):
    """Active, pending and expired silences: who, until when, why, how many alerts each mutes.

    ``*`` switches to every context's silences (when the console knows several contexts): a context
    column, each context read on its own deadline (a dead or slow one says so with the age of its
    rows), and read-only contexts' rows locked with the reason.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("space", "select", "Select"),
        Binding("x", "expire", "Expire"),
        Binding("e", "extend", "Extend 1h"),
        Binding("asterisk", "scope", "Every context"),
        Binding("r", "refresh", "Refresh"),
        Binding("slash", "filter", "Filter"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    DEFAULT_CSS = """
    SilencesScreen #silences-title { height: 1; text-style: bold; }
    SilencesScreen #silences-contexts { height: auto; display: none; }
    SilencesScreen #silences-contexts.-visible { display: block; }
    SilencesScreen DataTable { height: 1fr; }
    SilencesScreen Input { display: none; height: 1; border: none; }
    SilencesScreen Input.-visible { display: block; }
    """

    def __init__(
        self,
        silences: Sequence[SilenceView],
        clock: Callable[[], float],
        read_only: str = "",
        *,
        make_every: Callable[[], EveryContextSilences] | None = None,
        every_first: bool = False,
        refresh_interval: float = 5.0,
        auto_refresh: bool = True,
    ) -> None:
        super().__init__()
        self.silences = list(silences)  # this context's, as the last board had them
        self.clock = clock
        self.read_only = read_only
        self.make_every = make_every
        self.every: EveryContextSilences | None = None  # every context's, once asked for
        self.every_shown = every_first
        self.every_refreshing = False
        self.refresh_interval = refresh_interval
        self.refresh_on_timer = auto_refresh
        self.filter_text = ""
        self.chosen: set[str] = set()  # row keys selected with space, for a bulk expire or extend

    def compose(self) -> Any:
        yield Static(id="silences-title")
        yield Static(id="silences-contexts")
        yield SizedDataTable(cursor_type="row", id="silences-table")
        yield Input(placeholder="filter: text in matchers, author, comment or context", id="silences-filter")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.every_shown:
            self.every_shown = False
            self.action_scope()
        else:
            self.render_rows()
        self.query_one(DataTable).focus()
        if self.refresh_on_timer:
            self.set_interval(self.refresh_interval, self._timer)

    async def on_unmount(self) -> None:
        if self.every is not None:
            await self.every.aclose()

    # -- rows ---------------------------------------------------------------------------------

    def show(self, silences: Sequence[SilenceView]) -> None:
        """This context's fresh silences (every board); drawn unless every context's are shown."""
        self.silences = list(silences)
        if not self.every_shown:
            self.render_rows()

    def rows(self) -> list[SilenceRow]:
        """What the screen lists now."""
        if self.every_shown and self.every is not None:
            return self.every.rows()
        return [SilenceRow(s, locked=self.read_only) for s in self.silences]

    def render_rows(self) -> None:
        """Draw the rows (the cursor stays where it was)."""
        tables = self.query(DataTable)
        if not tables:
            # Closing: Textual removes a screen's widgets before the screen, and a context's answer
            # (a hung one's, at its deadline) can land in between. There is nothing to draw on.
            return
        rows = self.rows()
        self.chosen &= {r.key for r in rows if r.silence.state != "expired" and not r.locked}
        table: DataTable[Text] = tables.first()
        now = self.clock()
        cursor = table.cursor_row
        every = self.every_shown
        table.clear(columns=True)
        table.add_columns(*((*COLUMNS[:1], "Context", *COLUMNS[1:]) if every else COLUMNS))
        needle = self.filter_text.lower()
        shown = [r for r in rows if not needle or needle in _haystack(r)]
        for row in shown:
            cells = _cells(row, now, row.key in self.chosen)
            if every:
                where = row.where + (" RO" if row.locked else "")
                cells.insert(1, Text(where, style="dim" if row.locked else ""))
            table.add_row(*cells, key=row.key)
        self._title(rows, len(shown), now)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def _title(self, rows: list[SilenceRow], shown: int, now: float) -> None:
        where = "every context" if self.every_shown else "this context"
        title = f"Silences of {where} ({shown} of {len(rows)})"
        figures = [r.silence.hygiene(now) for r in rows]
        unused = sum(1 for h in figures if h.mutes_nothing)
        soon = sum(1 for h in figures if h.ends_soon)
        title += f" · {unused} mute nothing" if unused else ""
        title += f" · {soon} end within 1h" if soon else ""
        title += f" · {len(self.chosen)} selected (x/e act on them)" if self.chosen else ""
        if self.filter_text:
            title += f" · filter /{self.filter_text}"
        if self.read_only and not self.every_shown:
            title += f" · read-only: {self.read_only}"
        self.query_one("#silences-title", Static).update(Text(title))
        box = self.query_one("#silences-contexts", Static)
        box.set_class(self.every_shown, "-visible")
        if self.every_shown and self.every is not None:
            states = self.every.read_states()
            lines = [s.text(now) for s in states if not s.ok]
            locked = [s.context for s in states if s.read_only]
            if locked:
                lines.append(f"read-only (RO rows cannot be expired or extended here): {', '.join(locked)}")
            fine = [s.context for s in states if s.ok]
            lines.insert(
                0, f"{len(fine)} of {len(states)} contexts read" + (f": {', '.join(fine)}" if fine else "")
            )
            box.update(Text("\n".join(lines)))

    def selected(self) -> SilenceRow | None:
        """The row under the cursor."""
        table: DataTable[Text] = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.rows() if r.key == key), None)

    def targets(self) -> list[SilenceRow]:
        """The selected rows, else the one under the cursor."""
        chosen = [r for r in self.rows() if r.key in self.chosen]
        if chosen:
            return chosen
        row = self.selected()
        return [row] if row is not None else []

    # -- keys ---------------------------------------------------------------------------------

    def action_select(self) -> None:
        """space: select the row under the cursor (or unselect it) for a bulk expire or extend."""
        row = self.selected()
        if row is None or row.silence.state == "expired":
            return
        if row.locked:
            self.notify(row.locked, severity="warning", markup=False)
            return
        self.chosen ^= {row.key}
        self.render_rows()

    def action_scope(self) -> None:
        """*: every context's silences, or back to this context's."""
        if self.every_shown:
            self.every_shown = False
            self.chosen.clear()
            self.render_rows()
            return
        if self.every is None:
            if self.make_every is None:
                self.notify("one context only here: every context needs contexts in the config file")
                return
            try:
                self.every = self.make_every()
            except ValueError as exc:
                self.notify(f"cannot read every context: {exc}", severity="error", markup=False)
                return
        self.every_shown = True
        self.chosen.clear()
        self.render_rows()
        self._refresh_every()

    def action_refresh(self) -> None:
        """r: read again (every context's, or this context's through the app's refresh)."""
        if self.every_shown:
            self._refresh_every()
        else:
            self.run_worker(self.app.run_action("refresh"))

    def _timer(self) -> None:
        if self.every_shown:
            self._refresh_every()

    def _refresh_every(self) -> None:
        every = self.every
        if every is None or self.every_refreshing:
            return
        self.every_refreshing = True

        async def run() -> None:
            try:
                await every.refresh(lambda _: self.render_rows() if self.is_attached else None)
            finally:
                self.every_refreshing = False
            if self.is_attached:
                self.render_rows()

        self.run_worker(run(), group="every-silences")

    def action_cursor_down(self) -> None:
        """j."""
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        """k."""
        self.query_one(DataTable).action_cursor_up()

    def action_filter(self) -> None:
        """/: filter by text in matchers, author, comment or context."""
        box = self.query_one("#silences-filter", Input)
        box.add_class("-visible")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#silences-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.render_rows()

    @on(Input.Submitted, "#silences-filter")
    def _filter_done(self, _: Input.Submitted) -> None:
        self.query_one("#silences-filter", Input).remove_class("-visible")
        self.query_one(DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Mutating keys are shown disabled when no row shown may be changed."""
        if action in ("expire", "extend") and self.read_only and not self.every_shown:
            return None
        return True

    class ChangeRequested(Message):
        """The user asked to expire or extend silences; the app confirms and sends."""

        def __init__(
            self, rows: Sequence[SilenceRow], change: str, every: EveryContextSilences | None
        ) -> None:
            super().__init__()
            self.rows = list(rows)
            self.change = change
            self.every = every  # where each row's change goes (None: this context)

        @property
        def silence(self) -> SilenceView:
            """The first (or only) silence."""
            return self.rows[0].silence

        @property
        def silences(self) -> list[SilenceView]:
            """Every silence asked for."""
            return [r.silence for r in self.rows]

    def _request(self, change: str, rows: list[SilenceRow]) -> None:
        locked = [r for r in rows if r.locked]
        if locked:
            # Nothing is sent for a read-only context; the service and its transport refuse anyway.
            self.notify(locked[0].locked, severity="warning", markup=False)
            return
        if rows:
            every = self.every if self.every_shown else None
            self.post_message(self.ChangeRequested(rows, change, every))

    def action_expire(self) -> None:
        """x: expire the selected silences (or the one under the cursor)."""
        self._request("expire", [r for r in self.targets() if r.silence.state != "expired"])

    def action_extend(self) -> None:
        """e: one more hour for the selected silences (or the one under the cursor)."""
        self._request("extend", self.targets())


def _haystack(row: SilenceRow) -> str:
    s = row.silence
    return f"{s.matchers} {s.created_by} {s.comment} {row.where}".lower()


def _cells(row: SilenceRow, now: float, chosen: bool) -> list[Text]:
    s = row.silence
    ends = (
        f"ended {format_duration(now - s.ends_at)} ago"
        if s.state == "expired"
        else f"in {format_duration(s.ends_at - now)}"
    )
    state = "ACK" if s.ack_by and s.state == "active" else s.state
    # Active: what Alertmanager says it mutes; pending: what it would match, in brackets.
    mutes = str(s.mutes) if s.state == "active" else f"({s.matching})" if s.state == "pending" else "–"
    return [
        Text("●" if chosen else " ", style="bold"),
        Text(state, style="bold" if s.state == "active" else "dim"),
        Text(ends),
        Text(mutes),
        Text(", ".join(s.hygiene(now).marks()), style="bold"),
        Text(s.created_by),
        Text(s.comment[:60]),
        Text(s.matchers),
    ]


__all__ = ["FormDefaults", "RadiusRules", "SilenceFormScreen", "SilencesScreen"]
