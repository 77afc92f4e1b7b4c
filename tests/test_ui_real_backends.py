"""The same console build on real Prometheus and Alertmanager, wired the way `opsconsole` wires it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from opsconsole.cli import build_parser, resolve_from_args
from opsconsole.launch import console_options
from opsconsole.refresh.session import load_pack_set
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.pane_table import AgentRowKey, AlertRowKey
from tests.support.real_servers import RunningAlertmanager, RunningServer
from tests.support.refresh_fixtures import TEST_PACK
from tests.support.ui_harness import work_done


async def test_console_on_real_backends_shows_their_alert_and_target(
    tmp_path: Path, real_prometheus: RunningServer, real_alertmanager: RunningAlertmanager
) -> None:
    packs_dir = tmp_path / "packs"
    packs_dir.mkdir()
    (packs_dir / "fixture.yaml").write_text(TEST_PACK)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"current_context: lab\npacks_dir: {packs_dir}\ncontexts:\n  lab:\n    pack: fixture\n"
        f"    prometheus: {{url: '{real_prometheus.url}'}}\n"
        f"    alertmanagers: [{{url: '{real_alertmanager.url}'}}]\n"
    )
    args = build_parser().parse_args(["console", "--config", str(config)])
    context = resolve_from_args(args)
    options = console_options(
        context, load_pack_set(context), pack=None, variables={}, theme="dark", resolve=lambda name: context
    )
    options.auto_refresh = False
    app = OpsConsoleApp(options)
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.board is not None:
                break
        await work_done(app)
        assert app.board is not None
        alerts = [
            ref.alert.alertname for ref in app.panes["alerts"].refs.values() if isinstance(ref, AlertRowKey)
        ]
        assert alerts == ["OpsconsoleTestAlwaysFiring"]
        health = [
            ref.row.entity_type for ref in app.panes["health"].refs.values() if isinstance(ref, AgentRowKey)
        ]
        assert health == ["test-target"]
        assert "lab" in str(app.query_one("#topbar").render())


def test_console_without_backends_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "opsconsole", "console", "--config", str(tmp_path / "none.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "config file not found" in result.stderr
    bare = subprocess.run(
        [sys.executable, "-m", "opsconsole", "console"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert bare.returncode == 2
    assert "opsconsole demo" in bare.stderr
