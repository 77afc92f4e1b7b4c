"""A pane skips a refresh that changes nothing, and never one that changes something.

Over SSH an identical refresh must write nothing, so panes compare rows with what they drew. The
comparison must see every change: a new value under the same row key, the same words in another
colour, a row gone, a row added, the order changed, and the border texts.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App

from opsconsole.ui.pane import Pane
from opsconsole.ui.pane_table import NoticeRowKey, RowTarget


class TwoColumns(Pane):
    name_ = "red"
    columns = ("row", "value")


class PaneApp(App[None]):
    def compose(self) -> Any:
        yield TwoColumns()


def rows(*cells: tuple[str, str, str]) -> list[tuple[str, RowTarget, list[Text]]]:
    """``(key, value, style)`` rows."""
    return [(key, NoticeRowKey(key), [Text(key), Text(value, style=style)]) for key, value, style in cells]


def drawn(pane: Pane) -> list[tuple[str, str, str]]:
    table = pane.table
    out = []
    for index in range(table.row_count):
        key = table.coordinate_to_cell_key((index, 0)).row_key.value or ""
        value = table.get_row_at(index)[1]
        out.append((key, value.plain, str(value.style)))
    return out


async def test_changes_under_the_same_row_keys_are_drawn() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(TwoColumns)
        pane.fill(rows(("a", "1", "green"), ("b", "2", "green")))
        await pilot.pause()
        assert drawn(pane) == [("a", "1", "green"), ("b", "2", "green")]

        pane.fill(rows(("a", "1", "green"), ("b", "3", "green")))  # a new value, same keys
        assert drawn(pane) == [("a", "1", "green"), ("b", "3", "green")]
        pane.fill(rows(("a", "1", "green"), ("b", "3", "red")))  # same words, another colour
        assert drawn(pane) == [("a", "1", "green"), ("b", "3", "red")]
        pane.fill(rows(("b", "3", "red"), ("a", "1", "green")))  # the order changed
        assert drawn(pane) == [("b", "3", "red"), ("a", "1", "green")]
        pane.fill(rows(("b", "3", "red")))  # a row gone
        assert drawn(pane) == [("b", "3", "red")]
        pane.fill(rows(("b", "3", "red"), ("c", "4", "")))  # a row added
        assert drawn(pane) == [("b", "3", "red"), ("c", "4", "")]


async def test_an_identical_fill_leaves_the_table_alone_but_keeps_the_new_refs() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(TwoColumns)
        pane.fill(rows(("a", "1", "green")))
        await pilot.pause()
        table = pane.table
        cleared: list[bool] = []
        original_clear = table.clear
        table.clear = lambda *a, **k: cleared.append(True) or original_clear(*a, **k)  # type: ignore[method-assign]
        fresh = rows(("a", "1", "green"))
        pane.fill(fresh)
        assert cleared == [], "nothing changed: nothing is redrawn"
        assert pane.refs["a"] is fresh[0][1], "Enter must act on the newest data"
        pane.fill(rows(("a", "2", "green")))
        assert cleared == [True]


async def test_border_texts_change_only_when_they_differ_and_stay_literal() -> None:
    """A subtitle quotes server errors: markup in it is shown, not obeyed."""
    app = PaneApp()
    async with app.run_test(size=(100, 10)) as pilot:
        pane = app.query_one(TwoColumns)
        pane.set_border(title="RED [b]x[/b]", subtitle="503: [reverse]y[/reverse]")
        await pilot.pause()
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "RED [b]x[/b]" in screen
        assert "503: [reverse]y[/reverse]" in screen
        pane.set_border(subtitle="2 rows · 1s")
        await pilot.pause()
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "2 rows · 1s" in screen and "[reverse]" not in screen
        assert "RED [b]x[/b]" in screen, "the title was not touched"
