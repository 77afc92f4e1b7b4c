"""The wallboard's idle cost: it asks only for what its pages draw, and its one-second tick
repaints the lines that changed without a layout pass.

No wallboard page shows the RED or saturation rows, yet every refresh used to ask for them (their
instant and range queries were most of its requests). What the pages do show must stay exactly as
true and as fresh: the same rows as a full refresh, the same freshness in the header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from opsconsole.core.durations import format_duration
from opsconsole.core.wallboard_figures import PAGES, panes_drawn
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_wallboard_options
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.wallboard import WallboardApp
from tests.support.demo_fixtures import FROZEN_NOW, frozen_clock
from tests.support.terminal_mirror import TerminalMirror
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT
from tests.support.ui_harness import settle_wallboard as settle

Demo = tuple[DemoStack, DemoUrls]


def record_prometheus(service: RefreshService) -> list[str]:
    """Every PromQL text the service's Prometheus client is asked (instant and range)."""
    asked: list[str] = []
    prom = service.backends.prometheus
    assert prom is not None
    query, query_range = prom.query, prom.query_range

    async def recorded_query(promql: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(promql)
        return await query(promql, *args, **kwargs)

    async def recorded_range(promql: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(promql)
        return await query_range(promql, *args, **kwargs)

    prom.query = recorded_query  # type: ignore[method-assign]
    prom.query_range = recorded_range  # type: ignore[method-assign]
    return asked


def only_in(service: RefreshService, prefixes: tuple[str, ...]) -> set[str]:
    """Query texts of the panes named by ``prefixes`` that no other pane asks."""
    texts = service.query_texts()
    mine = {t for qid, t in texts.items() if qid.startswith(prefixes)}
    others = {t for qid, t in texts.items() if not qid.startswith(prefixes)}
    return mine - others


def wallboard(urls: DemoUrls, clock: Callable[[], float] = frozen_clock, **options: Any) -> WallboardApp:
    return WallboardApp(
        demo_wallboard_options(
            urls, clock=clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT, **options
        )
    )


def sent(asked: list[str], texts: set[str]) -> list[str]:
    """The requests that carry any of ``texts`` (alone or as a part of a union)."""
    return [request for request in asked if any(text in request for text in texts)]


async def test_the_wallboard_asks_for_no_red_or_saturation_rows_and_shows_what_a_full_refresh_shows(
    frozen_demo: Demo,
) -> None:
    app = wallboard(frozen_demo[1])
    asked = record_prometheus(app.service)
    undrawn = only_in(app.service, ("red.", "saturation."))
    assert undrawn, "the demo pack has RED and saturation queries of their own"
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        board = app.board
        assert board is not None
        assert asked, "the wallboard asked Prometheus something"
        assert sent(asked, undrawn) == []
        assert board.red == [] and board.saturation == []

        # The same service with every pane (a snapshot's refresh) asks for them, and the rows the
        # wallboard draws are exactly the full refresh's.
        full_service = app.options.make_service()
        full_asked = record_prometheus(full_service)
        full = await full_service.refresh(RefreshSettings(poll_logs=False))
        await full_service.backends.aclose()
        assert sent(full_asked, undrawn)
        assert full.red and full.saturation
        assert board.health == full.health
        assert board.slos == full.slos
        assert board.alerts == full.alerts and board.alerts_outside == full.alerts_outside
        assert [(b.name, b.last_success, b.error) for b in board.backends] == [
            (b.name, b.last_success, b.error) for b in full.backends
        ]


@pytest.mark.parametrize(
    ("pages", "panes"),
    [
        (PAGES, {"alerts", "health", "slo"}),
        (("slo",), {"slo"}),
        # The health page counts each agent's alerts: it needs the alerts pane too.
        (("health",), {"health", "alerts"}),
        (("alerts", "contexts"), {"alerts"}),
        (("overview", "nonsense"), {"health", "saturation", "red", "slo", "alerts", "logs"}),
    ],
)
def test_each_page_names_the_panes_it_draws(pages: tuple[str, ...], panes: set[str]) -> None:
    assert panes_drawn(pages) == panes


async def test_a_wallboard_that_asks_prometheus_nothing_never_calls_it_fresh_or_stale(
    frozen_demo: Demo,
) -> None:
    now = [FROZEN_NOW]
    app = wallboard(frozen_demo[1], clock=lambda: now[0], pages=("alerts",), refresh_interval=5)
    asked = record_prometheus(app.service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.board is not None
        names = [b.name for b in app.board.backends]
        assert names and all("prometheus" not in name for name in names)
        header = str(app.query_one("#wb-header", Static).content)
        assert "am ●" in header and "prom" not in header
        now[0] += 60  # long past the stale limit (3 intervals of 5 s), refreshes still running
        app.action_refresh()
        await settle(pilot)
        app._tick()
        assert not app.query_one("#wb-banner", Static).has_class("-visible")
        assert sent(asked, set(app.service.query_texts().values())) == []


async def test_a_wallboard_of_the_contexts_page_alone_asks_its_own_context_nothing_and_calls_nothing_stale(
    frozen_demo: Demo,
) -> None:
    """Each context's row is that context's own refresh: the wallboard's asks nothing, and lists
    no backend as answering or silent (an Alertmanager never asked would raise the banner)."""
    now = [FROZEN_NOW]
    app = wallboard(frozen_demo[1], clock=lambda: now[0], pages=("contexts",), refresh_interval=5)
    asked = record_prometheus(app.service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.board is not None and app.board.backends == []
        header = str(app.query_one("#wb-header", Static).content)
        assert "am " not in header and "prom" not in header
        now[0] += 60
        app.action_refresh()
        await settle(pilot)
        app._tick()
        assert not app.query_one("#wb-banner", Static).has_class("-visible")
        # No pane's query (the first refresh's look at the scrape config and renamed labels is not one).
        assert sent(asked, set(app.service.query_texts().values())) == []


async def test_a_recording_wallboard_keeps_every_pane(frozen_demo: Demo) -> None:
    """A recording is replayed in the console, whose panes show RED and saturation rows: the
    wallboard that records asks for them, rather than leave them silently empty."""
    app = wallboard(frozen_demo[1])
    recorded: list[Any] = []
    app.service.observers.append(recorded.append)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert recorded and recorded[-1].red and recorded[-1].saturation


async def test_the_one_second_tick_repaints_the_clock_without_a_layout_pass(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [FROZEN_NOW]
    app = wallboard(frozen_demo[1], clock=lambda: now[0])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        requests: list[tuple[str, bool]] = []
        original = Widget.refresh

        def recorded(widget: Widget, *regions: Any, **kwargs: Any) -> Any:
            requests.append((widget.id or type(widget).__name__, bool(kwargs.get("layout"))))
            return original(widget, *regions, **kwargs)

        header = app.query_one("#wb-header", Static)
        footer = app.query_one("#wb-footer", Static)
        before = (str(header.content), str(footer.content))
        monkeypatch.setattr(Widget, "refresh", recorded)
        now[0] += 1
        app._tick()
        # The clock and the rotation's countdown moved, and only they were repainted.
        assert str(header.content) != before[0] and "04:00:01Z" in str(header.content)
        assert str(footer.content) != before[1]
        assert {name for name, _ in requests} == {"wb-header", "wb-footer"}
        assert not [name for name, layout in requests if layout]

        # A second with nothing new to say repaints nothing.
        requests.clear()
        app._tick()
        assert requests == []


async def test_a_refresh_lays_the_screen_out_only_when_a_showing_widget_changes_height(
    frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A minute later every alert's age has moved: on the page showing that is a repaint of its
    list, on the pages not showing nothing at all (each used to lay out and repaint the whole
    screen). Shown later, a page draws what the refresh brought; a list that grows a line is laid
    out again, and the line is drawn."""
    now = [FROZEN_NOW]
    app = wallboard(frozen_demo[1], clock=lambda: now[0])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.options.pages[app.page] == "overview"
        mirror = TerminalMirror(app)
        laid_out: list[str] = []
        original = Widget.refresh

        def recorded(widget: Widget, *regions: Any, **kwargs: Any) -> Any:
            if kwargs.get("layout"):
                laid_out.append(widget.id or type(widget).__name__)
            return original(widget, *regions, **kwargs)

        monkeypatch.setattr(Widget, "refresh", recorded)
        board = app.board
        assert board is not None and board.alerts
        alert = board.alerts[0].alerts[0]
        before = format_duration(now[0] - alert.starts_at)
        now[0] += 60
        app.action_refresh()
        for _ in range(400):
            await pilot.pause(0.05)
            if app.board is not board and not app._refreshing:
                break
        await pilot.pause(0.1)
        after = format_duration(now[0] - alert.starts_at)
        assert after != before
        assert laid_out == [], "the lists kept their heights: nothing to lay out"
        rows = [line for line in mirror.text().splitlines() if alert.alertname in line]
        assert rows and all(f" {after} " in row for row in rows), "the overview's list shows the new age"

        app.action_page(app.options.pages.index("alerts"))
        await pilot.pause(0.2)
        rows = [line for line in mirror.text().splitlines() if alert.alertname in line]
        assert rows and all(f" {after} " in row for row in rows), "the alerts page shows the new age"

        taller = Text("\n".join(f"line {i}" for i in range(30)))
        app._update("#wb-alerts", taller)
        await pilot.pause(0.2)
        assert "wb-alerts" in laid_out
        assert "line 29" in mirror.text(), "the line the list grew is on the screen"
