"""A console opened on a ``read_only: true`` context sends no write, whatever key is pressed.

The console is built the way ``opsconsole`` builds it (config file, parsed command line), with a
recording proxy in front of the demo Alertmanager: only GETs may reach it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Static

from opsconsole.backends.errors import ReadOnlyViolation
from opsconsole.cli import build_parser
from opsconsole.commands.console import console_setup
from opsconsole.config import ConsoleConfig, ContextSettings, EndpointSettings, Overrides, resolve_context
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.confirm_screens import ConfirmScreen
from opsconsole.ui.pane_table import AlertRowKey
from opsconsole.ui.silence_screens import SilenceFormScreen, SilencesScreen
from tests.support.demo_fixtures import frozen_clock, running_demo
from tests.support.loopback_http import Reply, scripted_server
from tests.support.recording_proxy import recording_proxy
from tests.support.ui_harness import settle, static_text, work_done

SILENCE = {
    "matchers": [{"name": "agent_id", "value": "wpa-2", "isRegex": False, "isEqual": True}],
    "startsAt": "2026-01-01T00:00:00Z",
    "endsAt": "2026-12-31T00:00:00Z",
    "createdBy": "dave",
    "comment": "known leak",
}


@pytest.mark.parametrize("way", ["read_only: true context", "--read-only before the command", "env"])
async def test_a_read_only_console_sends_no_write(
    way: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["--config", str(tmp_path / "config.yaml")]
    if way == "--read-only before the command":
        argv.insert(0, "--read-only")
    elif way == "env":
        monkeypatch.setenv("OPSCONSOLE_READ_ONLY", "yes")
    with running_demo() as (stack, urls), recording_proxy(urls.alertmanager) as proxy:
        stack.alertmanager.silences.upsert(SILENCE, frozen_clock())
        config = tmp_path / "config.yaml"
        config.write_text(
            "current_context: staging\n"
            "contexts:\n"
            "  staging:\n"
            f"    read_only: {'true' if way.startswith('read_only') else 'false'}\n"
            f"    prometheus: {{url: '{urls.prometheus}'}}\n"
            f"    alertmanagers: [{{url: '{proxy.url}'}}]\n"
            f"    loki: {{url: '{urls.loki}'}}\n"
        )
        options = console_setup(build_parser().parse_args(argv))
        app = OpsConsoleApp(replace(options, clock=frozen_clock, auto_refresh=False))
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            assert "READ-ONLY" in static_text(app.query_one("#topbar", Static))
            await pilot.press("2")
            pane = app.panes["alerts"]
            assert any(isinstance(r, AlertRowKey) for r in pane.refs.values())
            assert app.check_action("ack", ()) is None  # shown, disabled
            await pilot.press("a", "s")
            await work_done(app)
            assert not isinstance(app.screen, ConfirmScreen | SilenceFormScreen)
            await pilot.press("S")
            await work_done(app)
            assert isinstance(app.screen, SilencesScreen)
            assert app.screen.silences
            await pilot.press("x", "e")
            await work_done(app)
            assert isinstance(app.screen, SilencesScreen)
            await pilot.press("escape")
            # Even a change that got past the keys stops inside the process, before the network.
            refs = list(pane.refs.items())
            pane.table.move_cursor(row=next(i for i, (_, r) in enumerate(refs) if isinstance(r, AlertRowKey)))
            await pilot.pause()
            app.action_ack()
            await work_done(app)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await work_done(app)
            assert any("read-only" in m for m in app.messages)
        assert proxy.writes() == []
        assert ("GET", "/api/v2/silences") in proxy.seen
    assert [s.created_by for s in stack.alertmanager.silences.all()] == ["dave"]


async def test_backends_for_a_read_only_context_refuse_writes_at_the_transport() -> None:
    with scripted_server(lambda _: Reply(200, b'{"silenceID": "x"}')) as server:
        config = ConsoleConfig(
            contexts={
                "staging": ContextSettings(read_only=True, alertmanagers=[EndpointSettings(url=server.url)])
            }
        )
        context = resolve_context(config, Overrides(context="staging"), environ={})
        backends = BackendSet.for_context(context)
        try:
            assert backends.read_only
            with pytest.raises(ReadOnlyViolation, match="nothing was sent"):
                await backends.alertmanagers[0].post_silence({"matchers": []})
        finally:
            await backends.aclose()
    assert server.received == []
