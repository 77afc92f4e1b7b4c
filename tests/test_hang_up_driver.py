"""The console's Linux driver wraps Textual's output so a hung-up terminal cannot crash the app;
Textual is pinned only from below, so the private attribute it wraps is checked, not assumed."""

from __future__ import annotations

import asyncio
import sys

import pytest

from opsconsole.ui.terminal_output import HungUpTolerantOutput, hang_up_tolerant_driver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver only")


def _driver(cls: type) -> object:
    from textual.app import App

    async def build() -> object:
        return cls(App(), debug=False, mouse=False, size=(80, 24))

    return asyncio.run(build())


def test_the_installed_textual_gets_the_tolerant_output() -> None:
    from textual.drivers.linux_driver import LinuxDriver

    driver = _driver(hang_up_tolerant_driver(LinuxDriver))
    assert isinstance(driver._file, HungUpTolerantOutput)  # type: ignore[attr-defined]


def test_a_textual_without_the_private_stream_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.drivers.linux_driver import LinuxDriver

    original = LinuxDriver.__init__

    def renamed(self: LinuxDriver, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self._stream = self._file  # type: ignore[attr-defined]
        del self._file

    monkeypatch.setattr(LinuxDriver, "__init__", renamed)
    driver = _driver(hang_up_tolerant_driver(LinuxDriver))
    assert not hasattr(driver, "_file") and not isinstance(driver._stream, HungUpTolerantOutput)  # type: ignore[attr-defined]
