"""Every context in one view: a row per context, their alerts merged, and a context that hangs
delaying nobody. The contexts point at the demo stack (and one at a socket that never answers)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from opsconsole.cli import main
from opsconsole.config import Overrides, ResolvedContext, load_config, resolve_context
from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.context_overview import ContextRow, filter_merged
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_wallboard_options
from opsconsole.refresh.context_overview import ContextOverviewService
from opsconsole.refresh.service import RefreshService
from opsconsole.refresh.session import build_service, choose_pack, load_pack_set
from opsconsole.ui.overview_screen import OverviewApp, OverviewScreen
from opsconsole.ui.wallboard import WallboardApp
from tests.support.contexts_drawn import contexts_drawn, overview_drawn
from tests.support.demo_fixtures import frozen_clock
from tests.support.hanging_port import hanging_url_fixture  # noqa: F401 (the fixture hanging_url)
from tests.support.pty_session import PtySession
from tests.support.three_contexts import DEAD, write_three_contexts
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT, demo_app, settle, static_text

HANG_TIMEOUT = 3.0  # the hung context's endpoint timeout (at least): its deadline is this plus the slack


def _config(path: Path, urls: DemoUrls, hang: str, hang_timeout: float = HANG_TIMEOUT) -> Path:
    healthy = f"timeout: {HEALTHY_STACK_TIMEOUT:g}"
    demo = (
        f"prometheus: {{url: '{urls.prometheus}', {healthy}}}, "
        f"alertmanagers: [{{url: '{urls.alertmanager}', {healthy}}}], loki: {{url: '{urls.loki}', {healthy}}}"
    )
    path.write_text(
        "contexts:\n"
        f"  prod: {{{demo}}}\n"
        # The same Alertmanager seen from a second, read-only context: its alerts are not doubled.
        f"  prod-ro: {{read_only: true, {demo}}}\n"
        f"  dr-site: {{prometheus: {{url: '{hang}', timeout: {hang_timeout:.1f}}}, "
        f"alertmanagers: [{{url: '{hang}', timeout: {hang_timeout:.1f}}}]}}\n"
    )
    return path


def test_a_hanging_context_delays_nobody_and_says_so(
    frozen_demo: tuple[DemoStack, DemoUrls], hanging_url: str, tmp_path: Path
) -> None:
    _, urls = frozen_demo
    # The hang must outlast a healthy context's refresh for the order below to mean "nobody waited":
    # on a loaded machine that refresh alone can take longer than the usual 3 s, so it is timed first.
    config, path = load_config(_config(tmp_path / "probe.yaml", urls, hanging_url))
    packs = load_pack_set(resolve_context(config, Overrides(context="prod"), config_path=path))

    def make(context: ResolvedContext) -> RefreshService:
        return build_service(context, packs, choose_pack(context, packs))

    async def healthy_alone() -> float:
        service = make(resolve_context(config, Overrides(context="prod"), config_path=path))
        began = time.monotonic()
        try:
            await service.refresh()
        finally:
            await service.backends.aclose()
        return time.monotonic() - began

    hang_timeout = max(HANG_TIMEOUT, 3 * asyncio.run(healthy_alone()))
    config, path = load_config(_config(tmp_path / "config.yaml", urls, hanging_url, hang_timeout))
    contexts = [
        resolve_context(config, Overrides(context=n), config_path=path) for n in sorted(config.contexts)
    ]

    arrived: dict[str, float] = {}
    start = time.monotonic()
    overview = ContextOverviewService(contexts, make)

    def on_row(row: ContextRow) -> None:
        arrived[row.context] = time.monotonic() - start

    async def once() -> list[ContextRow]:
        try:
            return await overview.refresh(on_row)
        finally:
            await overview.aclose()

    rows = {r.context: r for r in asyncio.run(once())}
    # The others came in their own time, before the hung one's deadline passed.
    assert arrived["prod"] < arrived["dr-site"] and arrived["prod-ro"] < arrived["dr-site"]
    assert arrived["dr-site"] >= hang_timeout
    hung = rows["dr-site"]
    assert hung.error and hung.as_of is None
    assert hung.texts(time.time())["status"].startswith("✖")
    prod = rows["prod"]
    assert not prod.error and prod.firing_total > 0 and prod.agents > 0
    assert rows["prod-ro"].read_only and not prod.read_only
    # Merged: one row per alert although two contexts see that Alertmanager.
    merged = overview.merged()
    assert merged and all(m.contexts == ("prod", "prod-ro") for m in merged)
    assert len({(m.alert.cluster, m.alert.fingerprint) for m in merged}) == len(merged)
    kept, error = filter_merged(merged, "@context=prod-ro")
    assert not error and kept == merged
    kept, _ = filter_merged(merged, "@context=staging")
    assert kept == []


def test_snapshot_of_every_context_as_json_agrees_with_the_rows(
    frozen_demo: tuple[DemoStack, DemoUrls],
    hanging_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, urls = frozen_demo
    config = _config(tmp_path / "config.yaml", urls, hanging_url)
    code = main(["--config", str(config), "snapshot", "--all-contexts", "--json"])
    out, _ = capsys.readouterr()
    assert code == 1  # a context did not answer
    data = json.loads(out)
    rows = {r["context"]: r for r in data["contexts"]}
    assert list(rows) == ["dr-site", "prod", "prod-ro"]
    prod = rows["prod"]
    assert prod["firing_total"] == sum(prod["firing"].values()) > 0
    assert prod["text"]["firing"] == " ".join(
        str(prod["firing"][s]) for s in ("critical", "warning", "other")
    )
    assert prod["text"]["down"] == f"{prod['down']}/{prod['agents']}"
    assert rows["dr-site"]["error"] and rows["dr-site"]["text"]["firing"] == "—"
    assert all(a["contexts"] == ["prod", "prod-ro"] for a in data["alerts"])
    code = main(["--config", str(config), "snapshot", "--all-contexts"])
    out, _ = capsys.readouterr()
    assert "opsconsole overview · 3 contexts" in out and "dr-site" in out and "✖" in out


def test_the_filter_knows_only_context_as_an_at_name() -> None:
    assert AlertFilter.parse("@context=prod").matchers[0].value == "prod"
    assert "only @ name is @context" in AlertFilter.parse("@cluster=prod").error


# -- the screen ---------------------------------------------------------------------------------------


def _overview(urls: DemoUrls, tmp_path: Path) -> ContextOverviewService:
    """prod and prod-ro on the frozen demo, and a context whose backends refuse connections."""
    path = write_three_contexts(urls, tmp_path)
    config, _ = load_config(path)
    contexts = [resolve_context(config, Overrides(context=n)) for n in sorted(config.contexts)]
    packs = load_pack_set(contexts[0])

    def make(context: object) -> object:
        return build_service(context, packs, choose_pack(context, packs), clock=frozen_clock)  # type: ignore[arg-type]

    return ContextOverviewService(contexts, make, clock=frozen_clock)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_snapshot_overview(
    snap_compare: Any, frozen_demo: tuple[DemoStack, DemoUrls], tmp_path: Path, size: tuple[int, int]
) -> None:
    _, urls = frozen_demo
    app = OverviewApp(_overview(urls, tmp_path), frozen_clock, auto_refresh=False)
    assert snap_compare(app, terminal_size=size, run_before=overview_drawn)


async def test_enter_opens_a_context_and_the_filter_knows_context(
    frozen_demo: tuple[DemoStack, DemoUrls], tmp_path: Path
) -> None:
    _, urls = frozen_demo
    app = OverviewApp(_overview(urls, tmp_path), frozen_clock, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await overview_drawn(pilot)
        screen = app.overview_screen
        rows = screen.overview.rows
        assert rows["staging"].error and not rows["prod"].error
        alerts = screen.query_one("#overview-alerts", DataTable)
        everything = alerts.row_count
        assert everything > 0
        await pilot.press("slash", *"@context=staging", "enter")
        assert alerts.row_count == 0
        await pilot.press("slash", *"@context=prod", "enter")  # the box selects its text on focus
        assert screen.filter_text == "@context=prod"
        assert alerts.row_count == everything
        await pilot.press("tab", "j", "enter")  # back to the contexts (from the alerts), second row
    assert app.return_value == "prod-ro"


async def test_ctx_star_in_the_console_opens_the_overview_and_enter_switches(
    frozen_demo: tuple[DemoStack, DemoUrls], tmp_path: Path
) -> None:
    _, urls = frozen_demo
    app = demo_app(urls, contexts=("prod", "prod-ro", "staging"))
    app.options.make_overview = lambda: _overview(urls, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press(":", *"ctx *", "enter")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        deadline = time.monotonic() + 60
        while (screen.refreshing or len(screen.overview.rows) < 3) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert isinstance(app.focused, DataTable) and app.focused.id == "overview-contexts"
        await pilot.press("j", "enter")
        await pilot.pause(0.2)
        assert app.context_name == "prod-ro"
        assert not isinstance(app.screen, OverviewScreen)


def _wallboard(urls: DemoUrls, tmp_path: Path) -> WallboardApp:
    """The wallboard with only its contexts page, every context read-only as the wallboard makes them."""
    overview = _overview(urls, tmp_path)
    overview.contexts = [
        resolve_context(load_config(tmp_path / "config.yaml")[0], Overrides(context=c.name, read_only=True))
        for c in overview.contexts
    ]
    options = demo_wallboard_options(
        urls, clock=frozen_clock, auto_refresh=False, pages=("contexts",), timeout=HEALTHY_STACK_TIMEOUT
    )
    return WallboardApp(replace(options, make_overview=lambda: overview))


def test_snapshot_wallboard_contexts_page(
    snap_compare: Any, frozen_demo: tuple[DemoStack, DemoUrls], tmp_path: Path
) -> None:
    _, urls = frozen_demo
    assert snap_compare(_wallboard(urls, tmp_path), terminal_size=(160, 48), run_before=contexts_drawn)


async def test_the_wallboard_contexts_page_reads_every_context_read_only(
    frozen_demo: tuple[DemoStack, DemoUrls], tmp_path: Path
) -> None:
    _, urls = frozen_demo
    app = _wallboard(urls, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await contexts_drawn(pilot)
        assert app.overview is not None
        assert {name: s.backends.read_only for name, s in app.overview.services.items()} == {
            "prod": True,
            "prod-ro": True,
            "staging": True,
        }
        page = static_text(app.query_one("#wb-contexts", Static))
        assert "prod" in page and "✖ no backend answered" in page


def test_the_overview_command_runs_in_a_terminal_and_esc_leaves_it(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "contexts:\n"
        f"  lab: {{prometheus: {{url: '{DEAD}'}}, alertmanagers: [{{url: '{DEAD}'}}]}}\n"
        f"  dr: {{prometheus: {{url: '{DEAD}'}}}}\n"
    )
    session = PtySession(
        PtySession.python("-m", "opsconsole", "--config", str(config), "overview"), size=(120, 30)
    )
    try:
        session.wait_for(b"Every context (2)", timeout=60)
        session.wait_for(b"no backend answered", timeout=60)  # both refused: said, not shown as quiet
        session.send(b"\x1b")
        assert session.wait_exit(timeout=30) == 0
    finally:
        session.close()
