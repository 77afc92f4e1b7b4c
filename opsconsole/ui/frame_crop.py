"""Frames that render only the widgets whose cells they change.

Textual builds a partial frame from every widget whose *clip* meets the changed area; a top-level
widget's clip is the whole screen. So a log line arriving in the log pane, or the wallboard's clock
ticking, rendered the lines of every pane, table, header and footer on the screen again (from their
caches, but through the style cache, the colour filter and the cutting into cells), only for the
frame to send the terminal the changed cells. :class:`ChangedAreaCompositor` leaves out the widgets
whose visible area (region within clip) misses every changed area: the frame only ever sends cells
inside those areas, and each of those cells is covered by a widget that meets it, so what reaches
the terminal is the same (tests/test_frame_crop.py compares it and counts the renders).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

ScreenT = TypeVar("ScreenT", bound=Screen[Any])


class ChangedAreaCompositor(Compositor):
    """Textual's compositor, rendering for a partial frame only the widgets that meet its area."""

    _changed: tuple[Region, ...] = ()

    def render_partial_update(self) -> ChopsUpdate | None:
        # The areas that changed, not only the rectangle around them: the wallboard's clock at
        # the top and its countdown at the bottom make a rectangle that holds the whole page.
        self._changed = tuple(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = ()

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if crop is None or not changed:  # a whole frame: every visible widget, as Textual does
            yield from super()._get_renders(crop)
            return
        visible = self.visible_widgets
        meeting = {
            widget: (region, clip)
            for widget, (region, clip) in visible.items()
            if any(area.overlaps(region.intersection(clip)) for area in changed)
        }
        # Textual takes its list of widgets from visible_widgets at the first step of its
        # generator; the full mapping is put back before any widget renders.
        self._visible_widgets = meeting
        try:
            renders = iter(super()._get_renders(crop))
            first = next(renders, None)
        finally:
            if self._visible_widgets is meeting:
                self._visible_widgets = visible
        if first is not None:
            yield first
            yield from renders


def render_only_changes(screen: ScreenT) -> ScreenT:
    """``screen``, its partial frames rendering only the widgets they change (before it mounts)."""
    screen._compositor = ChangedAreaCompositor()
    return screen
