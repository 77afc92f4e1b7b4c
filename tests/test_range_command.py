""":range takes a duration longer than nothing and shorter than datetime's calendar."""

from __future__ import annotations

from typing import Any, cast

import pytest

from opsconsole.ui.commands import run_command


class _App:
    """What :range touches of the app: the range it sets and the toasts it shows."""

    def __init__(self) -> None:
        self.ranges: list[float] = []
        self.toasts: list[tuple[str, str]] = []

    def set_range(self, seconds: float) -> None:
        self.ranges.append(seconds)

    def notify(self, text: str, severity: str = "information") -> None:
        self.toasts.append((text, severity))


@pytest.mark.parametrize("text", ["0s", "0m", "1000000d"])
def test_a_range_of_nothing_or_of_millennia_is_refused_and_said(text: str) -> None:
    app = _App()
    run_command(cast(Any, app), f"range {text}")
    assert app.ranges == []
    assert app.toasts == [(f"range: {text} is not between 1s and 3650d", "error")]


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1.0), ("2h", 7200.0), ("3650d", 3650 * 86400.0)])
def test_a_range_within_bounds_is_set(text: str, seconds: float) -> None:
    app = _App()
    run_command(cast(Any, app), f"range {text}")
    assert app.ranges == [seconds] and app.toasts == []
