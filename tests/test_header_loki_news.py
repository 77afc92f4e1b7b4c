"""The header shows what the live tail saw of Loki as soon as the tail saw it, not at the next refresh.

The console does not ask Loki in its refresh (it tails it); the tail tells the service, and the
header listed Loki only if the tail had answered before the refresh listed the backends. On a loaded
machine the tail's first answer came 0.6 s before the end of a 3.5 s refresh, so the order could
turn: the header then left Loki out until the next refresh, and with no timer (the tests' consoles)
for good. A state snapshot at 80x24 failed once in a whole run at load 6 (its report lost); this
order is the one found that changes its frame (the header's first line).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from opsconsole.core.dashboard import Dashboard
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.refresh.log_tail import LogTail
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.refresh.service import RefreshService
from tests.support.demo_fixtures import FROZEN_NOW
from tests.support.refresh_fixtures import demo_service
from tests.support.ui_harness import DEAD_URL, demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


def loki(board: Dashboard | None) -> list[tuple[float | None, str | None]]:
    assert board is not None
    return [(b.last_success, b.error) for b in board.backends if b.kind == "loki"]


@pytest.mark.parametrize(("loki_url", "shown"), [(None, "L ● 0s"), (DEAD_URL, "L ✖")], ids=["up", "down"])
async def test_a_tail_answering_after_the_first_refresh_is_in_the_header(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch, loki_url: str | None, shown: str
) -> None:
    """The tail's first request waits until the first refresh has listed the backends: the order a
    loaded machine can take, made certain."""
    refreshed = asyncio.Event()
    refresh, backlog = RefreshService.refresh, LogTail._backlog

    async def refresh_then_say(self: RefreshService, *args: Any, **kwargs: Any) -> Dashboard:
        board = await refresh(self, *args, **kwargs)
        refreshed.set()
        return board

    async def backlog_after_the_refresh(self: LogTail) -> int:
        await refreshed.wait()
        return await backlog(self)

    monkeypatch.setattr(RefreshService, "refresh", refresh_then_say)
    monkeypatch.setattr(LogTail, "_backlog", backlog_after_the_refresh)
    urls = frozen_demo[1] if loki_url is None else replace(frozen_demo[1], loki=loki_url)
    app = demo_app(urls)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tails = list(app.tails.bindings.values())
        assert tails and refreshed.is_set()
        assert all(b.tail.settled for b in tails)
        # No refresh since the first one (no timer in tests): the header took the tail's news itself.
        assert app._header_drawn.plain.endswith(f"│ {shown} "), app._header_drawn.plain
        expected = [(FROZEN_NOW, None)] if loki_url is None else [(None, "connection refused")]
        assert loki(app.board) == expected


async def test_the_last_board_takes_the_tails_news_and_says_when_the_header_must_change(
    frozen_demo: Demo,
) -> None:
    service = demo_service(frozen_demo[1])
    try:
        board = await service.refresh(RefreshSettings(poll_logs=False, panes=frozenset({"alerts"})))
    finally:
        await service.backends.aclose()
    assert loki(board) == []  # nothing asked Loki yet
    assert not service.note_log_tail(None, None)  # connecting: nothing to say
    assert loki(board) == []
    assert service.note_log_tail(FROZEN_NOW, None)  # listed, answering
    assert loki(board) == [(FROZEN_NOW, None)]
    # A newer answer alone goes into the board quietly: the header's ages are drawn at refreshes,
    # and redrawing it at each line the tail takes in would repaint it several times a second.
    assert not service.note_log_tail(FROZEN_NOW + 5, None)
    assert loki(board) == [(FROZEN_NOW + 5, None)]
    assert service.note_log_tail(FROZEN_NOW + 5, "connection refused")  # failing
    assert loki(board) == [(FROZEN_NOW + 5, "connection refused")]
    assert not service.note_log_tail(FROZEN_NOW + 5, "connection refused")
    assert service.note_log_tail(FROZEN_NOW + 9, None)  # answering again
    assert loki(board) == [(FROZEN_NOW + 9, None)]
    assert [b.kind for b in board.backends][-1] == "loki"  # where the refresh lists it: last
