"""Fitting the header and the tab line into the terminal's width without losing what matters.

A line that is too long is cut by the terminal at its right edge, and what is cut there is what the
header says last: the backends' freshness, the one part that tells "Loki is down". So the line is
fitted before it is drawn: the least important parts give way first (shortened with ``…`` or left
out), and the parts that say what is wrong never do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.style import Style
from rich.text import Text

ELLIPSIS = "…"
# Below this many columns the console shows its panes as tabs and the header shortens its names;
# the wallboard's header shortens them too (here, so the wallboard needs no main screen).
NARROW_WIDTH = 120


@dataclass(frozen=True)
class HeaderPart:
    """One part of a line. ``give_way`` 0 never gives way; 1 gives way first, then 2, and so on.

    A part with ``shortest`` > 0 is shortened (its ``body`` cut with ``…``, no shorter than that
    many cells) before it is left out; ``prefix`` and ``suffix`` (the separators) stay whole.
    """

    body: str
    prefix: str = ""
    suffix: str = " "
    style: str | Style = ""
    give_way: int = 0
    shortest: int = 0

    def text(self) -> Text:
        """The part as drawn (never read as markup: a context or pack name is the user's text)."""
        return Text(f"{self.prefix}{self.body}{self.suffix}", style=self.style)

    @property
    def cells(self) -> int:
        return self.text().cell_len


def fit_line(parts: Sequence[HeaderPart], width: int) -> list[HeaderPart]:
    """The parts that fit ``width`` cells: those that give way first are shortened, then left out."""
    kept: list[HeaderPart | None] = list(parts)

    def over() -> int:
        return sum(p.cells for p in kept if p is not None) - width

    for rank in sorted({p.give_way for p in parts if p.give_way}):
        for index, part in enumerate(kept):
            if over() <= 0:
                break
            if part is None or part.give_way != rank:
                continue
            body_cells = Text(part.body).cell_len
            if part.shortest and body_cells - over() >= part.shortest:
                cut = Text(part.body)
                cut.truncate(body_cells - over() - 1)
                kept[index] = replace(part, body=f"{cut.plain}{ELLIPSIS}")
            else:
                kept[index] = None
    return [p for p in kept if p is not None]


def joined(parts: Sequence[HeaderPart], width: int, *, after: Text | None = None) -> Text:
    """The fitted parts as one line, with ``after`` (never given up) at its end."""
    text = Text()
    reserved = after.cell_len if after is not None else 0
    for part in fit_line(parts, max(0, width - reserved)):
        text.append_text(part.text())
    if after is not None:
        text.append_text(after)
    return text
