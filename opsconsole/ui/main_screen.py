"""The main screen: the header, the five panes (a grid, or tabs when narrow), the prompt, the footer.

It owns the panes and which one is active, the layout by size and the header's drawing; the app
decides what the header says and what a row, a key or a prompt line does.

The layout follows the terminal's width through Textual's breakpoints (``HORIZONTAL_BREAKPOINTS``
set ``-narrow``, ``-medium`` or ``-wide`` on the screen, and the CSS does the rest). Which columns
a pane shows is not a breakpoint: it depends on the pane's own width and on what its cells hold,
so each pane fits its columns itself (see :mod:`opsconsole.ui.column_fit`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.containers import Container
from textual.events import DescendantFocus, Resize
from textual.screen import Screen
from textual.widgets import Static

from opsconsole.core.dashboard import Dashboard, PaneName
from opsconsole.ui.header_fit import NARROW_WIDTH, HeaderPart, joined
from opsconsole.ui.key_footer import KeyFooter
from opsconsole.ui.keys import MAIN_SCREEN_BINDINGS
from opsconsole.ui.pane import TITLES, Pane
from opsconsole.ui.panes import LogPane
from opsconsole.ui.prompt import Prompt

WIDE_WIDTH = 160  # below (and above NARROW_WIDTH): RED gets a full-width row
PANE_ORDER: tuple[PaneName, ...] = ("health", "alerts", "red", "slo", "logs")
# The tab line's shortest names, when even the panes' plain titles do not fit the width.
TIGHT_TITLES: dict[PaneName, str] = {
    "health": "Health",
    "alerts": "Alerts",
    "red": "RED",
    "slo": "SLO",
    "logs": "Logs",
}


# Below 120 columns: one pane at a time, as tabs; below 160: RED gets a full-width row.
LAYOUT_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-medium"), (WIDE_WIDTH, "-wide")]


class MainScreen(Screen[None]):
    """Header, panes, prompt, footer."""

    HORIZONTAL_BREAKPOINTS = LAYOUT_BREAKPOINTS
    # Esc is the app's (close the prompt, else clear the filter, else leave a zoomed pane): Textual's
    # own Esc on a zoomed pane would leave the zoom with the prompt still open and focused.
    ESCAPE_TO_MINIMIZE = False
    BINDINGS: ClassVar[list[BindingType]] = MAIN_SCREEN_BINDINGS

    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    #topbar { height: 1; background: $panel; color: $foreground; }
    #tabs { height: 1; display: none; }
    #panes { layout: grid; grid-size: 2 3; grid-rows: 1fr 1fr 1fr; grid-columns: 1fr 1fr; height: 1fr; }
    #pane-logs { column-span: 2; }
    MainScreen.-medium #pane-red { column-span: 2; }
    MainScreen.-medium #pane-logs { column-span: 1; }
    MainScreen.-narrow #panes { layout: vertical; }
    MainScreen.-narrow #panes > .pane { display: none; height: 1fr; }
    MainScreen.-narrow #panes > .pane.-active { display: block; }
    MainScreen.-narrow #tabs { display: block; }
    #prompt { display: none; height: 1; border: none; padding: 0 1; }
    #prompt.-visible { display: block; }
    """

    def __init__(self, panes: dict[PaneName, Pane]) -> None:
        super().__init__()
        self.panes = panes
        self.active: PaneName = "health"
        self._header_drawn = Text()
        self._header_parts: tuple[tuple[HeaderPart, ...], Text] = ((), Text())
        self._tabs_drawn = Text()
        self._tabs_board: Dashboard | None = None

    def compose(self) -> Any:
        yield Static(id="topbar")
        yield Static(id="tabs")
        with Container(id="panes"):
            for name in PANE_ORDER:
                yield self.panes[name]
        yield Prompt(id="prompt")
        yield KeyFooter()

    @property
    def prompt(self) -> Prompt:
        """The one prompt of ``/`` and ``:``."""
        return self.query_one("#prompt", Prompt)

    @property
    def log_pane(self) -> LogPane:
        """The live tail's pane."""
        pane = self.panes["logs"]
        assert isinstance(pane, LogPane)
        return pane

    @property
    def narrow(self) -> bool:
        """Below 120 columns the panes become tabs: one at a time, full size."""
        return self.app.size.width < NARROW_WIDTH  # the "-narrow" breakpoint

    # -- layout -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        # What the app drew before the screen was mounted (its on_mount runs first).
        self._header_drawn = Text()
        self.show_header(*self._header_parts)
        self.apply_layout()
        self.focus_pane(self.active)

    def on_resize(self, event: Resize) -> None:
        self.show_header(*self._header_parts)  # fitted to the new width
        self.apply_layout()

    def apply_layout(self) -> None:
        """The active pane (the one tab shown when narrow) and the tab line; the grid, the grid
        with a full-width RED row and the tabs are the breakpoints' CSS."""
        for name, pane in self.panes.items():
            pane.set_class(name == self.active, "-active")
        self.show_tabs(self._tabs_board)

    def show_header(self, parts: tuple[HeaderPart, ...], after: Text) -> None:
        """The header line fitted to the width (``after``, the backends' freshness, always whole),
        repainted only when it changed (an identical update still repaints)."""
        self._header_parts = (parts, after)
        text = joined(parts, self.app.size.width, after=after)
        if text != self._header_drawn:
            self._header_drawn = text
            if not self.is_mounted:
                return
            # One row whatever it says: a layout pass would repaint every scrollbar on screen.
            self.query_one("#topbar", Static).update(text, layout=False)

    def show_tabs(self, board: Dashboard | None) -> None:
        """The tab line of the narrow layout: a ⚠ on panes whose refresh failed."""
        self._tabs_board = board
        if not self.is_mounted:
            return
        text = Text()
        for labels in self._tab_labels(board):  # the longest names that fit the width
            text = Text()
            for index, (name, label) in enumerate(zip(PANE_ORDER, labels, strict=True), start=1):
                if board is not None and board.pane_status(name).error:
                    label = f"⚠ {label}"
                style = "bold reverse" if name == self.active else ""
                text.append(f" {index} {label} ", style=style)
            if text.cell_len <= self.app.size.width:
                break
        if text != self._tabs_drawn:
            self._tabs_drawn = text
            self.query_one("#tabs", Static).update(text, layout=False)

    def _tab_labels(self, board: Dashboard | None) -> list[list[str]]:
        """Tab names from the longest to the shortest: the panes' titles as their borders show them
        (the alerts' with what lies outside the pack), their plain titles with the alerts counted
        (``5 firing +6 outside``, then ``5+6 firing``), then one word each.
        Every tab stays on the line: a cut one would hide a key the user needs."""
        firing, shorter, tight = "", "", ""
        if board is not None:
            # As the pane's own title: never "0 firing" alone while alerts outside the pack fire.
            showing_all = getattr(self.panes["alerts"], "show_all", False)
            outside = 0 if showing_all else board.firing_outside
            count = f"{board.firing + (board.firing_outside if showing_all else 0)}"
            if board.alerts_unknown:  # as the pane's title: no count before an answer
                count, outside = "?", 0
            firing = f" ({count} firing" + (f" +{outside} outside)" if outside else ")")
            count += f"+{outside}" if outside else ""
            shorter, tight = f" ({count} firing)", f" {count}"
        return [
            [str(self.panes[name].border_title or name) for name in PANE_ORDER],
            [TITLES[name] + (firing if name == "alerts" else "") for name in PANE_ORDER],
            [TITLES[name] + (shorter if name == "alerts" else "") for name in PANE_ORDER],
            [TIGHT_TITLES[name] + (tight if name == "alerts" else "") for name in PANE_ORDER],
        ]

    # -- navigation ---------------------------------------------------------------------------

    def focus_pane(self, name: PaneName) -> None:
        """Make ``name`` the active pane and focus its table."""
        self.active = name
        self.apply_layout()
        self.panes[name].focus_target.focus()

    def step_pane(self, delta: int) -> None:
        """Tab and Shift+Tab: the next or previous pane (never while typing in the prompt)."""
        if self.prompt.has_focus:
            return
        index = PANE_ORDER.index(self.active)
        self.focus_pane(PANE_ORDER[(index + delta) % len(PANE_ORDER)])

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """A pane focused by mouse (or any other way) becomes the active one.

        Only while it has the focus: Enter in the prompt focuses the pane it was typed over, then
        ``:alerts`` focuses another, and each table says so from its own queue, in either order.
        """
        if event.widget is not self.focused:
            return
        for name, pane in self.panes.items():
            if event.widget is pane.focus_target and name != self.active:
                self.active = name
                self.apply_layout()

    def close_prompt(self) -> None:
        """Hide the prompt, the focus back on the active pane."""
        self.prompt.close()
        self.panes[self.active].focus_target.focus()
