"""Snapshots of the states an on-call engineer must recognise at a glance.

Read-only (the badge, silence keys disabled), a pane with more rows than fit (scrolled), Alertmanager
or Loki down, errors at 80x24, the wallboard's stale banner, and SLOs in PAGE, TICKET and EXHAUSTED.
The console ones run on the frozen demo (fixed seed, frozen clock) with one backend pointed at a
closed port; the SLO states come from :func:`opsconsole.core.slo.evaluate` on chosen error ratios
(the demo's SLOs are all within budget), drawn by the real SLO screen. Each run asserts that the
state it is named after is on the screen, so a snapshot cannot be updated into showing something
else without a failure. Update with ``--snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from opsconsole.core.dashboard import BudgetHistory
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_wallboard_options
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.slo_screen import SloScreen
from opsconsole.ui.themes import load_themes
from opsconsole.ui.wallboard import WallboardApp
from tests.support.demo_fixtures import FROZEN_NOW
from tests.support.slo_states import SLOS
from tests.support.ui_harness import DEAD_URL, demo_app, settle, static_text

Demo = tuple[DemoStack, DemoUrls]
SnapCompare = Callable[..., bool]
DAY = 86400.0


def header_text(app: OpsConsoleApp) -> str:
    return app._header_drawn.plain


def then(*keys: str, check: Callable[[OpsConsoleApp], None] | None = None) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        app = pilot.app
        assert isinstance(app, OpsConsoleApp)
        if check is not None:
            check(app)

    return run


def test_read_only_badge_and_disabled_silence_keys(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """On the alerts pane of a read-only console: the badge, and Ack and Silence shown disabled."""

    def check(app: OpsConsoleApp) -> None:
        assert "READ-ONLY" in header_text(app)
        assert app.check_action("ack", ()) is None and app.check_action("silence", ()) is None
        assert app.screen is app.screen_stack[0]  # s opened no form

    app = demo_app(frozen_demo[1], read_only=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=then("2", "s", check=check))


def test_a_pane_with_more_rows_than_fit_scrolls(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """80x24: the health pane holds more rows than its height; the cursor walks down and it scrolls."""

    def check(app: OpsConsoleApp) -> None:
        table = app.panes["health"].table
        assert table.row_count > table.scrollable_content_region.height
        assert table.scroll_y > 0

    keys = ["1", *["j"] * 19]
    assert snap_compare(demo_app(frozen_demo[1]), terminal_size=(80, 24), run_before=then(*keys, check=check))


def _backend_failed(name: str) -> Callable[[OpsConsoleApp], None]:
    def check(app: OpsConsoleApp) -> None:
        board = app.board
        assert board is not None
        failed = [b for b in board.backends if b.kind == name and b.error]
        assert failed, board.backends

    return check


def test_alertmanager_down(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    app = demo_app(replace(frozen_demo[1], alertmanager=DEAD_URL))
    assert snap_compare(app, terminal_size=(160, 45), run_before=then(check=_backend_failed("alertmanager")))


def test_loki_down(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """The log pane's tail cannot connect: its status line says why (metrics and alerts carry on)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, OpsConsoleApp)
        tails = list(app.tails.bindings.values())
        assert tails
        for _ in range(200):  # the first connection is refused at once; its error lands soon after
            if all(b.tail.error for b in tails):
                break
            await pilot.pause(0.05)
        app.tails.pump()
        await pilot.press("r")  # the next refresh's header takes the tail's news of Loki
        await settle(pilot)
        assert [b.tail.error for b in tails] == ["connection refused"] * len(tails)
        # The header said "loki ● 0s" here: the refresh counted Loki as answering though only the
        # tail asks it, and the tail could not connect.
        assert "loki ✖" in header_text(app)
        _backend_failed("loki")(app)

    app = demo_app(replace(frozen_demo[1], loki=DEAD_URL))
    assert snap_compare(app, terminal_size=(160, 45), run_before=run)


def test_errors_at_80x24(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """Prometheus and Alertmanager unreachable on the smallest terminal: the errors still fit."""

    def check(app: OpsConsoleApp) -> None:
        _backend_failed("prometheus")(app)
        _backend_failed("alertmanager")(app)

    urls = replace(frozen_demo[1], prometheus=DEAD_URL, alertmanager=DEAD_URL)
    assert snap_compare(demo_app(urls), terminal_size=(80, 24), run_before=then(check=check))


def test_wallboard_stale_banner(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    """Prometheus silent for more than three refresh intervals: the banner names it and the time."""
    now = [FROZEN_NOW]
    urls = replace(frozen_demo[1], prometheus=DEAD_URL)
    options = demo_wallboard_options(urls, clock=lambda: now[0], auto_refresh=False, refresh_interval=5)

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, WallboardApp)
        await _wallboard_settled(pilot, app)
        now[0] += 16
        app.action_refresh()
        await _wallboard_settled(pilot, app)
        app._tick()
        await pilot.pause(0.1)
        banner = app.query_one("#wb-banner", Static)
        assert banner.has_class("-visible")
        assert "STALE DATA: no answer from prometheus" in static_text(banner)

    assert snap_compare(WallboardApp(options), terminal_size=(120, 40), run_before=run)


async def _wallboard_settled(pilot: Pilot[Any], app: WallboardApp) -> None:
    for _ in range(300):
        await pilot.pause(0.05)
        if app.board is not None and not app._refreshing:
            break
    await pilot.pause(0.1)
    assert app.board is not None


class SloHost(App[None]):
    """The SLO screen alone, with a budget chart per SLO that ends where its figures say."""

    def on_mount(self) -> None:
        self.push_screen(SloScreen(SLOS, load_themes()[0]["dark"]))

    def draw_histories(self) -> None:
        screen = self.screen
        assert isinstance(screen, SloScreen)
        times = tuple(FROZEN_NOW - 30 * DAY + i * DAY for i in range(31))
        for row in SLOS:
            end = 1.0 - (row.figures.consumed or 0.0)
            remaining = tuple(1.0 + (end - 1.0) * i / 30 for i in range(31))
            screen.show_history(row.name, BudgetHistory(times=times, remaining=remaining, kind="burndown"))


def test_slos_in_page_ticket_and_exhausted(snap_compare: SnapCompare) -> None:
    # In their state by the core's rules on the ratios above, not by a hand-set status.
    assert [s.status for s in SLOS] == ["page", "ticket", "exhausted"]

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.2)
        app = pilot.app
        assert isinstance(app, SloHost)
        app.draw_histories()
        await pilot.pause(0.2)
        text = "\n".join(static_text(s) for s in pilot.app.screen.query(Static))
        for shown in ("▲ PAGE", "◆ TICKET", "✖ EXHAUSTED"):
            assert shown in text

    assert snap_compare(SloHost(), terminal_size=(120, 80), run_before=run)
