"""KeysInOrder on a small app of its own: each typed key is handled to the end before the next goes
out, whatever the key's binding does (focus later, post a message, push a screen)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
import textual.app
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from opsconsole.ui import key_order
from opsconsole.ui.key_order import KeysInOrder


class Board(Static, can_focus=True):
    """A pane: ``:`` opens the box (the focus moves later, as Textual's ``focus()`` does), ``f``
    asks for it with a message, ``n`` pushes a screen with a box of its own; letters are counted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("colon", "open_box", ""),
        Binding("f", "ask", ""),
        Binding("n", "app.push_form", ""),
    ]

    class Asked(Message):
        """``f``: the app opens the box (when the message gets there)."""

    def __init__(self) -> None:
        super().__init__(id="board")
        self.keys: list[str] = []

    def action_open_box(self) -> None:
        self.app.query_one("#box", Input).focus()

    def action_ask(self) -> None:
        self.post_message(self.Asked())

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isalpha() and event.key not in ("f", "n"):
            self.keys.append(event.character)


class Form(Screen[None]):
    """A screen slow to mount (the app is idle meanwhile), which then focuses its field."""

    def compose(self) -> ComposeResult:
        yield Input(id="field")

    async def on_mount(self) -> None:
        await asyncio.sleep(0.05)
        self.query_one(Input).focus()


class Box(Input):
    """The box: Enter puts the focus back on the board (the app's ``Submitted`` handler)."""


class Bursts(KeysInOrder[None]):
    def __init__(self) -> None:
        super().__init__()
        self.entered: list[str] = []

    def compose(self) -> ComposeResult:
        yield Board()
        yield Box(id="box")

    def on_mount(self) -> None:
        self.query_one(Board).focus()

    def on_board_asked(self) -> None:
        self.query_one("#box", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.entered.append(event.value)
        event.input.value = ""
        self.query_one(Board).focus()

    def action_push_form(self) -> None:
        self.push_screen(Form())


def burst(app: Bursts, text: str) -> None:
    """Every key in the app's queue at once (``⏎`` is Enter)."""
    for char in text:
        if char == "⏎":
            app.post_message(events.Key("enter", None))
        else:
            app.post_message(events.Key({":": "colon", " ": "space"}.get(char, char), char))


async def handled(app: Bursts, pilot: Any) -> None:
    for _ in range(200):
        await pilot.pause()
        if not app.keys_pending:
            return
    raise AssertionError("the burst was never handled")


@pytest.mark.parametrize("opener", [":", "f"], ids=["binding-focuses", "binding-posts-a-message"])
async def test_what_follows_the_key_that_opens_the_box_goes_into_the_box(opener: str) -> None:
    app = Bursts()
    async with app.run_test() as pilot:
        board = app.query_one(Board)
        burst(app, f"ab{opener}cd:e⏎gh")
        await handled(app, pilot)
        assert app.entered == ["cd:e"]
        assert board.keys == ["a", "b", "g", "h"]  # before the box, and after Enter
        assert app.focused is board


async def test_what_follows_the_key_that_pushes_a_screen_goes_to_that_screen() -> None:
    app = Bursts()
    async with app.run_test() as pilot:
        burst(app, "anbc")
        await handled(app, pilot)
        assert isinstance(app.screen, Form)
        assert app.screen.query_one("#field", Input).value == "bc"
        assert app.query_one(Board).keys == ["a"]


async def test_a_step_lost_with_a_closing_widget_delays_the_next_key_but_never_drops_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A widget closed with the step still in its queue never runs it: the next key goes out
    GIVE_UP_SECONDS later, as Textual would have sent it, and none is lost."""
    monkeypatch.setattr(key_order, "GIVE_UP_SECONDS", 0.2)
    app = Bursts()
    async with app.run_test() as pilot:
        board = app.query_one(Board)
        original = board.call_later

        def lose_the_steps(callback: Any, *args: Any, **kwargs: Any) -> bool:
            if getattr(callback, "__name__", "") == "_passed":
                return True  # taken, never run: as a closing widget would
            return original(callback, *args, **kwargs)

        board.call_later = lose_the_steps  # type: ignore[method-assign]
        burst(app, "abc")
        await handled(app, pilot)
        assert board.keys == ["a", "b", "c"]


async def test_pilot_press_returns_when_the_keys_pressed_have_been_handled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine Textual's wait after each pressed key ends at once (a starved process
    looks idle): ``press`` still returns only when every key it pressed has been handled."""

    async def starved(*_: Any, **__: Any) -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(textual.app, "wait_for_idle", starved)
    app = Bursts()
    async with app.run_test() as pilot:
        await pilot.press("a", "n", *"bcdefgh")
        assert not app.keys_pending
        assert isinstance(app.screen, Form)
        assert app.screen.query_one("#field", Input).value == "bcdefgh"
