"""A pane skips a refresh that changes nothing, and never one that changes something.

Over SSH an identical refresh must write nothing, so panes compare rows with what they drew. The
comparison must see every change: a new value under the same row key, the same words in another
colour, a row gone, a row added, the order changed, and the border texts. A few changed values
repaint their rows, not the table; what the terminal then shows is what a table built afresh
from the same rows shows.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from rich.text import Text
from textual.app import App
from textual.containers import Horizontal, Vertical
from textual.pilot import Pilot
from textual.widget import Widget

from opsconsole.ui.pane import Pane
from opsconsole.ui.pane_table import NoticeRowKey, RowTarget
from tests.support.terminal_mirror import TerminalMirror


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
        assert cleared == [], "a new value in a row that stays: the cell is updated, not the table rebuilt"
        assert drawn(pane) == [("a", "2", "green")]
        pane.fill(rows(("a", "2", "green"), ("b", "3", "green")))
        assert cleared == [True], "a row added: the table is rebuilt"


class FourColumns(Pane):
    name_ = "red"
    columns = ("row", "rate", "errors", "p99")


class FourColumnsApp(App[None]):
    def compose(self) -> Any:
        yield FourColumns()


def wide_rows(*values: tuple[str, str, str, str]) -> list[tuple[str, RowTarget, list[Text]]]:
    """``(key, rate, errors, p99)`` rows."""
    return [(v[0], NoticeRowKey(v[0]), [Text(c) for c in v]) for v in values]


STEADY = [(f"svc-{i}", f"{10 + i}.0/s", "0.1%", "120ms") for i in range(8)]
SIZE = (70, 16)


async def test_one_changed_value_is_drawn_and_only_its_row_is_repainted() -> None:
    app = FourColumnsApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(FourColumns)
        pane.fill(wide_rows(*STEADY))
        await pilot.pause()
        mirror = TerminalMirror(app)
        assert "svc-3  13.0/s  0.1%    120ms" in mirror.text()

        mark = len(mirror.written)
        pane.fill(wide_rows(*STEADY))
        await pilot.pause()
        assert mirror.since(mark) == 0, "the same rows again: nothing is sent to the terminal"

        changed = list(STEADY)
        changed[3] = ("svc-3", "13.0/s", "2.5%", "120ms")  # one cell, as wide as before
        mark = len(mirror.written)
        pane.fill(wide_rows(*changed))
        await pilot.pause()
        assert "svc-3  13.0/s  2.5%    120ms" in mirror.text(), "the new value is on the terminal"
        assert "0.1%" in mirror.text(), "the other rows stay"
        # One row of the pane (its width, less the border), not the table's nine lines.
        assert 0 < mirror.since(mark) <= SIZE[0], mirror.written[mark:]


class FreshColumns(FourColumns):
    """The same pane under another name (ids are unique), built anew for each comparison."""

    name_ = "slo"


class SideBySideApp(App[None]):
    CSS = "Horizontal > * { width: 1fr; }"

    def compose(self) -> Any:
        with Horizontal():
            yield FourColumns()
            yield Vertical(id="fresh")


@asynccontextmanager
async def _side_by_side(
    rows: list[tuple[str, str, str, str]],
) -> AsyncIterator[tuple[SideBySideApp, Pilot[None], FourColumns, TerminalMirror]]:
    """The pane filled with ``rows`` beside an empty place for a fresh one, drawn once, with a
    mirror of what its terminal gets from then on."""
    app = SideBySideApp()
    async with app.run_test(size=(2 * SIZE[0], SIZE[1])) as pilot:
        pane = app.query_one(FourColumns)
        pane.fill(wide_rows(*rows))
        await pilot.pause()
        yield app, pilot, pane, TerminalMirror(app)


def _cells(pane: Pane) -> list[list[str]]:
    table = pane.table
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _region_text(mirror: TerminalMirror, widget: Widget) -> list[str]:
    region = widget.region
    return ["".join(line[region.x : region.right]) for line in mirror.lines[region.y : region.bottom]]


async def test_after_any_changes_the_terminal_shows_what_a_fresh_table_shows() -> None:
    """Values changed in place, rows added, removed and reordered, columns widened and narrowed:
    after each refresh the terminal (only what was sent to it) matches a pane built afresh and
    given the same rows since they came (a column keeps its widest figure while the rows stay)."""
    pick = random.Random(25)
    keys = [f"svc-{i}" for i in range(9)]
    rates = ["1.0/s", "12.5/s", "7.7/s", "130.2/s"]
    errors = ["0.1%", "2.5%", "0%", "—"]
    latencies = ["120ms", "95ms", "1.2s", "7ms"]
    current = list(STEADY[:6])
    async with _side_by_side(current) as (app, pilot, pane, mirror):
        drawn_since: list[list[tuple[str, str, str, str]]] = [list(current)]  # the same row keys
        for step in range(24):
            change = pick.choice(["value", "value", "value", "add", "remove", "order"])
            if change == "value":  # most refreshes of live data: a few figures move
                for _ in range(pick.randint(1, 3)):
                    at = pick.randrange(len(current))
                    key, *cells = current[at]
                    column = pick.randrange(3)
                    cells[column] = pick.choice((rates, errors, latencies)[column])
                    current[at] = (key, cells[0], cells[1], cells[2])
            elif change == "add" and len(current) < len(keys):
                key = pick.choice([k for k in keys if k not in {c[0] for c in current}])
                current.insert(pick.randrange(len(current) + 1), (key, "1.0/s", "0%", "7ms"))
            elif change == "remove" and len(current) > 1:
                current.pop(pick.randrange(len(current)))
            else:
                pick.shuffle(current)
            pane.fill(wide_rows(*current))
            if [row[0] for row in current] != [row[0] for row in drawn_since[-1]]:
                drawn_since = []  # other rows: the columns start afresh
            drawn_since.append(list(current))
            holder = app.query_one("#fresh")
            await holder.remove_children()
            fresh = FreshColumns()
            await holder.mount(fresh)
            for rows_then in drawn_since:  # columns keep their widest figure while the rows stay
                fresh.fill(wide_rows(*rows_then))
            await pilot.pause()
            assert pane.table.region.size == fresh.table.region.size
            assert _cells(pane) == _cells(fresh), f"step {step} ({change})"
            shown = _region_text(mirror, pane.table)
            assert shown == _region_text(mirror, fresh.table), f"step {step} ({change}): the terminal differs"
            assert any(current[0][0] in line for line in shown), "the rows are on the terminal"


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


async def test_a_new_subtitle_repaints_the_bottom_border_line_only() -> None:
    """The log pane's subtitle counts lines and changes with each line arriving: it used to
    repaint the whole pane (every border line and the table's background) each time."""
    app = FourColumnsApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(FourColumns)
        pane.fill(wide_rows(*STEADY))
        pane.set_border(subtitle="live · 1,204 lines")
        await pilot.pause()
        mirror = TerminalMirror(app)
        for count in ("1,205", "1,213", "12,345"):
            mark = len(mirror.written)
            pane.set_border(subtitle=f"live · {count} lines")
            await pilot.pause()
            assert f"live · {count} lines" in mirror.text().splitlines()[-1]
            assert 0 < mirror.since(mark) <= SIZE[0], "one line, the pane's width: not the whole pane"
        assert mirror.text() == TerminalMirror(app).text(), "what was sent is what a whole frame shows"
        mark = len(mirror.written)
        pane.set_border(subtitle="live · 12,345 lines")  # the same text: nothing is sent
        await pilot.pause()
        assert mirror.since(mark) == 0


async def test_cells_updated_again_and_again_keep_no_dead_renderings() -> None:
    """Textual keys a table's render caches by a count of updates: each update strands what was
    cached before it. A console updating cells every few seconds for days must not hoard those."""
    app = FourColumnsApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(FourColumns)
        values = list(STEADY)
        pane.fill(wide_rows(*values))
        await pilot.pause()
        table = pane.table
        for step in range(60):
            values[step % len(values)] = (values[step % len(values)][0], "13.0/s", f"{step % 10}.5%", "120ms")
            pane.fill(wide_rows(*values))
            await pilot.pause()
        assert table.row_count == len(STEADY)
        on_screen = (len(STEADY) + 1) * len(FourColumns.columns)
        cached = len(table._cell_render_cache) + len(table._row_render_cache) + len(table._line_cache)
        assert cached <= 3 * on_screen, cached


async def test_figures_changing_width_do_not_move_the_columns_while_the_rows_stay() -> None:
    """Live figures cross a digit and back ("9.8/s", "10.2/s"): the columns keep the widest, so
    the table is built once, not at every crossing, and each figure is still drawn."""
    app = FourColumnsApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(FourColumns)
        pane.fill(wide_rows(*STEADY))
        await pilot.pause()
        table = pane.table
        rebuilt: list[bool] = []
        original_clear = table.clear
        table.clear = lambda *a, **k: rebuilt.append(True) or original_clear(*a, **k)  # type: ignore[method-assign]
        mirror = TerminalMirror(app)
        for rate in ("9.8/s", "110.2/s", "9.8/s", "110.2/s", "7.0/s"):
            values = list(STEADY)
            values[2] = ("svc-2", rate, "0.1%", "120ms")
            pane.fill(wide_rows(*values))
            await pilot.pause()
            assert f"svc-2  {rate}" in mirror.text(), rate
        # Before: rebuilt at each crossing (5); then once, when the column first widened; now
        # that widening puts the cells in again in place (see the next test).
        assert len(rebuilt) == 0, "the columns widened once, in place"
        values = list(STEADY[:-1])  # a row gone: the columns fit the rows drawn now
        pane.fill(wide_rows(*values))
        await pilot.pause()
        assert len(rebuilt) == 1
        assert pane.fit.widths[1] == len("10.0/s"), "the rate column as wide as its figures now"


async def test_a_column_widening_over_the_same_rows_lays_nothing_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """RED's figures and sparklines grow now and then, widening a column over the same rows. A
    rebuild set the table's size afresh, and that laid the whole screen out and repainted every
    widget on it; the cells now go in again at the new widths, and the terminal shows what a
    table built afresh shows."""
    async with _side_by_side(STEADY) as (app, pilot, pane, mirror):
        laid_out: list[str] = []
        original = Widget.refresh

        def recorded(widget: Widget, *regions: Any, layout: bool = False, **kwargs: Any) -> Any:
            if layout:
                laid_out.append(widget.id or type(widget).__name__)
            return original(widget, *regions, layout=layout, **kwargs)

        monkeypatch.setattr(Widget, "refresh", recorded)
        values = list(STEADY)
        values[2] = ("svc-2", "1,234.5/s", "0.1%", "120ms")  # wider than any rate before
        values[5] = ("svc-5", "15.0/s", "0.1%", "1,500ms")
        widths = pane.fit.widths
        pane.fill(wide_rows(*values))
        await pilot.pause()
        monkeypatch.undo()
        assert pane.fit.widths != widths, "the columns widened"
        assert laid_out == [], laid_out
        fresh = FreshColumns()
        await app.query_one("#fresh").mount(fresh)
        fresh.fill(wide_rows(*STEADY))
        fresh.fill(wide_rows(*values))
        await pilot.pause()
        assert pane.fit == fresh.fit
        assert _region_text(mirror, pane.table) == _region_text(mirror, fresh.table)
        assert any("1,234.5/s" in line for line in _region_text(mirror, pane.table))
