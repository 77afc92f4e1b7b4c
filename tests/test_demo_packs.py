"""The demo serves the packs whose deployments it plays: every query of progressive-framework and
freeagentics returns data on it, and `opsconsole demo --pack freeagentics` shows a live screen."""

from __future__ import annotations

import time

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.launch import demo_options
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.pack_doctor import diagnose
from opsconsole.resources import builtin_queries_dir
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.panes import LogPane
from tests.support.demo_fixtures import frozen_clock
from tests.support.ui_harness import settle

PACKS = load_packs([(builtin_queries_dir(), "builtin")]).packs
Demo = tuple[DemoStack, DemoUrls]


@pytest.mark.parametrize("pack", ["progressive-framework", "freeagentics"])
async def test_every_query_of_the_pack_returns_data_on_the_demo(live_demo: DemoUrls, pack: str) -> None:
    client = PrometheusClient(EndpointSettings(url=live_demo.prometheus))
    try:
        report = await diagnose(PACKS[pack].pack, client, now=time.time(), explain=False)
    finally:
        await client.aclose()
    silent = [c.query_id for c in report.checks if not report.answered(c)]
    assert silent == []
    assert report.empty_panes() == []
    assert len(report.checks) == {"progressive-framework": 35, "freeagentics": 22}[pack]


async def test_demo_pack_freeagentics_shows_a_live_screen(frozen_demo: Demo) -> None:
    app = OpsConsoleApp(
        demo_options(frozen_demo[1], clock=frozen_clock, auto_refresh=False, pack="freeagentics")
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        board = app.board
        assert board is not None and board.pack == "freeagentics"
        assert {r.display for r in board.health} == {"api:8000", "workers:8001", "localhost:9100"}
        assert {r.key for r in board.red if r.group == "api"} >= {"/api/v1/agents", "/health"}
        assert {r.name for r in board.saturation} == {"cpu", "memory", "disk-free", "active-agents"}
        firing = {a.alertname for g in board.alerts for a in g.alerts}
        assert {"APIHighErrorRate", "AgentCoordinationFailures"} <= firing
        assert not {"AgentUnresponsive"} & firing  # Progressive Framework's: outside this pack
        assert board.firing_outside > 0
        assert {s.figures.status for s in board.slos} != {"no data"}
        logs = app.panes["logs"]
        assert isinstance(logs, LogPane)
        note = " ".join(row.message for row in logs.view.buffer.rows())
        assert note.startswith("FreeAgentics logs are not in Loki:")
        assert "Elasticsearch" in note and "Kibana" in note
        assert "not in Loki" in str(logs.border_subtitle)
        assert str(logs.border_title) == "Log tail"  # nothing is followed
