"""`y`: the pane on screen as Markdown, to the clipboard with OSC 52 and to a file, said in a toast."""

from __future__ import annotations

import pytest

from opsconsole.core.dashboard import AlertGroupView, AlertView, Dashboard, HealthRow
from opsconsole.core.view_markdown import view_markdown
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.copy_markdown import copy_file, osc52_likely
from tests.support.ui_harness import demo_app, settle

Demo = tuple[DemoStack, DemoUrls]


def test_tables_hold_the_pane_and_hostile_text_cannot_break_them() -> None:
    board = Dashboard("prod", "pack", 1_764_000_000.0, 900.0)
    board.health = [HealthRow("npa", "npa|3\nx", "down", False, None, {}, since=1_763_999_700.0)]  # type: ignore[arg-type]
    alert = AlertView("f", "Disk|Full", "critical", "firing", 1_763_999_400.0, "a | b", {}, {}, "db-1")
    board.alerts = [AlertGroupView((), (alert,))]
    health = view_markdown(board, "health").splitlines()
    assert health[-1] == "| npa\\|3⏎x | ✖ DOWN | 5m | — |"  # the model made the newline visible
    alerts = view_markdown(board, "alerts")
    assert "| critical | firing | Disk\\|Full | db-1 | 10m | a \\| b |" in alerts
    assert "1 firing" in alerts


def test_osc52_unless_the_terminal_cannot() -> None:
    assert osc52_likely({"TERM": "xterm-256color"})
    assert not osc52_likely({"TERM": "linux"})
    assert not osc52_likely({"TERM": "xterm", "OPSCONSOLE_CLIPBOARD": "file"})


@pytest.mark.asyncio
async def test_y_copies_the_active_pane(frozen_demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    app = demo_app(frozen_demo[1])
    sent: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", sent.append)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2", "y")
        await pilot.pause()
    assert sent and sent[0].startswith("**ALERTS** · context demo")
    assert "AgentUnresponsive" in sent[0]
    assert copy_file().read_text() == sent[0]
    assert any("OSC 52" in m and str(copy_file()) in m for m in app.messages)
