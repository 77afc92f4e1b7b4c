"""The wallboard's contexts page: in the default rotation when the config has several contexts (and left
out with --pages), showing the same figures as ``opsconsole overview`` and ``snapshot --all-contexts
--json``."""

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
from opsconsole.commands.wallboard import default_pages
from opsconsole.config import load_config
from opsconsole.core.wallboard_figures import PAGES
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_wallboard_options
from opsconsole.refresh.context_overview import ContextOverviewService, resolve_every_context
from opsconsole.refresh.session import build_service, choose_pack, load_pack_set
from opsconsole.ui.overview_screen import OverviewApp
from opsconsole.ui.wallboard import WallboardApp
from opsconsole.ui.wallboard_options import WallboardOptions
from tests.support.contexts_drawn import contexts_drawn, overview_drawn
from tests.support.three_contexts import write_three_contexts
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT, static_text

FIGURES = ("firing", "acked", "down", "budget")


def _pages_chosen(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[str, ...]:
    """The pages ``opsconsole wallboard ARGV`` would rotate through (the wallboard is not started)."""
    chosen: list[WallboardOptions] = []

    def capture(options: WallboardOptions, *_: Any) -> int:
        chosen.append(options)
        return 0

    monkeypatch.setattr("opsconsole.launch.run_wallboard", capture)
    assert main(list(argv)) == 0
    return chosen[-1].pages


def test_the_contexts_page_joins_the_rotation_when_there_are_several_contexts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    several = tmp_path / "several.yaml"
    several.write_text(
        "contexts:\n  prod: {prometheus: {url: 'http://127.0.0.1:9'}}\n"
        "  staging: {prometheus: {url: 'http://127.0.0.1:9'}}\n"
    )
    one = tmp_path / "one.yaml"
    one.write_text("contexts:\n  prod: {prometheus: {url: 'http://127.0.0.1:9'}}\n")
    assert _pages_chosen(monkeypatch, "--config", str(several), "wallboard") == (*PAGES, "contexts")
    assert _pages_chosen(monkeypatch, "--config", str(one), "wallboard") == PAGES
    # Left out by naming the pages.
    left_out = _pages_chosen(monkeypatch, "--config", str(several), "wallboard", "--pages", ",".join(PAGES))
    assert left_out == PAGES
    assert default_pages(2) == (*PAGES, "contexts") and default_pages(1) == PAGES


def _every_context(urls: DemoUrls, tmp_path: Path, *, read_only: bool = False) -> ContextOverviewService:
    """prod and prod-ro on the demo, staging refusing connections (the config the snapshot reads)."""
    path = write_three_contexts(urls, tmp_path)
    config, _ = load_config(path)
    return ContextOverviewService(
        resolve_every_context(config, path, read_only=read_only),
        lambda c: build_service(c, load_pack_set(c), choose_pack(c, load_pack_set(c))),
    )


def test_the_contexts_page_overview_and_snapshot_json_show_the_same_figures(
    frozen_demo: tuple[DemoStack, DemoUrls], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, urls = frozen_demo
    # All three read the demo at the same (real) time: the snapshot command has no frozen clock.
    overview = OverviewApp(_every_context(urls, tmp_path), time.time, auto_refresh=False)
    board = _every_context(urls, tmp_path, read_only=True)  # the wallboard reads every context read-only
    options = demo_wallboard_options(
        urls, auto_refresh=False, pages=("contexts",), timeout=HEALTHY_STACK_TIMEOUT
    )
    wallboard = WallboardApp(replace(options, make_overview=lambda: board))

    async def drawn() -> tuple[list[str], dict[str, Any]]:
        async with wallboard.run_test(size=(200, 48)) as pilot:
            await contexts_drawn(pilot)
            page = static_text(wallboard.query_one("#wb-contexts", Static), width=200).splitlines()
        async with overview.run_test(size=(200, 48)) as pilot:
            await overview_drawn(pilot)
            table: DataTable[Any] = overview.overview_screen.query_one("#overview-contexts", DataTable)
            rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        return page, rows

    page, screen_rows = asyncio.run(drawn())
    code = main(["--config", str(tmp_path / "config.yaml"), "snapshot", "--all-contexts", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1  # staging does not answer
    for row in data["contexts"]:
        text = row["text"]
        # The wallboard reads every context read-only, so its rows all say "(ro)".
        wall_line = next(line for line in page if line.split() and line.split()[0] == row["context"])
        cells = [c.strip() for c in wall_line.split("  ") if c.strip()]
        # context, firing, acked, down, worst budget, status: the JSON's own words, in that order.
        assert cells[1:5] == [text[k] for k in FIGURES], (wall_line, text)
        on_screen = [str(c) for c in screen_rows[text["context"]]]
        assert on_screen[1:5] == [text[k] for k in FIGURES], (on_screen, text)
    prod = next(r for r in data["contexts"] if r["context"] == "prod")
    assert prod["firing_total"] > 0 and prod["text"]["down"] != "—"  # real figures were compared
