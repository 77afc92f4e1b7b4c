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


class SlowForm(Screen[None]):
    """A screen whose mount waits for the test to let it finish, then focuses its second field (as
    the silence form focuses its comment; Textual first focuses the first field it composed)."""

    def __init__(self, mounted: asyncio.Event) -> None:
        super().__init__()
        self.mounted = mounted

    def compose(self) -> ComposeResult:
        yield Input(id="other")
        yield Input(id="field")

    async def on_mount(self) -> None:
        await self.mounted.wait()
        self.query_one("#field", Input).focus()


async def test_a_screen_however_slow_to_mount_gets_the_keys_typed_after_the_one_that_pushed_it() -> None:
    """A loaded machine once took longer to mount the silence form than the two seconds after which
    the next key used to go out anyway: its first letter went to the screen under the form."""
    mounted = asyncio.Event()
    app = Bursts()
    async with app.run_test() as pilot:
        board = app.query_one(Board)

        def push_slow_form() -> None:
            app.push_screen(SlowForm(mounted))

        app.action_push_form = push_slow_form  # type: ignore[method-assign]
        burst(app, "anbc")
        await asyncio.sleep(2.5)  # longer than any give-up this class ever had
        assert board.keys == ["a"]
        assert app.keys_pending  # "b" and "c" wait for the form
        mounted.set()
        await handled(app, pilot)
        assert isinstance(app.screen, SlowForm)
        assert app.screen.query_one("#field", Input).value == "bc"
        assert app.screen.query_one("#other", Input).value == ""
        assert board.keys == ["a"]


class Closer(Board):
    """A pane whose ``x`` removes it: the key's own step is queued on a widget that is closing."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "close_me", "")]

    async def action_close_me(self) -> None:
        await self.remove()


class Closing(Bursts):
    def compose(self) -> ComposeResult:
        yield Closer()
        yield Box(id="box")


async def test_a_step_lost_with_a_closed_widget_passes_to_its_parent_and_no_key_is_lost() -> None:
    """A widget closed with the key's step still in its queue never runs it: the step goes on from
    its parent once the widget is seen closed, and the keys after it are handled in order."""
    app = Closing()
    async with app.run_test() as pilot:
        board = app.query_one(Closer)
        original = board.call_later

        def lose_the_steps(callback: Any, *args: Any, **kwargs: Any) -> bool:
            if getattr(callback, "__name__", "") != "_passed":
                return original(callback, *args, **kwargs)

            def unless_closing() -> None:
                if board.keys[-1:] != ["x"]:  # behind the key that closes it: dropped with the queue
                    callback(*args, **kwargs)

            return original(unless_closing)

        board.call_later = lose_the_steps  # type: ignore[method-assign]
        burst(app, "axbc")
        # Bounded only so that a hang reports instead of stalling the suite: the closed board is
        # seen within one CLOSED_CHECK_SECONDS once the app has run.
        await asyncio.wait_for(handled(app, pilot), timeout=60)
        assert board.keys == ["a", "x"]
        assert not board.is_attached
        # Textual moves the focus to the next widget, the box: the keys after the closing one are in it.
        assert app.query_one("#box", Input).value == "bc"


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
