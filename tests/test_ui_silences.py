"""Ack, silence form with preview, confirmation and the silences screen, driven by keys on the demo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.silence_screens import ConfirmScreen, SilenceFormScreen, SilencesScreen
from tests.demo_fixtures import running_demo
from tests.ui_harness import demo_app, settle, work_done

Demo = tuple[DemoStack, DemoUrls]
SnapCompare = Callable[..., bool]


@pytest.fixture
def fresh_demo() -> Iterator[Demo]:
    """A demo stack of this test's own: these tests create silences."""
    with running_demo() as demo:
        yield demo


def _alert_states(app: OpsConsoleApp) -> dict[str, str]:
    assert app.board is not None
    return {a.alertname: a.state for g in app.board.alerts for a in g.alerts}


async def _select_alert(pilot: Pilot[Any], app: OpsConsoleApp, name: str) -> None:
    await pilot.press("2")
    pane = app.panes["alerts"]
    keys = list(pane.refs)
    target = next(k for k, ref in pane.refs.items() if ref.kind == "alert" and ref.payload.alertname == name)
    pane.table.move_cursor(row=keys.index(target))
    await pilot.pause()


async def test_ack_asks_then_silences_and_the_row_says_who(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert '"comment": "ACK by alice from opsconsole@' in app.screen.request
        assert "POST /api/v2/silences" in app.screen.request
        await pilot.press("y")
        await work_done(app)
        await settle(pilot)
        assert _alert_states(app)["AgentUnresponsive"] == "silenced"
        [ack] = [a.ack for g in app.board.alerts for a in g.alerts if a.alertname == "AgentUnresponsive"]  # type: ignore[union-attr]
        assert ack is not None
        assert ack.ack_by == "alice"
        assert ack.describe(app.options.clock()) == "acked by alice, 15 min left"
        # The simulated Alertmanager (what amtool would see) holds exactly that silence.
        assert [s.comment.split(" from ")[0] for s in stack.alertmanager.silences.all()] == ["ACK by alice"]


async def test_cancel_sends_nothing(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a", "n")
        await work_done(app)
        assert not isinstance(app.screen, ConfirmScreen)
        assert stack.alertmanager.silences.all() == []
        assert app.silence_service.journal == []


async def test_silence_form_previews_validates_then_creates(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _select_alert(pilot, app, "AgentHighLatency")
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SilenceFormScreen)
        await pilot.press("ctrl+s")  # no comment yet: refused in the form, nothing leaves
        assert isinstance(app.screen, SilenceFormScreen)
        assert form.draft is None
        matchers = form.query_one("#silence-matchers", Input)
        matchers.value = 'agent_type="npa"'
        await pilot.pause()
        assert form.preview_result is not None
        # npa-3's AgentUnresponsive and npa-2's AgentHighLatency
        assert form.preview_result.summary() == "matches 2 alerts in 2 groups"
        form.query_one("#silence-duration", Input).value = "4h"
        form.query_one("#silence-comment", Input).value = "npa rollback, INC-1234"
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        assert '"value": "npa"' in app.screen.request
        await pilot.press("enter")
        await work_done(app)
        await settle(pilot)
        states = _alert_states(app)
        assert states["AgentHighLatency"] == "silenced"
        assert states["AgentMemoryHigh"] == "firing"  # wpa-2: not matched
        [silence] = stack.alertmanager.silences.all()
        assert silence.created_by == "bob"
        assert silence.ends_at - silence.starts_at == pytest.approx(4 * 3600, abs=2)


async def test_matching_everything_is_refused_in_the_form(fresh_demo: Demo) -> None:
    _, urls = fresh_demo
    app = demo_app(urls)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SilenceFormScreen)
        form.query_one("#silence-matchers", Input).value = 'severity=~"critical|warning"'
        form.query_one("#silence-comment", Input).value = "all of it"
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SilenceFormScreen)
        assert "every active alert" in str(form.query_one("#silence-problems").render())


async def test_silences_screen_expires_and_extends_with_confirmation(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="carol")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a", "y")
        await work_done(app)
        await settle(pilot)
        await pilot.press("S")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        [view] = screen.silences
        assert view.matching == 1
        await pilot.press("e")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)
        assert f'"id": "{view.id}"' in app.screen.request
        await pilot.press("y")
        await work_done(app)
        await pilot.pause(0.3)
        [extended] = stack.alertmanager.silences.all()
        assert extended.ends_at == pytest.approx(app.options.clock() + 3600, abs=2)
        await pilot.press("x")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.request.startswith("DELETE /api/v2/silence/")
        await pilot.press("y")
        await work_done(app)
        await pilot.pause(0.3)
        assert stack.alertmanager.silences.all()[0].state(app.options.clock()) == "expired"


async def test_read_only_disables_ack_and_silence(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls)
    app.service.backends.read_only = True
    app.silence_service = app._silence_service()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _select_alert(pilot, app, "AgentUnresponsive")
        assert app.check_action("ack", ()) is None  # shown, disabled
        await pilot.press("a", "s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen | SilenceFormScreen)
        assert stack.alertmanager.silences.all() == []
        assert "READ-ONLY" in str(app.query_one("#topbar").render())


def _to_form(*fields: tuple[str, str]) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, OpsConsoleApp)
        await settle(pilot)
        await _select_alert(pilot, app, "AgentHighLatency")
        await pilot.press("s")
        await pilot.pause()
        for field in app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor is on or off depending on timing
        for name, value in fields:
            app.screen.query_one(f"#silence-{name}", Input).value = value
        await pilot.pause(0.2)

    return run


def test_snapshot_silence_form_with_preview(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1], author="alice@bastion")
    run = _to_form(("matchers", 'kubernetes_pod_name=~"npa-.*"'), ("comment", "npa rollback, INC-1234"))
    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_snapshot_confirmation(snap_compare: SnapCompare, frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1], author="alice@bastion")
    form = _to_form(("comment", "npa rollback, INC-1234"))

    async def run(pilot: Pilot[Any]) -> None:
        await form(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_snapshot_silences_screen(snap_compare: SnapCompare) -> None:
    with running_demo() as (stack, urls):
        start = stack.clock()
        stack.alertmanager.silences.upsert(
            {
                "matchers": [
                    {
                        "name": "kubernetes_pod_name",
                        "value": stack.world.instance("npa-3").pod,
                        "isRegex": False,
                        "isEqual": True,
                    }
                ],
                "startsAt": "2026-11-22T03:55:00Z",
                "endsAt": "2026-11-22T04:10:00Z",
                "createdBy": "alice",
                "comment": "ACK by alice from opsconsole@bastion",
            },
            start,
        )
        stack.alertmanager.silences.upsert(
            {
                "matchers": [{"name": "agent_type", "value": "wpa", "isRegex": False, "isEqual": True}],
                "startsAt": "2026-11-22T03:00:00Z",
                "endsAt": "2026-11-22T08:00:00Z",
                "createdBy": "bob",
                "comment": "wpa-2 memory leak, fix in JIRA-42",
            },
            start,
        )

        async def run(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("S")
            await pilot.pause(0.2)

        assert snap_compare(demo_app(urls), terminal_size=(140, 30), run_before=run)
