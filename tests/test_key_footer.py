"""The footer rebuilds its keys when the keys to show change, and only then; its keys mount in the
footer's own style, without restyling themselves on the way."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from opsconsole.ui.key_footer import KeyFooter


class Pane(Widget, can_focus=True):
    """A focusable box whose one binding the footer shows while it has focus."""

    DEFAULT_CSS = "Pane { height: 3; }"

    def __init__(self, key: str, description: str, *, id: str) -> None:
        super().__init__(id=id)
        self._bindings.bind(key, "app.bell", description)


class Panes(App[None]):
    def __init__(self, *, compact: bool = False) -> None:
        super().__init__()
        self.compact = compact

    def compose(self) -> ComposeResult:
        yield Pane("a", "Alpha", id="alpha")
        yield Pane("b", "Beta", id="beta")
        yield Pane("b", "Beta", id="beta-again")  # the same key as beta's
        yield Pane("b", "Bravo", id="bravo")  # the same key, another description
        yield KeyFooter(compact=self.compact)


def shown(app: App[Any]) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


async def keys_settled(pilot: Pilot[Any], expected: str) -> None:
    """Until the footer shows ``expected`` (it rebuilds after a refresh), with a deadline."""
    deadline = time.monotonic() + 30.0
    while expected not in shown(pilot.app) and time.monotonic() < deadline:
        await pilot.pause(0.02)
    await pilot.pause()
    assert expected in shown(pilot.app)


async def test_a_focus_move_that_changes_the_keys_rebuilds_them() -> None:
    app = Panes()
    async with app.run_test() as pilot:
        app.query_one("#alpha").focus()
        await keys_settled(pilot, "Alpha")
        assert "Beta" not in shown(app)
        app.query_one("#beta").focus()
        await keys_settled(pilot, "Beta")
        assert "Alpha" not in shown(app)
        app.query_one("#bravo").focus()
        await keys_settled(pilot, "Bravo")
        assert "Beta" not in shown(app)


async def test_a_focus_move_that_keeps_the_keys_keeps_the_widgets() -> None:
    app = Panes()
    async with app.run_test() as pilot:
        app.query_one("#beta").focus()
        await keys_settled(pilot, "Beta")
        before = list(app.screen.query(FooterKey))
        app.query_one("#beta-again").focus()
        await pilot.pause()
        await pilot.pause()
        assert list(app.screen.query(FooterKey)) == before
        assert all(key.is_attached for key in before)
        app.query_one("#alpha").focus()  # and a real change still rebuilds after the skipped one
        await keys_settled(pilot, "Alpha")


@pytest.mark.parametrize("compact", [False, True])
async def test_keys_mount_in_the_footers_style_without_restyling(
    compact: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    restyled: list[str] = []
    original = App.update_styles

    def update_styles(self: App[Any], node: Any, animate: bool = True) -> None:
        if isinstance(node, FooterKey):
            restyled.append(node.description)
        original(self, node, animate)

    monkeypatch.setattr(App, "update_styles", update_styles)
    app = Panes(compact=compact)
    async with app.run_test() as pilot:
        app.query_one("#alpha").focus()
        await keys_settled(pilot, "Alpha")
        key = next(k for k in app.screen.query(FooterKey) if k.description == "Alpha")
        assert key.compact is compact
        assert key.has_class("-compact") is compact
        assert restyled == []


class PanesWithTextualsFooter(Panes):
    def compose(self) -> ComposeResult:
        from textual.widgets import Footer

        yield Pane("a", "Alpha", id="alpha")
        yield Footer(compact=self.compact)


@pytest.mark.parametrize("compact", [False, True])
async def test_the_keys_are_textuals_keys_in_the_same_state(compact: bool) -> None:
    drawn = []
    for app in (PanesWithTextualsFooter(compact=compact), Panes(compact=compact)):
        async with app.run_test() as pilot:
            app.query_one("#alpha").focus()
            await keys_settled(pilot, "Alpha")
            keys = app.screen.query(FooterKey)
            drawn.append([(k.key, k.description, k.compact, sorted(k.classes)) for k in keys])
    textuals, ours = drawn
    assert any("-command-palette" in classes for *_, classes in ours)
    assert ours == textuals
