"""The console's own acks pass says when its state file could not be used, once, not at every pass:
grace periods then start afresh, which an on-call engineer should know rather than find out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from opsconsole.cli import build_parser
from opsconsole.commands.console import console_setup
from opsconsole.mutations.ack_reconcile import default_state_path
from opsconsole.ui.app import OpsConsoleApp
from tests.support.demo_fixtures import running_demo
from tests.support.ui_harness import settle, work_done


def _ack_notes(app: OpsConsoleApp) -> list[str]:
    return [n.message for n in app._notifications if n.title == "acks"]


async def test_a_corrupt_acks_state_file_is_said_once(tmp_path: Path) -> None:
    state = default_state_path()  # under this test's own XDG_STATE_HOME
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("{not json", encoding="utf-8")
    with running_demo() as (_, urls):
        config = tmp_path / "config.yaml"
        config.write_text(
            "contexts:\n"
            "  prod:\n"
            f"    prometheus: {{url: '{urls.prometheus}'}}\n"
            f"    alertmanagers: [{{url: '{urls.alertmanager}'}}]\n"
        )
        options = console_setup(build_parser().parse_args(["--config", str(config)]))
        app = OpsConsoleApp(replace(options, auto_refresh=False, live_tail=False, journal_path=None))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert _ack_notes(app) == []
            app.silences.reconcile_acks()
            await work_done(app)
            notes = _ack_notes(app)
            assert len(notes) == 1
            assert str(state) in notes[0] and "grace periods start now" in notes[0]
            # The pass saved a good file over the bad one; a bad file again is the same note: not repeated.
            state.write_text("{not json", encoding="utf-8")
            app.silences.reconcile_acks()
            await work_done(app)
            assert len(_ack_notes(app)) == 1
