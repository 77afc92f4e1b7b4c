"""Ack, silence form with preview, confirmation and the silences screen, driven by keys on the demo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from opsconsole.core.silence_draft import SilenceDraft
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.confirm_screens import ConfirmScreen, TypedConfirmScreen
from opsconsole.ui.silence_screens import SilenceFormScreen, SilencesScreen
from tests.support.demo_fixtures import frozen_clock, running_demo
from tests.support.ui_harness import demo_app, queue_keys, select_alert, settle, static_text, work_done

Demo = tuple[DemoStack, DemoUrls]
SnapCompare = Callable[..., bool]


@pytest.fixture
def fresh_demo() -> Iterator[Demo]:
    """A demo stack of this test's own: these tests create silences."""
    with running_demo() as demo:
        yield demo


def _pod_silence(
    stack: DemoStack, agent: str, starts: str, ends: str, by: str, comment: str
) -> dict[str, Any]:
    """A silence body (as amtool or a colleague's console posts it) on one agent's pod."""
    pod = stack.world.instance(agent).pod
    matcher = {"name": "kubernetes_pod_name", "value": pod, "isRegex": False, "isEqual": True}
    return {"matchers": [matcher], "startsAt": starts, "endsAt": ends, "createdBy": by, "comment": comment}


def _alert_states(app: OpsConsoleApp) -> dict[str, str]:
    assert app.board is not None
    return {a.alertname: a.state for g in app.board.alerts for a in g.alerts}


async def test_ack_asks_then_silences_and_the_row_says_who(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a")
        await work_done(app)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.note == "matches 1 alert, all in this view"
        assert '"comment": "ACK by alice from opsconsole@' in app.screen.request
        assert "POST /api/v2/silences" in app.screen.request
        await pilot.press("y")
        await work_done(app)
        await settle(pilot)
        assert _alert_states(app)["AgentUnresponsive"] == "silenced"
        [ack] = [a.ack for g in app.board.alerts for a in g.alerts if a.alertname == "AgentUnresponsive"]  # type: ignore[union-attr]
        assert ack is not None
        assert ack.ack_by == "alice"
        # Who, for how long, and what is left: the text every view takes from AckFacts.
        assert ack.describe(app.options.clock()) == "ACK alice 0s · 15m left"
        # The simulated Alertmanager (what amtool would see) holds exactly that silence.
        assert [s.comment.split(" from ")[0] for s in stack.alertmanager.silences.all()] == ["ACK by alice"]


async def test_cancel_sends_nothing(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a")
        await work_done(app)
        await pilot.press("n")
        await work_done(app)
        assert not isinstance(app.screen, ConfirmScreen)
        assert stack.alertmanager.silences.all() == []
        assert app.silence_service.journal == []


async def _open_form(
    pilot: Pilot[Any], app: OpsConsoleApp, alert: str = "AgentHighLatency"
) -> SilenceFormScreen:
    await select_alert(pilot, app, alert)
    await pilot.press("s")
    await work_done(app)  # the form has counted every alert of the cluster
    form = app.screen
    assert isinstance(form, SilenceFormScreen)
    assert form.cluster_alerts is not None, form.cluster_error
    return form


async def test_silence_form_previews_validates_then_creates(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        form = await _open_form(pilot, app)
        await pilot.press("ctrl+s")  # no comment yet: refused in the form, nothing leaves
        await pilot.pause()
        assert isinstance(app.screen, SilenceFormScreen)
        assert form.draft is None
        form.query_one("#silence-matchers", Input).value = 'agent_type="npa"'
        await pilot.pause()
        assert form.radius is not None
        # npa-3's AgentUnresponsive and npa-2's AgentHighLatency, both in this view.
        assert form.radius.summary() == "matches 2 alerts, all in this view"
        assert not form.radius.needs_confirmation  # 2 of 11 is not more than half
        form.query_one("#silence-duration", Input).value = "4h"
        form.query_one("#silence-comment", Input).value = "npa rollback, INC-1234"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await work_done(app)
        assert isinstance(app.screen, ConfirmScreen)
        assert '"value": "npa"' in app.screen.request
        assert app.screen.note == "matches 2 alerts, all in this view"
        await pilot.press("enter")
        await work_done(app)
        await settle(pilot)
        states = _alert_states(app)
        assert states["AgentHighLatency"] == "silenced"
        assert states["AgentMemoryHigh"] == "firing"  # wpa-2: not matched
        [silence] = stack.alertmanager.silences.all()
        assert silence.created_by == "bob"
        assert silence.ends_at - silence.starts_at == pytest.approx(4 * 3600, abs=2)


async def test_a_silence_that_mutes_the_whole_cluster_needs_the_count_typed(fresh_demo: Demo) -> None:
    """The pack hides the Watchdog: the preview says so, and sending needs the count typed."""
    stack, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        form = await _open_form(pilot, app)
        form.query_one("#silence-matchers", Input).value = 'alertname=~".+"'
        form.query_one("#silence-comment", Input).value = "quiet please"
        await pilot.pause()
        assert form.radius is not None
        assert form.radius.summary() == "matches 11 alerts: 5 in this view, 6 outside this pack"
        preview = static_text(form.query_one("#silence-preview-text", Static))
        assert "typed confirmation needed: it mutes every alert of the cluster (11 of 11)" in preview
        assert "Watchdog" in preview and "outside this pack" in preview
        await pilot.press("ctrl+s")
        await work_done(app)
        confirm = app.screen
        assert isinstance(confirm, TypedConfirmScreen)
        shown = " ".join(static_text(w) for w in confirm.query(Static))
        assert "heartbeat alert Watchdog" in shown and "11 of 11" in shown
        await pilot.press("y", "enter")  # the reflex answer is not enough
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmScreen)
        assert "type 11 exactly" in static_text(confirm.query_one("#typed-problem", Static))
        await pilot.press("escape")
        await work_done(app)
        assert stack.alertmanager.silences.all() == []
        # Again, and this time the count is typed.
        await pilot.press("s")
        await work_done(app)
        again = app.screen
        assert isinstance(again, SilenceFormScreen)
        again.query_one("#silence-matchers", Input).value = 'alertname!~"^$"'
        again.query_one("#silence-comment", Input).value = "quiet please"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await work_done(app)
        assert isinstance(app.screen, TypedConfirmScreen)
        await pilot.press("1", "1", "enter")
        await work_done(app)
        [silence] = stack.alertmanager.silences.all()
        assert silence.comment == "quiet please"


async def test_acking_a_heartbeat_needs_the_count_typed(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.run_command("pack meta")  # the meta pack shows the Watchdog
        await settle(pilot)
        await select_alert(pilot, app, "Watchdog")
        await pilot.press("a")
        await work_done(app)
        confirm = app.screen
        assert isinstance(confirm, TypedConfirmScreen)
        assert confirm.radius.heartbeats == ("Watchdog",)
        assert confirm.radius.summary() == "matches 1 alert, all in this view"
        await pilot.press("1", "enter")
        await work_done(app)
        [ack] = stack.alertmanager.silences.all()
        assert ack.comment.startswith("ACK by bob")


async def test_keys_typed_just_before_ctrl_s_are_in_what_is_sent(fresh_demo: Demo) -> None:
    """A fast typist (or a paste without bracketed paste): the keys and ctrl+s arrive together."""
    _, urls = fresh_demo
    app = demo_app(urls, author="bob")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        form = await _open_form(pilot, app)
        sent: list[SilenceDraft | None] = []
        dismiss = form.dismiss

        def record(result: Any = None) -> Any:
            sent.append(result)
            return dismiss(result)

        form.dismiss = record  # type: ignore[method-assign]
        comment = "npa-2 rollback in progress, INC-1234"
        queue_keys(app, [*comment, "ctrl+s"])
        for _ in range(100):  # until every queued key has been handled
            await pilot.pause(0.05)
            if sent:
                break
        assert [d.comment if d else None for d in sent] == [comment]
        # What was sent is what was typed, not a prefix of it.
        await work_done(app)
        assert isinstance(app.screen, ConfirmScreen)
        assert f'"comment": "{comment}"' in app.screen.request


async def test_tab_and_shift_tab_move_between_the_form_fields(fresh_demo: Demo) -> None:
    _, urls = fresh_demo
    app = demo_app(urls)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await _open_form(pilot, app)
        assert app.focused is not None and app.focused.id == "silence-comment"
        await pilot.press("shift+tab")
        assert app.focused.id == "silence-author"
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused.id == "silence-matchers"
        await pilot.press("tab")
        assert app.focused.id == "silence-duration"
        assert app.active == "alerts"  # the panes behind did not move


async def test_silences_screen_expires_and_extends_with_confirmation(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="carol")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a")
        await work_done(app)
        await pilot.press("y")
        await work_done(app)
        # Straight to the silences screen: it shows the ack without waiting for the next refresh.
        await pilot.press("S")
        await work_done(app)
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        [view] = screen.silences
        assert view.matching == 1
        [ack] = stack.alertmanager.silences.all()
        ends_before = ack.ends_at
        await pilot.press("e")
        await work_done(app)
        assert isinstance(app.screen, ConfirmScreen)
        assert f'"id": "{view.id}"' in app.screen.request
        assert "the end moves from" in app.screen.note
        await pilot.press("y")
        await work_done(app)
        [extended] = [
            s for s in stack.alertmanager.silences.all() if s.state(app.options.clock()) == "active"
        ]
        # An hour past its current end, not an hour from now (which would have shortened it).
        assert extended.ends_at == pytest.approx(ends_before + 3600, abs=1)
        await pilot.press("x")
        await work_done(app)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.request.startswith("DELETE /api/v2/silence/")
        await pilot.press("y")
        await work_done(app)
        assert {s.state(app.options.clock()) for s in stack.alertmanager.silences.all()} == {"expired"}
        assert isinstance(app.screen, SilencesScreen)
        assert {v.state for v in app.screen.silences} == {"expired"}


async def test_extending_an_ended_silence_asks_to_recreate_it(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    now = frozen_clock()
    old = stack.alertmanager.silences.upsert(
        _pod_silence(
            stack,
            "npa-3",
            "2026-01-01T00:00:00Z",
            "2026-12-31T00:00:00Z",
            "alice",
            "ACK by alice from opsconsole@bastion",
        ),
        now - 7200,
    )
    stack.alertmanager.silences.expire(old, now - 600)
    app = demo_app(urls, author="carol")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await work_done(app)
        await pilot.press("e")
        await work_done(app)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.title_text == "Recreate ended silence"
        assert "extending recreates it as a new silence from now" in confirm.note
        await pilot.press("n")
        await work_done(app)
        assert [s.id for s in stack.alertmanager.silences.all()] == [old]
        await pilot.press("e")
        await work_done(app)
        await pilot.press("y")
        await work_done(app)
        [new] = [s for s in stack.alertmanager.silences.all() if s.id != old]
        assert new.ends_at == pytest.approx(now + 3600, abs=1)


async def test_r_refreshes_the_silences_screen(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await work_done(app)
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        assert screen.silences == []
        # Someone else silences something (amtool, a colleague's console).
        stack.alertmanager.silences.upsert(
            _pod_silence(
                stack, "wpa-2", "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z", "dave", "known leak"
            ),
            frozen_clock(),
        )
        await pilot.press("r")
        await work_done(app)
        assert [s.created_by for s in screen.silences] == ["dave"]
        assert screen.query_one(DataTable).row_count == 1


async def test_read_only_disables_ack_and_silence(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls)
    app.service.backends.read_only = True
    app.silence_service = app.new_silence_service()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
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
        await select_alert(pilot, app, "AgentHighLatency")
        await pilot.press("s")
        await work_done(app)  # every alert of the cluster counted
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
        assert isinstance(pilot.app, OpsConsoleApp)
        await work_done(pilot.app)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_snapshot_silences_screen(snap_compare: SnapCompare) -> None:
    with running_demo() as (stack, urls):
        start = stack.clock()
        stack.alertmanager.silences.upsert(
            _pod_silence(
                stack,
                "npa-3",
                "2026-11-22T03:55:00Z",
                "2026-11-22T04:10:00Z",
                "alice",
                "ACK by alice from opsconsole@bastion",
            ),
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

        # A typo'd pod name: it mutes nothing, and the screen marks it.
        typo = _pod_silence(stack, "npa-3", "2026-11-22T03:50:00Z", "2026-11-22T06:00:00Z", "dave", "typo")
        typo["matchers"][0]["value"] += "-typo"
        stack.alertmanager.silences.upsert(typo, start)

        async def run(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("S")
            await pilot.pause(0.2)
            await pilot.press("space")  # one selected, for a bulk expire or extend
            await pilot.pause(0.2)

        assert snap_compare(demo_app(urls), terminal_size=(140, 30), run_before=run)


async def test_silences_screen_marks_hygiene_and_expires_a_selection_at_once(fresh_demo: Demo) -> None:
    stack, urls = fresh_demo
    app = demo_app(urls, author="carol")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await select_alert(pilot, app, "AgentUnresponsive")
        await pilot.press("a", "y")
        await work_done(app)
        start = app.options.clock()
        # A silence for a pod that does not exist (a typo): it mutes nothing.
        typo = _pod_silence(stack, "npa-3", "2026-11-22T03:55:00Z", "2026-11-22T09:00:00Z", "dave", "typo")
        typo["matchers"][0]["value"] += "-typo"
        stack.alertmanager.silences.upsert(typo, start)
        await pilot.press("S")
        await work_done(app)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        by_author = {v.created_by: v for v in screen.silences}
        assert by_author["carol"].mutes == 1 and by_author["dave"].mutes == 0
        assert by_author["dave"].hygiene(start).marks() == ("mutes nothing",)
        assert "1 mute nothing" in static_text(screen.query_one("#silences-title", Static))
        table = screen.query_one(DataTable)
        marks = {str(table.get_row_at(i)[5]): str(table.get_row_at(i)[4]) for i in range(table.row_count)}
        assert marks == {"carol": "ends within 1h", "dave": "mutes nothing"}  # the ack lasts 15m
        await pilot.press("space", "j", "space")
        assert len(screen.chosen) == 2
        await pilot.press("x")
        await work_done(app)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.title_text == "Expire 2 silences"
        assert confirm.note == "They mute 1 alerts now: AgentUnresponsive."
        assert confirm.request.count("DELETE /api/v2/silence/") == 2
        await pilot.press("y")
        await work_done(app)
        assert {s.state(app.options.clock()) for s in stack.alertmanager.silences.all()} == {"expired"}
