"""The key hints at the foot of every screen: Textual's footer without the work that shows nothing new.

Textual's :class:`~textual.widgets.Footer` rebuilds its keys whenever the screen's bindings may
have changed (every focus move, every screen pushed or popped), even when the keys shown are the
same ones; and each key it builds restyles itself twice while it mounts (its ``compact`` flag
starts true and the footer's binding sets it back). Restyling walks the app's whole stylesheet:
in a console test it was about a tenth of the CPU. This footer rebuilds only when what it would
show differs, and builds each key with the footer's ``compact`` already set. The keys drawn are
Textual's own, so the footer looks and clicks the same.

Textual's footer cuts the key that reaches the command palette's key ("Comm" for "Command" at 80
columns). This one draws a key whole or not at all: the keys are listed most needed first, so a
narrow terminal loses the last ones (help lists them all).
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """A :class:`~textual.widgets.Footer` that rebuilds only when the keys to show change."""

    # What the keys on show were built from; None until built.
    _composed_for: Hashable | None = None

    def _shows(self) -> Hashable:
        """Everything :meth:`Footer.compose` draws from: the shown bindings, their state and labels."""
        app = self.app
        keys = tuple(
            (binding, enabled, tooltip, app.get_key_display(binding))
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        return keys, self.compact, self.show_command_palette, app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        self._composed_for = self._shows() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Each key gets the flag it ends with before it mounts, not a restyle to the
                # default and another back: the footer's, which Textual binds to every key but
                # the command palette's (that one keeps the default, compact).
                compact = True if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild the keys, unless the screen's bindings still give the keys already shown."""
        if (
            self._composed_for is not None
            and screen.app.app_focus
            and self.is_attached
            and screen is self.screen
            and self._shows() == self._composed_for
        ):
            return
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        await super().recompose()
        self._leave_out_cut_keys()

    def on_resize(self, event: Resize) -> None:
        self._leave_out_cut_keys()

    def _leave_out_cut_keys(self) -> None:
        """Show the keys, in order, while each fits whole beside the command palette's key."""
        if not self.size.width:
            return
        keys = list(self.query_children(FooterKey))
        room = self.size.width - sum(_width(key) for key in keys if key.has_class("-command-palette"))
        for key in keys:
            if not key.has_class("-command-palette"):
                room -= _width(key)
                key.display = room >= 0  # and after one left out, none further on


def _width(key: FooterKey) -> int:
    """The columns a key takes, in its styles: its text, padding, border and margins."""
    return key.render().cell_len + key.styles.gutter.width + key.styles.margin.width
