"""The confirmations before anything is sent to Alertmanager: exactly the request, what it would
mute, and a typed confirmation when it mutes more than the blast-radius limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from opsconsole.core.silence_blast_radius import (
    BlastRadius,
)
from opsconsole.ui.key_footer import KeyFooter


class ConfirmScreen(ModalScreen[bool]):
    """Shows what will be sent (and what it mutes); ``y``/Enter sends, ``n``/Esc cancels.

    With a ``summary`` (an ack, a new silence) it reads in five lines (who, which alert, until when,
    the matchers, what it mutes) and ``r`` shows the exact request instead; without one, the request.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Send"),
        Binding("n,escape", "answer(False)", "Cancel"),
        # One key, two words in the footer: what r shows next (check_action hides the other).
        Binding("r", "toggle_request", "Exact request"),
        Binding("r", "toggle_summary", "Summary"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ConfirmScreen #confirm-request { height: auto; max-height: 30; }
    ConfirmScreen.-summary #confirm-request, ConfirmScreen.-summary #confirm-request-label { display: none; }
    ConfirmScreen.-summary.-request #confirm-request { display: block; }
    ConfirmScreen.-summary.-request #confirm-request-label { display: block; }
    ConfirmScreen.-summary.-request #confirm-summary { display: none; }
    """

    def __init__(
        self, title: str, request: str, note: str = "", summary: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__()
        self.title_text = title
        self.request = request
        self.note = note
        self.summary = list(summary)
        self.set_class(bool(self.summary), "-summary")

    def compose(self) -> Any:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            if self.summary:
                grid = Table.grid(padding=(0, 2))
                widest = max(len(label) for label, _ in self.summary)
                grid.add_column(style="bold", no_wrap=True, min_width=widest)
                grid.add_column(no_wrap=True, overflow="ellipsis")  # one line each; r shows it all
                for label, text in self.summary:
                    grid.add_row(label, Text(text))  # labels and comments are untrusted: never markup
                yield Static(grid, id="confirm-summary")
            elif self.note:
                yield Static(Text(self.note))
            yield Static(Text("This request will be sent:"), id="confirm-request-label")
            with VerticalScroll(id="confirm-request"):
                yield Static(Text(self.request))
        yield KeyFooter()  # the keys (y send, n cancel, r the other view), once: not in the box as well

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``r`` only where there is a summary to switch from; the footer names what it shows next."""
        showing_request = self.has_class("-request")
        if action == "toggle_request":
            return bool(self.summary) and not showing_request
        if action == "toggle_summary":
            return bool(self.summary) and showing_request
        return True

    def action_toggle_request(self) -> None:
        """r: the exact request (method, path, JSON body) in place of the summary."""
        self.add_class("-request")
        self.refresh_bindings()

    def action_toggle_summary(self) -> None:
        """r again: back to the summary."""
        self.remove_class("-request")
        self.refresh_bindings()

    def action_answer(self, value: bool) -> None:
        """Close with the answer."""
        self.dismiss(value)


class TypedConfirmScreen(ModalScreen[bool]):
    """For a silence that mutes too much: says why and what, and sends only once the count is typed.

    ``y`` is not enough here: a reflex keypress must not mute a cluster's pager or its heartbeat.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    TypedConfirmScreen { align: center middle; }
    TypedConfirmScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 95%;
        border: thick $error; background: $surface; padding: 0 1; }
    TypedConfirmScreen #typed-reasons { color: $error; height: auto; }
    TypedConfirmScreen #typed-request { height: auto; max-height: 12; }
    TypedConfirmScreen #typed-problem { color: $error; height: auto; }
    """

    def __init__(self, title: str, request: str, radius: BlastRadius) -> None:
        super().__init__()
        self.title_text = title
        self.request = request
        self.radius = radius
        self.expected = str(radius.count)

    def compose(self) -> Any:
        radius = self.radius
        with Vertical():
            yield Label(Text(f"Careful: {self.title_text}", style="bold"))
            yield Static(Text("\n".join(f"⚠ {reason}" for reason in radius.reasons())), id="typed-reasons")
            yield Static(Text(f"{radius.summary()}: {radius.names()}"), id="typed-names")
            yield Static(Text("This request will be sent:"))
            with VerticalScroll(id="typed-request"):
                yield Static(Text(self.request))
            yield Label(
                f"Type {self.expected} (the number of alerts it mutes) and Enter to send; Esc cancels"
            )
            yield Input(id="typed-answer", placeholder=self.expected)
            yield Static(id="typed-problem")
        yield KeyFooter()  # the modal's keys, over the dimmed main screen's

    def on_mount(self) -> None:
        self.query_one("#typed-answer", Input).focus()

    @on(Input.Submitted, "#typed-answer")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.expected:
            self.dismiss(True)
            return
        self.query_one("#typed-problem", Static).update(
            Text(f"✖ type {self.expected} exactly to send, or Esc to cancel")
        )

    def action_cancel(self) -> None:
        """Esc: nothing is sent."""
        self.dismiss(False)
