"""The console on a real HA pair whose first peer is dead: each peer named in the header with its own
state, and an ack that fails over like every other call."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Static

from opsconsole.cli import build_parser
from opsconsole.commands.console import console_setup
from opsconsole.core.backend_labels import backend_labels
from opsconsole.core.dashboard import BackendStatus
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.confirm_screens import ConfirmScreen
from opsconsole.ui.pane_table import AlertRowKey
from tests.support.demo_fixtures import running_demo
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, wait_until
from tests.support.ui_harness import settle, static_text, work_done

DEAD = "http://127.0.0.1:9"


def _post_alert(peers: tuple[RunningAlertmanager, RunningAlertmanager]) -> None:
    now = datetime.now(UTC)
    alert = {
        "labels": {"alertname": "AlertmanagerFailoverDrill", "severity": "warning"},
        "annotations": {"summary": "for the failover test"},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
    }
    for am in peers:
        http_client().post(f"{am.url}/api/v2/alerts", json=[alert], timeout=10).raise_for_status()


async def test_header_names_each_peer_and_an_ack_fails_over(
    am_cluster: tuple[RunningAlertmanager, RunningAlertmanager], tmp_path: Path
) -> None:
    _, second = am_cluster
    _post_alert(am_cluster)
    with running_demo() as (_, urls):
        config = tmp_path / "config.yaml"
        config.write_text(
            "contexts:\n"
            "  prod:\n"
            f"    prometheus: {{url: '{urls.prometheus}'}}\n"
            "    alertmanagers:\n"
            f"      - {{url: '{DEAD}', name: am-0}}\n"
            f"      - {{url: '{second.url}'}}\n"
        )
        options = console_setup(build_parser().parse_args(["--config", str(config), "--pack", "meta"]))
        app = OpsConsoleApp(replace(options, auto_refresh=False, live_tail=False, journal_path=None))
        async with app.run_test(size=(200, 45)) as pilot:
            await settle(pilot)
            header = static_text(app.query_one("#topbar", Static))
            assert "│ am am-0 ✖" in header
            assert f"│ am 127.0.0.1:{second.port} ●" in header
            await pilot.press("2")
            pane = app.panes["alerts"]
            refs = list(pane.refs.values())
            row = next(
                i
                for i, r in enumerate(refs)
                if isinstance(r, AlertRowKey) and r.alert.alertname.endswith("Drill")
            )
            pane.table.move_cursor(row=row)
            await pilot.pause()
            await pilot.press("a")
            await work_done(app)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await work_done(app)
            journal = app.silence_service.journal
            assert [(e["peer"], e["outcome"].split(":")[0].split()[0]) for e in journal] == [
                ("am-0", "error"),
                (f"127.0.0.1:{second.port}", "ok"),
            ]
            silence_id = journal[-1]["outcome"].split()[1]
    wait_until(
        lambda: any(s["id"] == silence_id for s in http_client().get(f"{second.url}/api/v2/silences").json()),
        timeout=10,
        what="the ack on the live peer",
    )
    http_client().delete(f"{second.url}/api/v2/silence/{silence_id}", timeout=10)


def test_one_alertmanager_is_am_several_are_named() -> None:
    one = [
        BackendStatus("prometheus", "prometheus", ""),
        BackendStatus("alertmanager am-0", "alertmanager", ""),
    ]
    assert backend_labels(one) == ["prometheus", "am"]
    two = [*one, BackendStatus("alertmanager 10.0.4.2:9093", "alertmanager", "")]
    assert backend_labels(two) == ["prometheus", "am am-0", "am 10.0.4.2:9093"]
    assert backend_labels(two, short=True) == ["P", "A1", "A2"]
    assert backend_labels(two, long=True)[2] == "alertmanager 10.0.4.2:9093"
