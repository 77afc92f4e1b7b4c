"""The header and the tab line fit the terminal's width without losing what matters.

At 80 columns the header used to run past the edge, and the terminal cut what it says last: Loki's
freshness ("L ● 0s" or "L ✖"). The tab line lost tabs 3 to 5 behind the alerts pane's long title.
"""

from __future__ import annotations

import pytest
from textual.widgets import Static

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.header_fit import HeaderPart, fit_line, joined
from tests.support.ui_harness import demo_app, settle, settle_wallboard, static_text

PARTS = [
    HeaderPart("opsconsole", prefix=" ", give_way=1),
    HeaderPart("prod-eu-1", prefix=" "),
    HeaderPart("progressive-framework", prefix="│ ", give_way=2, shortest=6),
    HeaderPart("15m", prefix="│ ", give_way=3),
    HeaderPart("04:00:00Z", prefix="│ "),
]


def _plain(width: int) -> str:
    return "".join(p.text().plain for p in fit_line(PARTS, width))


def test_what_gives_way_first_is_the_name_then_the_pack_shortened_then_the_range() -> None:
    whole = _plain(200)
    assert whole == " opsconsole  prod-eu-1 │ progressive-framework │ 15m │ 04:00:00Z "
    assert _plain(len(whole)) == whole  # a line that fits is left alone
    assert _plain(len(whole) - 1) == " prod-eu-1 │ progressive-framework │ 15m │ 04:00:00Z "
    assert _plain(45) == " prod-eu-1 │ progressive-… │ 15m │ 04:00:00Z "  # cut to the width exactly
    assert len(_plain(45)) == 45
    # The pack no shorter than 6 cells: below that it goes, then the range.
    assert _plain(38) == " prod-eu-1 │ progr… │ 15m │ 04:00:00Z "
    assert _plain(37) == " prod-eu-1 │ 15m │ 04:00:00Z "
    assert _plain(28) == " prod-eu-1 │ 04:00:00Z "
    assert _plain(10) == " prod-eu-1 │ 04:00:00Z "  # the rest never gives way, even past the width


def test_the_part_after_is_never_cut_and_counts_against_the_width() -> None:
    from rich.text import Text

    after = Text("│ P ✖ │ A ● 0s │ L ✖ ")
    line = joined(PARTS, 60, after=after)
    assert line.plain.endswith("│ P ✖ │ A ● 0s │ L ✖ ")
    assert line.cell_len <= 60
    assert "opsconsole" not in line.plain


@pytest.mark.parametrize("width", [80, 100, 120, 140])
@pytest.mark.parametrize("read_only", [False, True], ids=["rw", "ro"])
async def test_every_backend_and_every_tab_is_on_screen(
    frozen_demo: tuple[DemoStack, DemoUrls], width: int, read_only: bool
) -> None:
    app = demo_app(frozen_demo[1], read_only=read_only)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        header = app._header_drawn.plain
        assert header.rstrip().endswith("0s"), header  # Loki's freshness, the last part, is whole
        assert app._header_drawn.cell_len <= width, header
        assert ("READ-ONLY" in header) == read_only
        if width < 120:  # the tab line of the narrow layout
            tabs = static_text(app.main.query_one("#tabs", Static), width=width).splitlines()[0]
            for key in "12345":
                assert f" {key} " in f" {tabs} ", tabs
            assert len(tabs.rstrip()) <= width


@pytest.mark.parametrize("width", [80, 100, 160])
async def test_the_wallboard_header_keeps_every_backend(
    frozen_demo: tuple[DemoStack, DemoUrls], width: int
) -> None:
    from opsconsole.launch import demo_wallboard_options
    from opsconsole.ui.wallboard import WallboardApp
    from tests.support.demo_fixtures import frozen_clock
    from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT

    options = demo_wallboard_options(
        frozen_demo[1], clock=frozen_clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT
    )
    app = WallboardApp(options)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle_wallboard(pilot)
        app._render_chrome()
        header = static_text(app.query_one("#wb-header", Static), width=width).splitlines()[0]
        assert header.rstrip().endswith("0s"), header  # the last backend's freshness is whole
        assert ("WALLBOARD" in header) == (width >= 100), header
