"""An app showing one widget and nothing else, to test a widget on its own."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widget import Widget


class OneWidgetApp(App[None]):
    """Shows ``widget`` alone."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> Any:
        yield self.widget
