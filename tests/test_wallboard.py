"""The read-only wallboard: pages, rotation, stale banner, and proof that nothing mutating leaves."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Digits, Static

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.core.silence_draft import SilenceDraft
from opsconsole.core.slo import budget_percent
from opsconsole.core.wallboard_figures import PAGES
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_wallboard_options
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.wallboard import WallboardApp
from tests.support.demo_fixtures import FROZEN_NOW, frozen_clock
from tests.support.http_client import http_client
from tests.support.loopback_http import Received, Reply, ScriptedServer, scripted_server
from tests.support.ui_harness import DEAD_URL, HEALTHY_STACK_TIMEOUT
from tests.support.ui_harness import settle_wallboard as settle

Demo = tuple[DemoStack, DemoUrls]
SnapCompare = Callable[..., bool]


def wallboard(urls: DemoUrls, **options: Any) -> WallboardApp:
    """The wallboard on ``urls`` with the frozen clock and no timers."""
    return WallboardApp(
        demo_wallboard_options(
            urls, clock=frozen_clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT, **options
        )
    )


def on_page(page: str) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, WallboardApp)
        app.action_page(PAGES.index(page))
        await pilot.pause(0.1)

    return run


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("page", PAGES)
def test_wallboard_pages(
    snap_compare: SnapCompare, frozen_demo: Demo, page: str, size: tuple[int, int]
) -> None:
    assert snap_compare(wallboard(frozen_demo[1]), terminal_size=size, run_before=on_page(page))


async def test_overview_figures_are_the_counts_that_matter(frozen_demo: Demo) -> None:
    app = wallboard(frozen_demo[1])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        board = app.board
        assert board is not None
        critical = [
            a for g in board.alerts for a in g.alerts if a.state == "firing" and a.severity == "critical"
        ]
        assert (
            app.query_one("#digits-critical", Digits).value == str(len(critical)) == "1"
        )  # AgentUnresponsive; FreeAgentics' are not the pack's
        assert app.query_one("#digits-down", Digits).value == "1"  # npa-3
        worst = min(s.figures.remaining for s in board.slos if s.figures.remaining is not None)
        # As the console's SLO pane words it (it said "100" beside the console's 99.8%).
        assert app.query_one("#digits-budget", Digits).value == budget_percent(worst).removesuffix("%")
        assert app.query_one("#fig-critical").has_class("-bad")
        # FreeAgentics' critical alerts are not this pack's, and the board says how many there are.
        outside = sum(
            1
            for g in board.alerts_outside
            for a in g.alerts
            if a.state == "firing" and a.severity == "critical"
        )
        assert outside > 0
        label = str(app.query_one("#label-critical", Static).content)
        assert label == f"firing critical · {outside} more outside this pack"
        header = str(app.query_one("#wb-header", Static).content)
        assert "READ-ONLY" in header and "04:00:00Z" in header and "prometheus ●" in header


async def test_at_80_columns_each_alert_keeps_one_line_and_its_pod_suffix(frozen_demo: Demo) -> None:
    app = wallboard(frozen_demo[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        board = app.board
        assert board is not None
        firing = [a for g in board.alerts for a in g.alerts if a.state == "firing"]
        listed = app.query_one("#wb-overview-list", Static)
        console = Console(width=listed.content_region.width, record=True, file=io.StringIO())
        console.print(listed.content)
        lines = [line.rstrip() for line in console.export_text().splitlines() if line.strip()]
        # The header, one line an alert, then one line saying what the list leaves out.
        left_out = board.firing_outside or len(firing) > 8
        assert len(lines) == 1 + min(8, len(firing)) + (1 if left_out else 0)
        if board.firing_outside:
            assert lines[-1].endswith(f"+ {board.firing_outside} firing outside this pack, not listed")
        for alert in firing[:8]:
            suffix = alert.entity.rsplit("-", 1)[-1]  # npa-deployment-…-zjt4w, not npa-deployment-…
            assert any(alert.alertname in line and f"-{suffix}" in line for line in lines), lines


async def test_pages_rotate_and_p_pauses_the_rotation(frozen_demo: Demo) -> None:
    now = [FROZEN_NOW]
    options = demo_wallboard_options(
        frozen_demo[1],
        clock=lambda: now[0],
        auto_refresh=False,
        rotate_seconds=30,
        timeout=HEALTHY_STACK_TIMEOUT,
    )
    app = WallboardApp(options)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.page == 0
        now[0] += 29
        app._tick()
        assert app.page == 0
        now[0] += 2
        app._tick()
        assert app.page == 1
        assert app.query_one("#page-alerts").has_class("-active")
        assert not app.query_one("#page-overview").has_class("-active")
        await pilot.press("p")
        now[0] += 120
        app._tick()
        assert app.page == 1
        assert "rotation paused" in str(app.query_one("#wb-footer", Static).content)
        await pilot.press("right", "right", "right")
        assert app.page == 0
        await pilot.press("left")
        assert app.page == 3
        await pilot.press("2")
        assert app.page == 1


async def test_a_backend_silent_for_three_intervals_raises_the_stale_banner(frozen_demo: Demo) -> None:
    now = [FROZEN_NOW]
    urls = replace(frozen_demo[1], prometheus=DEAD_URL)
    options = demo_wallboard_options(urls, clock=lambda: now[0], auto_refresh=False, refresh_interval=5)
    app = WallboardApp(options)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        banner = app.query_one("#wb-banner", Static)
        assert not banner.has_class("-visible")  # just started: not stale yet
        now[0] += 16  # three refresh intervals later, refreshes still running
        app.action_refresh()
        await settle(pilot)
        app._tick()
        assert banner.has_class("-visible")
        text = str(banner.content)
        assert "STALE DATA: no answer from prometheus for 16s" in text
        assert "alertmanager" not in text  # it answers
        assert "figures as of 04:00:16Z" in text


@contextmanager
def recording_proxy(target: str, seen: list[Received]) -> Iterator[ScriptedServer]:
    """Forward to ``target``, recording every request that reaches it."""

    def handle(request: Received) -> Reply:
        seen.append(request)
        reply = http_client().request(request.method, target + request.path, content=request.body, timeout=10)
        return Reply(
            reply.status_code, reply.content, {"Content-Type": reply.headers.get("content-type", "")}
        )

    with scripted_server(handle) as server:
        yield server


async def test_no_key_makes_anything_mutating_leave_the_process(frozen_demo: Demo) -> None:
    urls = frozen_demo[1]
    seen: list[Received] = []
    with ExitStack() as stack:
        proxied = DemoUrls(
            **{
                kind: stack.enter_context(recording_proxy(getattr(urls, kind), seen)).url
                for kind in ("prometheus", "alertmanager", "loki", "jaeger")
            }
        )
        app = wallboard(proxied)
        # Mutating actions are not bound at all.
        actions = {b.action for b in WallboardApp.BINDINGS if isinstance(b, Binding)}
        assert not actions & {"ack", "silence", "silences", "command", "filter"}
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            # Every key the wallboard binds, and every key the console binds, on every page.
            keys = {
                k
                for b in [*WallboardApp.BINDINGS, *OpsConsoleApp.BINDINGS]
                if isinstance(b, Binding)
                for k in b.key.split(",")
            } - {"q"}
            for _ in PAGES:
                for key in sorted(keys):
                    await pilot.press(key)
                await pilot.press("escape", "enter", "ctrl+s", "y", "x", "e", "right")
            app.action_refresh()
            await settle(pilot)
            # The transport refuses a silence before it is sent, even when code asks for one.
            alertmanager = app.service.backends.alertmanagers[0]
            draft = (
                SilenceDraft.model_validate(
                    {"matchers": 'alertname="X"', "duration": "1h", "author": "t", "comment": "c"}
                )
                if hasattr(SilenceDraft, "model_validate")
                else None
            )
            with pytest.raises(BackendError) as refused:
                await alertmanager.http.request("POST", "api/v2/silences", json_body={"matchers": []})
            assert refused.value.kind is FailureKind.READ_ONLY
            del draft
    assert seen, "the wallboard never reached its backends"
    assert {r.method for r in seen} == {"GET"}
