"""The ack confirmation reads in five lines (who, which alert, until when, the matchers, what it mutes);
``r`` shows the exact request that will be sent, and ``r`` again the summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from opsconsole.core.ack_summary import draft_summary
from opsconsole.core.silence_draft import SilenceDraft, parse_draft_matchers
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.confirm_screens import ConfirmScreen
from tests.support.ui_harness import demo_app, select_alert, settle, static_text, work_done

Demo = tuple[DemoStack, DemoUrls]
NOW = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC


def test_the_summary_says_who_what_until_and_the_matchers() -> None:
    draft = SilenceDraft(
        parse_draft_matchers('alertname="AgentDown", agent_id="npa-3"'), NOW, NOW + 900, "alice", "ACK"
    )
    lines = dict(draft_summary(draft, what="AgentDown · npa-3", mutes="matches 1 alert, all in this view"))
    assert lines == {
        "Who": "alice · comment: ACK",
        "Alert": "AgentDown · npa-3",
        "Until": "15m, until 2026-11-18 11:21 UTC",
        "Matchers": 'alertname="AgentDown", agent_id="npa-3"',
        "Mutes": "matches 1 alert, all in this view",
    }
    capped = dict(draft_summary(draft, what="x", until_resolved=True))
    assert capped["Until"] == "until the alert resolves (at most 15m: 2026-11-18 11:21 UTC)"
    assert "Mutes" not in capped


def footer_says(screen: ConfirmScreen) -> dict[str, str]:
    """The footer's word for each key the confirmation answers (the first of a binding's keys)."""
    return {
        key: active.binding.description
        for key, active in screen.active_bindings.items()
        if active.enabled and key in ("y", "n", "r")
    }


def words_in_the_box(screen: ConfirmScreen) -> str:
    """Every text the box itself shows (the footer aside), as plain text."""
    return "\n".join(static_text(widget) for widget in screen.query(Static) if widget.display)


async def test_the_keys_are_said_once_in_the_footer_not_in_the_box(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1], author="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ack_confirmation(pilot)
        for view in ("summary", "request"):
            box = words_in_the_box(screen)
            for key_words in ("y / Enter", "n / Esc", "r: ", "cancel"):
                assert key_words not in box, (view, box)
            await pilot.press("r")


async def _ack_confirmation(pilot: Pilot[Any]) -> ConfirmScreen:
    app = pilot.app
    assert isinstance(app, OpsConsoleApp)
    await settle(pilot)
    await select_alert(pilot, app, "AgentUnresponsive")
    await pilot.press("a")
    await work_done(app)
    screen = app.screen
    assert isinstance(screen, ConfirmScreen)
    await pilot.pause(0.2)
    return screen


async def test_the_ack_confirmation_is_a_summary_with_the_request_one_key_away(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1], author="alice")
    app.options.ack_until_resolved = True
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ack_confirmation(pilot)
        summary = screen.query_one("#confirm-summary", Static)
        request = screen.query_one("#confirm-request")
        text = static_text(summary)
        assert len(text.strip().splitlines()) == 5, text
        assert "alice · comment: ACK by alice from opsconsole@" in text and "until resolved" in text
        assert "AgentUnresponsive" in text and "until the alert resolves (at most 1d" in text
        assert 'alertname="AgentUnresponsive"' in text and "matches 1 alert, all in this view" in text
        assert summary.display and not request.display
        assert footer_says(screen) == {"y": "Send", "n": "Cancel", "r": "Exact request"}
        await pilot.press("r")
        assert request.display and not summary.display
        assert '"comment": "ACK by alice from opsconsole@' in screen.request
        assert footer_says(screen) == {"y": "Send", "n": "Cancel", "r": "Summary"}
        await pilot.press("r")
        assert summary.display and not request.display
        assert footer_says(screen) == {"y": "Send", "n": "Cancel", "r": "Exact request"}
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)


def test_snapshot_ack_confirmation_summary(snap_compare: Callable[..., bool], frozen_demo: Demo) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _ack_confirmation(pilot)

    app = demo_app(frozen_demo[1], author="alice@bastion")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_snapshot_ack_confirmation_exact_request(
    snap_compare: Callable[..., bool], frozen_demo: Demo
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _ack_confirmation(pilot)
        await pilot.press("r")
        await pilot.pause(0.2)

    app = demo_app(frozen_demo[1], author="alice@bastion")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run)
