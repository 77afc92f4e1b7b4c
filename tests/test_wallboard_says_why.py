"""The wallboard says why it is empty, as the console does: a board on a wall has no one to read a
toast, and "0 agents down" from a pack that found nothing reads as all up.

It showed none of the console's notices (a pack file that failed to load, a pack name taken twice, a
pack none of whose queries finds anything here); its "down" figure read a calm 0 when the health
queries found nothing, and its pages said "no agents in this pack" and, in green, "no alerts firing"
when Alertmanager had never answered.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.widgets import Digits, Static

from opsconsole.cli import build_parser, resolve_from_args
from opsconsole.core.dashboard import Dashboard, PaneStatus
from opsconsole.core.wallboard_figures import PAGES, empty_page_reason, wallboard_notices
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_wallboard_options, wallboard_options
from opsconsole.refresh.session import load_pack_set
from opsconsole.ui.wallboard import WallboardApp
from tests.support.demo_fixtures import FROZEN_NOW, frozen_clock
from tests.support.real_servers import RunningAlertmanager, RunningServer
from tests.support.ui_harness import DEAD_URL, HEALTHY_STACK_TIMEOUT
from tests.support.ui_harness import settle_wallboard as settle

Demo = tuple[DemoStack, DemoUrls]

# Its one query matches no series on the test Prometheus: a pack for another stack.
ELSEWHERE = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: elsewhere}
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="checkout-api"}
"""
BROKEN = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: broken}
health:
  entity: {type_label: job, instance_label: instance}
  upp: up
"""


def _text(app: WallboardApp, selector: str) -> str:
    content = app.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def test_a_pack_that_finds_nothing_and_a_pack_file_that_failed_are_said_on_the_wall(
    isolated_home: Path, real_prometheus: RunningServer, real_alertmanager: RunningAlertmanager
) -> None:
    folder = isolated_home / ".config" / "opsconsole" / "packs"
    folder.mkdir(parents=True)
    (folder / "elsewhere.yaml").write_text(ELSEWHERE)
    (folder / "broken.yaml").write_text(BROKEN)
    args = build_parser().parse_args(
        [
            "wallboard",
            "--prometheus",
            real_prometheus.url,
            "--alertmanager",
            real_alertmanager.url,
            "--pack",
            "elsewhere",
        ]
    )
    args.read_only = True  # as the command does, whatever the context says
    context = resolve_from_args(args)
    options = wallboard_options(
        context,
        load_pack_set(context),
        pack="elsewhere",
        variables={},
        theme=None,
        pages=PAGES,
        rotate_seconds=30,
    )
    app = WallboardApp(replace(options, auto_refresh=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        notices = _text(app, "#wb-notices")
        assert app.query_one("#wb-notices").display
        assert notices.startswith("⚠ pack problem: ") and "broken.yaml" in notices and "upp" in notices
        assert "⚠ No query of pack 'elsewhere' returned data from this Prometheus." in notices
        assert "opsconsole packs doctor --pack elsewhere" in notices
        # Not a calm 0 down: nothing was found to be up or down.
        assert app.query_one("#digits-down", Digits).value == "–"
        assert _text(app, "#label-down") == "agents down: no data, see the health page"
        assert not app.query_one("#fig-down").has_class("-bad")
        assert _text(app, "#wb-health") == ("⚠ 0 of 1 queries returned data: run `opsconsole packs doctor`")
        assert _text(app, "#wb-slo") == "no SLOs in this pack"  # none asked for: all clear, muted


async def test_a_healthy_board_shows_no_notice_line(frozen_demo: Demo) -> None:
    app = WallboardApp(
        demo_wallboard_options(
            frozen_demo[1], clock=frozen_clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.query_one("#wb-notices").display
        assert app.query_one("#digits-down", Digits).value == "1"


async def test_alertmanager_never_answering_is_not_no_alerts_firing(frozen_demo: Demo) -> None:
    urls = replace(frozen_demo[1], alertmanager=DEAD_URL)
    app = WallboardApp(
        demo_wallboard_options(urls, clock=frozen_clock, auto_refresh=False, timeout=HEALTHY_STACK_TIMEOUT)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for selector in ("#wb-overview-list", "#wb-alerts"):
            said = _text(app, selector)
            assert said.startswith("⚠ no data: alertmanager: "), said
            assert "no alerts firing" not in said
        assert app.query_one("#digits-critical", Digits).value == "–"
        assert _text(app, "#label-critical") == "firing critical: no data"


def test_no_answer_yet_is_no_count_of_firing_alerts() -> None:
    """The title the console's pane, its tab, `snapshot` and the Markdown copy share."""
    board = Dashboard("prod", "pack", FROZEN_NOW, 900)
    board.status = {"alerts": PaneStatus(error="alertmanager: connection refused", error_at=FROZEN_NOW)}
    assert board.alerts_unknown
    assert board.alerts_title() == board.alerts_title(showing_all=True) == "? firing, no answer yet"
    board.status = {"alerts": PaneStatus(updated_at=FROZEN_NOW - 30, error="alertmanager: timeout")}
    assert not board.alerts_unknown  # the last answer's count stands, with its age in the border
    assert board.alerts_title() == "0 firing"
    board.status = {}
    assert not board.alerts_unknown and board.alerts_title() == "0 firing"


def _board(**status: Any) -> Dashboard:
    board = Dashboard("prod", "pack", FROZEN_NOW, 900)
    board.status = {"health": PaneStatus(**status)}
    return board


def test_empty_page_reasons() -> None:
    nothing = "no agents in this pack"
    assert empty_page_reason(_board(), "health", nothing) == (nothing, False)
    assert empty_page_reason(_board(queries=3, empty=("a.b",)), "health", nothing) == (nothing, False)
    assert empty_page_reason(_board(queries=2, empty=("h.up", "h.mem")), "health", nothing) == (
        "0 of 2 queries returned data: run `opsconsole packs doctor`",
        True,
    )
    never = _board(error="prometheus: connection refused", error_at=FROZEN_NOW)
    assert empty_page_reason(never, "health", nothing) == ("no data: prometheus: connection refused", True)
    once = _board(updated_at=FROZEN_NOW - 65, error="prometheus: timeout", error_at=FROZEN_NOW)
    assert empty_page_reason(once, "health", nothing) == (
        "no agents in this pack at the last answer (03:58:55Z); since then: prometheus: timeout",
        True,
    )
    assert empty_page_reason(never, "alerts", "no alerts firing") == ("no alerts firing", False)


def test_wallboard_notices_are_the_start_ups_then_the_boards_each_once() -> None:
    board = _board()
    board.notices = ["no query found anything", "pack problem: a"]
    assert wallboard_notices(board, ["pack problem: a", "theme problem: b"]) == [
        "pack problem: a",
        "theme problem: b",
        "no query found anything",
    ]
    assert wallboard_notices(None, ["pack problem: a"]) == ["pack problem: a"]
    assert wallboard_notices(None, []) == []
