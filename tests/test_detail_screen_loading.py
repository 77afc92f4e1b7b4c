"""The detail and SLO screens load their own data through the refresh service's drill-down, in a worker:
loading, then the figures; a failure says what went wrong and that r tries again."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App
from textual.widgets import Static

from opsconsole.core.dashboard import BudgetHistory, Detail
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.screens import DetailScreen
from opsconsole.ui.slo_screen import SloScreen
from opsconsole.ui.themes import load_themes
from tests.support.slo_states import SLOS
from tests.support.ui_harness import demo_app, settle, static_text

Demo = tuple[DemoStack, DemoUrls]


class FlakyDrill:
    """A drill-down that fails once (a backend down), then answers."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> Detail:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("prometheus: connection refused")
        return Detail(title="npa-2", range_seconds=900.0, errors=[])


class DetailApp(App[None]):
    def __init__(self, screen: DetailScreen) -> None:
        super().__init__()
        self.detail_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.detail_screen)


def _title(screen: DetailScreen) -> str:
    return static_text(screen.query_one("#detail-title", Static))


async def _loaded(app: App[Any]) -> None:
    await app.workers.wait_for_complete()


async def test_a_failed_load_says_why_and_r_loads_again() -> None:
    drill = FlakyDrill()
    screen = DetailScreen("agent npa-2", load_themes()[0]["dark"], drill)
    app = DetailApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _loaded(app)
        await pilot.pause()
        assert drill.calls == 1
        title = _title(screen)
        assert "not loaded: prometheus: connection refused" in title
        assert "r tries again" in title
        assert screen.detail is None and screen.load_error
        await pilot.press("r")
        await pilot.pause()
        await _loaded(app)
        await pilot.pause()
        assert drill.calls == 2
        assert screen.detail is not None and screen.load_error is None
        assert "npa-2 — last 15m" in _title(screen)


async def test_enter_on_an_agent_opens_a_screen_that_asks_the_service_itself(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        asked: list[dict[str, Any]] = []
        detail = app.service.detail

        async def counted(**kwargs: Any) -> Detail:
            asked.append(kwargs)
            return await detail(**kwargs)

        app.service.detail = counted  # type: ignore[method-assign]
        await pilot.press("j", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert len(asked) == 1 and asked[0]["entity"]
        assert screen.detail is not None
        await pilot.press("r")  # the screen loads again by itself
        await settle(pilot)
        assert len(asked) == 2


class SloApp(App[None]):
    def __init__(self, screen: SloScreen) -> None:
        super().__init__()
        self.slo_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.slo_screen)


async def test_the_slo_screen_loads_each_history_itself_says_which_failed_and_r_loads_again() -> None:
    asked: list[str] = []
    recovered = asyncio.Event()

    async def history(name: str) -> BudgetHistory:
        asked.append(name)
        if name == "search-ticket" and not recovered.is_set():
            raise ConnectionError("prometheus: connection refused")
        return BudgetHistory(times=(1.0, 2.0), remaining=(1.0, 0.9), kind="burndown")

    screen = SloScreen(SLOS, load_themes()[0]["dark"], history)
    app = SloApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _loaded(app)
        await pilot.pause()
        assert asked == [row.name for row in SLOS]  # one after another, the failed one too
        failed = screen.histories["search-ticket"]
        assert failed.error == "⚠ not loaded (prometheus: connection refused)" and failed.retry
        assert not screen.histories["checkout-page"].error
        assert screen.histories["login-exhausted"].remaining == (1.0, 0.9)
        recovered.set()  # Prometheus is back: r loads every history again, the failed one too
        await pilot.press("r")
        await pilot.pause()
        await _loaded(app)
        await pilot.pause()
        assert asked == [row.name for row in SLOS] * 2
        assert not screen.histories["search-ticket"].error
        assert screen.histories["search-ticket"].remaining == (1.0, 0.9)
