"""Typed keys handled one at a time, in the order they were typed.

Textual hands each key to the widget focused *when the app reads it* and runs the key's binding
only after the key has travelled back up from that widget. Keys that arrive together (a paste
without bracketed paste, a burst over a slow SSH link, a fast typist) are all handed out before the
first one's binding has run: after ``:``, the rest of ``:alerts⏎`` went to the pane under the prompt
(``l`` opened its logs, ``t`` changed the range; on the alerts pane ``a`` and ``s`` start an ack or
a silence). Focusing the prompt sooner does not help: the keys were already handed to the pane.

:class:`KeysInOrder` holds each key (and each bracketed paste) back until the one before it is done:

1. it has gone where Textual sends it (the focused widget, then up to the app, whose bindings run);
2. what its binding sent to that widget has gone the same way (an Input's Enter posts
   ``Submitted`` to the Input; the log pane's ``f`` posts its request to the pane);
3. the app has nothing left to do (a deferred ``focus()`` is a callback in the app's queue).

A screen the key pushed has been composed and mounted, and has set its focus, by the end of a
third step: the step queued on the current screen runs only after its mount (Textual starts a
screen's queue once it is mounted), and the focus its mount asked for is queued on the app before the
step returns there. What follows ``s`` is typed into the silence form's comment field.

Each step is a callback queued behind the key on each widget on the way, so "done" is known from
the widgets' own queues, never guessed from a delay. A widget closed with the step still in its
queue would never run it: while a key is in flight the widget holding its step is looked at every
:data:`CLOSED_CHECK_SECONDS`, and a closed one passes the step to its parent. Nothing is released
on a timer: a key waits for the one before it however slow the machine is.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from textual import events
from textual.app import App, ReturnType, ScreenError
from textual.dom import DOMNode
from textual.screen import Screen

# How often the widget holding a key's step is checked for having closed (the only way a step is
# lost). Not a deadline: it only bounds how long a closed widget goes unnoticed.
CLOSED_CHECK_SECONDS = 0.1

Typed = events.Key | events.Paste


@dataclass(eq=False)
class _InFlight:
    """The key being handled: where Textual sent it, and how far it has gone."""

    target: DOMNode | None
    walks: int = 0
    done: bool = False
    step: int = 0  # which queued step is the live one (a closed widget's may still run late)
    at: DOMNode | None = field(default=None, repr=False)  # the widget holding that step
    check: asyncio.TimerHandle | None = field(default=None, repr=False)


class KeysInOrder(App[ReturnType]):
    """An app whose typed keys are each handled to the end before the next is sent (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed_waiting: deque[Typed] = deque()
        self._typed_in_flight: _InFlight | None = None
        self._typed_settled = asyncio.Event()  # set while no key is pending
        self._typed_settled.set()

    async def on_event(self, event: events.Event) -> None:
        """Typed input from the terminal waits its turn; everything else goes on at once."""
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._typed_settled.clear()
            if self._typed_in_flight is not None:
                self._typed_waiting.append(event)
                return
            await self._send_typed(event)
            return
        await super().on_event(event)

    async def _press_keys(self, keys: Iterable[str]) -> None:
        """``Pilot.press`` (tests, screenshots): back when the keys pressed have been handled.

        Textual's waits after each key end when the process looks idle, which a loaded machine's
        starved process does early: a test read the screen with its last keys still held here.
        """
        await super()._press_keys(keys)
        read = asyncio.Event()  # a key still in the app's queue is read first
        if self.call_later(read.set):
            await self._wait_while_running(read)
        if self.keys_pending:
            await self._wait_while_running(self._typed_settled)

    async def _wait_while_running(self, event: asyncio.Event) -> None:
        while not event.is_set() and self.is_running:  # an app that stops never sets it
            with suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), CLOSED_CHECK_SECONDS)

    @property
    def keys_pending(self) -> bool:
        """Whether a typed key is still being handled (or held back behind one)."""
        return self._typed_in_flight is not None or bool(self._typed_waiting)

    async def _send_typed(self, event: Typed) -> None:
        screen = self._current_screen()
        target: DOMNode | None = (self.focused or screen) if screen is not None else None
        flight = _InFlight(target)
        self._typed_in_flight = flight
        flight.check = asyncio.get_running_loop().call_later(CLOSED_CHECK_SECONDS, self._check_closed, flight)
        await super().on_event(event)  # Textual's dispatch: priority bindings, then the focused widget
        self._follow(flight, target)

    def _follow(self, flight: _InFlight, node: DOMNode | None) -> None:
        """Queue the next step on ``node``, behind what it holds; a closed widget passes to its parent."""
        flight.step += 1
        while node is not None and node is not self:
            if not _closed(node) and node.call_later(self._passed, flight, node, flight.step):
                flight.at = node
                return
            node = node.parent
        flight.at = None
        if not self.call_later(self._reached_app, flight, flight.step):
            self._finish(flight)  # the app is closing

    def _passed(self, flight: _InFlight, node: DOMNode, step: int) -> None:
        if flight is self._typed_in_flight and step == flight.step:
            self._follow(flight, node.parent)

    def _reached_app(self, flight: _InFlight, step: int) -> None:
        if flight is not self._typed_in_flight or step != flight.step:
            return
        flight.walks += 1
        if flight.walks == 1:  # 2: what the binding sent to the widget the key went to
            self._follow(flight, flight.target)
        elif flight.walks == 2:  # 3: a screen the key pushed has mounted and set its focus
            self._follow(flight, self._current_screen())
        else:
            flight.done = True  # the next key goes out when the app is idle (on_idle)

    def _check_closed(self, flight: _InFlight) -> None:
        """A step held by a widget that has closed since is queued again on its parent."""
        if flight is not self._typed_in_flight or flight.done:
            return
        at = flight.at
        if at is not None and _closed(at):
            self._follow(flight, at.parent)
        flight.check = asyncio.get_running_loop().call_later(CLOSED_CHECK_SECONDS, self._check_closed, flight)

    def _current_screen(self) -> Screen[object] | None:
        try:
            return self.screen
        except ScreenError:  # no screen yet (starting) or any more (closing)
            return None

    def _finish(self, flight: _InFlight) -> None:
        if flight.check is not None:
            flight.check.cancel()
        if flight is self._typed_in_flight:
            self._typed_in_flight = None
        if not self.keys_pending:
            self._typed_settled.set()

    async def on_idle(self) -> None:
        """The app has done all the key asked of it: the next key goes out."""
        # Textual says idle when its queue is empty, even with the next message already taken out
        # of it (to see whether it replaces the one before): then that message is still to come.
        if getattr(self, "_pending_message", None) is None:
            await self._next_typed()

    async def _next_typed(self) -> None:
        flight = self._typed_in_flight
        if flight is None or not flight.done:
            return
        self._finish(flight)
        if self._typed_waiting:
            await self._send_typed(self._typed_waiting.popleft())


def _closed(node: DOMNode) -> bool:
    """Whether ``node`` will never run what is queued on it (closed, or its queue has stopped)."""
    return bool(node._closed or (node._is_mounted and not node.is_running))
