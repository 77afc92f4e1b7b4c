"""Skipping identical repaints must never skip a real change (tests for ui/drawn.py)."""

from rich.table import Table
from rich.text import Text

from opsconsole.ui.drawn import drawn_signature


def test_same_words_in_another_colour_differ() -> None:
    assert drawn_signature(Text("DOWN", style="red")) != drawn_signature(Text("DOWN", style="green"))
    assert drawn_signature(Text("DOWN", style="red")) == drawn_signature(Text("DOWN", style="red"))


def test_spans_and_words_count() -> None:
    plain = Text("a b")
    spanned = Text("a b")
    spanned.stylize("bold", 0, 1)
    assert drawn_signature(plain) != drawn_signature(spanned)
    assert drawn_signature(Text("a b")) != drawn_signature(Text("a c"))


def _table(*rows: tuple[str, str]) -> Table:
    table = Table()
    table.add_column("state")
    for state, style in rows:
        table.add_row(Text(state, style=style))
    return table


def test_tables_compare_by_cells() -> None:
    assert drawn_signature(_table(("OK", "green"))) == drawn_signature(_table(("OK", "green")))
    assert drawn_signature(_table(("OK", "green"))) != drawn_signature(_table(("OK", "red")))
    two_rows = _table(("OK", "green"), ("OK", "green"))
    assert drawn_signature(_table(("OK", "green"))) != drawn_signature(two_rows)


def test_unknown_renderables_always_redraw() -> None:
    thing = object()
    assert drawn_signature(thing) != drawn_signature(thing)
