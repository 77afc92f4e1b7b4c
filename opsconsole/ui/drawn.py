"""What a renderable looks like on screen, as a comparable value.

Over SSH every repaint is bytes on the wire, so widgets skip updates whose content looks exactly
as already drawn. Rich's own equality is not enough for that: tables have none, and Text equality
ignores the base style, so a cell that keeps its words but changes colour (a theme switch, a
status turning red) would compare equal and stay stale.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def drawn_signature(content: object) -> object:
    """A hashable value equal for two renderables exactly when they draw the same."""
    if isinstance(content, Text):
        return (content.plain, str(content.style), tuple(content.spans), content.justify, content.no_wrap)
    if isinstance(content, Table):
        header = tuple(drawn_signature(column.header) for column in content.columns)
        cells = tuple(tuple(drawn_signature(cell) for cell in column.cells) for column in content.columns)
        return (header, cells, drawn_signature(content.caption) if content.caption is not None else None)
    if isinstance(content, str):
        return content
    # Anything else is never assumed unchanged.
    return object()
