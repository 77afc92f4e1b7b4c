"""The console's silences screen across every context (``:silences *``, ``*`` on the screen), on real
Alertmanagers: prod is an HA pair (its silences once, not per peer), staging is read-only (its rows
locked, nothing sent), a dead context says so without delaying the rest, and a bulk expire goes to
each silence's own context through the safe mutation path."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from opsconsole.cli import main
from opsconsole.config import Overrides, load_config, resolve_context
from opsconsole.core.dashboard import SilenceView
from opsconsole.core.silence_rows import ContextSilences, merge_silences
from opsconsole.launch import console_options
from opsconsole.mutations.silences import default_journal_path
from opsconsole.refresh.session import load_pack_set
from opsconsole.ui.app import OpsConsoleApp
from opsconsole.ui.confirm_screens import ConfirmScreen
from opsconsole.ui.silence_screens import SilencesScreen
from tests.support.hanging_port import hanging_url_fixture  # noqa: F401 (the fixture hanging_url)
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, free_port, start_alertmanager, wait_until
from tests.support.recording_proxy import recording_proxy
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT, static_text, work_done

# After the machine's date, so Alertmanager keeps every silence; the screen reads time from here.
NOW = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
DEAD = "http://127.0.0.1:9"
Servers = tuple[RunningAlertmanager, RunningAlertmanager, RunningAlertmanager]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _post_alerts(am: RunningAlertmanager, *labels: dict[str, str]) -> None:
    body = [{"labels": lab, "startsAt": _iso(time.time()), "endsAt": _iso(NOW + 86400)} for lab in labels]
    http_client().post(f"{am.url}/api/v2/alerts", json=body, timeout=10).raise_for_status()


def _silence(am: RunningAlertmanager, name: str, ends_in: float, by: str, comment: str) -> str:
    body = {
        "matchers": [{"name": "alertname", "value": name, "isRegex": False, "isEqual": True}],
        "startsAt": _iso(time.time()),
        "endsAt": _iso(NOW + ends_in),
        "createdBy": by,
        "comment": comment,
    }
    answer = http_client().post(f"{am.url}/api/v2/silences", json=body, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["silenceID"])


def _listed(am: RunningAlertmanager, what: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = http_client().get(f"{am.url}/api/v2/{what}", timeout=10).json()
    return answer


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """prod: an HA pair (alerts sent to both, as Prometheus does); staging: one Alertmanager."""
    port = free_port()
    prod_a = start_alertmanager(tmp_path_factory.mktemp("prod-a"), cluster_port=port)
    prod_b = start_alertmanager(tmp_path_factory.mktemp("prod-b"), cluster_peers=[f"127.0.0.1:{port}"])
    staging = start_alertmanager(tmp_path_factory.mktemp("staging"))
    try:
        for peer in (prod_a, prod_b):
            _post_alerts(
                peer,
                {"alertname": "Busy", "instance": "a"},
                {"alertname": "Busy", "instance": "b"},
                {"alertname": "Lonely", "instance": "c"},
            )
        _post_alerts(staging, {"alertname": "DiskFull", "instance": "db-1"})
        for peer, count in ((prod_a, 3), (prod_b, 3), (staging, 1)):
            wait_until(lambda p=peer, n=count: len(_listed(p, "alerts")) == n, timeout=20, what="alerts")
        yield prod_a, prod_b, staging
    finally:
        for server in (prod_a, prod_b, staging):
            server.stop()


@pytest.fixture(scope="module")
def silences(servers: Servers) -> dict[str, str]:
    """Made on one prod peer and gossiped to the other; one on staging. Nothing here expires them
    (the bulk expire has an Alertmanager of its own), so every test sees the same four."""
    prod_a, prod_b, staging = servers
    made = {
        "busy": _silence(prod_a, "Busy", 5 * 3600, "alice", "deploy of api, INC-7"),
        "soon": _silence(prod_a, "Lonely", 1800, "bob", "disk swap on c"),
        "gone": _silence(prod_a, "Renamed", 3 * 3600, "carol", "typo'd alert name"),
        "disk": _silence(staging, "DiskFull", 2 * 3600, "dave", "db-1 volume grows, CHG-12"),
    }
    prod_ids = {made["busy"], made["soon"], made["gone"]}
    wait_until(lambda: prod_ids <= {s["id"] for s in _listed(prod_b, "silences")}, timeout=20, what="gossip")
    # Alertmanager marks alerts silenced on its next pass.
    wait_until(
        lambda: all(any(a["status"]["silencedBy"] for a in _listed(p, "alerts")) for p in servers),
        timeout=20,
        what="the silences to mute",
    )
    return made


def _console(
    tmp_path: Path,
    servers: Servers,
    *,
    staging_url: str | None = None,
    prod_url: str | None = None,
    prod_ro: bool = False,
) -> OpsConsoleApp:
    """A console on prod (config file with prod, staging read-only, and a dead context; with
    ``prod_ro``, a read-only context on prod's own Alertmanagers as well)."""
    prod_a, prod_b, _ = servers
    staging = staging_url or servers[2].url
    path = tmp_path / "config.yaml"
    # Peers are named: their ports change every run, and a snapshot must not.
    # No timeout is under test here (a hung context is told by its state, before any deadline), so
    # every endpoint's only has to outlast a loaded machine: at load 20 "dead" said "no answer within
    # 2s" instead of "connection refused", and a healthy Alertmanager could miss the default 10 s.
    t = f"timeout: {HEALTHY_STACK_TIMEOUT:g}"
    pair = f"{{url: '{prod_a.url}', name: prod-a, {t}}}, {{url: '{prod_b.url}', name: prod-b, {t}}}"
    if prod_url is not None:
        pair = f"{{url: '{prod_url}', name: prod-a, {t}}}"
    path.write_text(
        "contexts:\n"
        f"  prod: {{alertmanagers: [{pair}]}}\n"
        f"  staging: {{read_only: true, alertmanagers: [{{url: '{staging}', name: st, {t}}}]}}\n"
        f"  dead: {{alertmanagers: [{{url: '{DEAD}', name: dead, {t}}}]}}\n"
        + (f"  prod-ro: {{read_only: true, alertmanagers: [{pair}]}}\n" if prod_ro else "")
    )
    config, _ = load_config(path)

    def resolve(name: str) -> Any:
        return resolve_context(config, Overrides(context=name), {}, path)

    context = resolve("prod")
    options = console_options(
        context, load_pack_set(context), pack=None, variables={}, theme=None, resolve=resolve
    )
    return OpsConsoleApp(replace(options, clock=lambda: NOW, auto_refresh=False, notices=[]))


async def _every_read(pilot: Pilot[Any]) -> SilencesScreen:
    """``:silences *`` and wait until every context has answered (or failed)."""
    app = pilot.app
    assert isinstance(app, OpsConsoleApp)
    await pilot.press(":", *"silences *", "enter")
    deadline = time.monotonic() + 30
    screen = app.screen
    while time.monotonic() < deadline:
        screen = app.screen
        if isinstance(screen, SilencesScreen) and screen.every is not None:
            states = screen.every.read_states()
            if not screen.every_refreshing and not any(s.waiting for s in states):
                break
        await pilot.pause(0.1)
    assert isinstance(screen, SilencesScreen) and screen.every is not None
    await pilot.pause(0.2)
    return screen


def _table(screen: SilencesScreen) -> dict[str, list[str]]:
    """Each row's cells by author (the authors are unique here)."""
    table: DataTable[Any] = screen.query_one(DataTable)
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return {row[6]: row for row in rows}


async def test_every_context_on_one_screen_ha_once_read_only_locked(
    tmp_path: Path, servers: Servers, silences: dict[str, str]
) -> None:
    app = _console(tmp_path, servers)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await _every_read(pilot)
        rows = _table(screen)
        # Each prod silence once, though both HA peers hold it; staging's with its context.
        assert sorted(rows) == ["alice", "bob", "carol", "dave"]
        assert [rows[a][1] for a in ("alice", "bob", "carol")] == ["prod"] * 3
        assert rows["dave"][1] == "staging RO"
        assert (rows["alice"][4], rows["alice"][5]) == ("2", "")
        assert (rows["bob"][4], rows["bob"][5]) == ("1", "ends within 1h")
        assert (rows["carol"][4], rows["carol"][5]) == ("0", "mutes nothing")
        assert (rows["dave"][4], rows["dave"][3]) == ("1", "in 2h")
        title = static_text(screen.query_one("#silences-title", Static))
        assert "Silences of every context (4 of 4) · 1 mute nothing · 1 end within 1h" in title
        status = static_text(screen.query_one("#silences-contexts", Static))
        assert "2 of 3 contexts read: prod, staging" in status
        assert "dead ✖" in status and "never read" in status
        assert "read-only (RO rows cannot be expired or extended here): staging" in status
        # The filter knows the context.
        await pilot.press("slash", *"staging", "enter")
        assert list(_table(screen)) == ["dave"]
        await pilot.press("slash", "ctrl+u", "enter")  # ctrl+u clears the box
        assert len(_table(screen)) == 4
        # * goes back to this context's silences, and again to every context's.
        await pilot.press("asterisk")
        assert not screen.every_shown and "Context" not in [
            str(c.label) for c in screen.query_one(DataTable).columns.values()
        ]
        await pilot.press("asterisk")
        assert screen.every_shown


async def test_read_only_rows_cannot_be_changed_and_nothing_is_sent(
    tmp_path: Path, servers: Servers, silences: dict[str, str]
) -> None:
    with recording_proxy(servers[2].url) as proxy:
        app = _console(tmp_path, servers, staging_url=proxy.url)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await _every_read(pilot)
            table = screen.query_one(DataTable)
            dave = next(i for i in range(table.row_count) if str(table.get_row_at(i)[6]) == "dave")
            table.move_cursor(row=dave)
            await pilot.press("space")
            assert screen.chosen == set()  # a locked row is not selected
            await pilot.press("x")
            await work_done(app)
            assert app.screen is screen  # no confirmation: nothing to send
            await pilot.press("e")
            await work_done(app)
            assert app.screen is screen
            # Even a request that got past the screen is refused by the context's own service.
            event = SilencesScreen.ChangeRequested([screen.selected()], "expire", screen.every)  # type: ignore[list-item]
            app.silences.change_requested(event)
            await work_done(app)
            if isinstance(app.screen, ConfirmScreen):
                await pilot.press("y")
                await work_done(app)
            assert any("read-only" in m for m in app.messages)
        assert proxy.writes() == []
    assert {s["status"]["state"] for s in _listed(servers[2], "silences") if s["id"] == silences["disk"]} == {
        "active"
    }


async def test_bulk_expire_across_the_writable_silences_goes_through_the_safe_path(
    tmp_path: Path, servers: Servers, silences: dict[str, str]
) -> None:
    prod = start_alertmanager(tmp_path / "prod-bulk")  # this test expires: its own prod
    try:
        _post_alerts(prod, {"alertname": "Busy", "instance": "a"}, {"alertname": "Lonely", "instance": "c"})
        wait_until(lambda: len(_listed(prod, "alerts")) == 2, timeout=20, what="alerts")
        made = {
            "busy": _silence(prod, "Busy", 5 * 3600, "alice", "deploy"),
            "soon": _silence(prod, "Lonely", 1800, "bob", "disk swap"),
            "gone": _silence(prod, "Renamed", 3 * 3600, "carol", "typo"),
        }
        wait_until(
            lambda: all(a["status"]["silencedBy"] for a in _listed(prod, "alerts")), timeout=20, what="mutes"
        )
        app = _console(tmp_path, servers, prod_url=prod.url)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await _every_read(pilot)
            table = screen.query_one(DataTable)
            authors = [str(table.get_row_at(i)[6]) for i in range(table.row_count)]
            for author in ("alice", "bob"):
                table.move_cursor(row=authors.index(author))
                await pilot.press("space")
            assert len(screen.chosen) == 2
            await pilot.press("x")
            await work_done(app)
            confirm = app.screen
            assert isinstance(confirm, ConfirmScreen)
            assert confirm.title_text == "Expire 2 silences"
            assert confirm.note == "They mute 2 alerts now: Busy, Lonely."
            await pilot.press("y")
            await work_done(app)
        states = {s["id"]: s["status"]["state"] for s in _listed(prod, "silences")}
        assert [states[made[k]] for k in ("busy", "soon", "gone")] == ["expired", "expired", "active"]
        journal = [json.loads(line) for line in default_journal_path().read_text().splitlines()]
        assert sorted((e["method"], e["path"], e["outcome"]) for e in journal[-2:]) == sorted(
            ("DELETE", f"api/v2/silence/{made[k]}", "ok") for k in ("busy", "soon")
        )
    finally:
        prod.stop()


async def test_a_hanging_context_delays_nobody(
    tmp_path: Path, servers: Servers, silences: dict[str, str], request: pytest.FixtureRequest
) -> None:
    app = _console(tmp_path, servers, staging_url=request.getfixturevalue("hanging_url"))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press(":", *"silences *", "enter")
        screen = app.screen
        assert isinstance(screen, SilencesScreen) and screen.every is not None
        every = screen.every
        wait_until_drawn = time.monotonic() + 60
        while len(_table(screen)) < 3 and time.monotonic() < wait_until_drawn:
            await pilot.pause(0.05)
        # prod's rows are drawn while the hung context is still within its deadline.
        assert sorted(_table(screen)) == ["alice", "bob", "carol"]
        assert every.states["staging"].waiting
        status = static_text(screen.query_one("#silences-contexts", Static))
        assert "staging … waiting" in status


async def test_an_answer_landing_while_the_screen_closes_draws_nothing_and_raises_nothing(
    tmp_path: Path, servers: Servers, silences: dict[str, str]
) -> None:
    """Textual removes a screen's widgets before the screen itself: a context's answer landing in
    between (a hung context's at its deadline, as the app quits) found no table and failed the
    refresh worker, which ends the app with an error."""
    app = _console(tmp_path, servers)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await _every_read(pilot)
        assert _table(screen)  # drawn
        await screen.query_one(DataTable).remove()  # the moment between the two removals
        screen.show(screen.silences)  # this context's answer
        screen.render_rows()  # and every context's
        assert not screen.query(DataTable)
    assert app.return_code in (0, None)


def test_two_contexts_on_one_alertmanager_are_one_row_changed_through_the_writable_one() -> None:
    view = SilenceView(
        id="s1", state="active", matchers='a="1"', created_by="x", comment="", starts_at=0, ends_at=10
    )
    shared = frozenset({"http://am:9093"})
    places = [
        ContextSilences("prod-ro", True, shared, (("", view, (("f1", "A"),)),)),
        ContextSilences("prod", False, shared, (("", view, (("f1", "A"),)),)),
        ContextSilences("lab", True, frozenset({"http://lab:9093"}), (("", view, ()),)),
    ]
    rows = merge_silences(places, "{context} is read-only")
    assert [(r.contexts, r.via, r.locked) for r in rows] == [
        (("prod-ro", "prod"), "prod", ""),
        (("lab",), "lab", "lab is read-only"),
    ]


@pytest.mark.parametrize("size", [(140, 30), (80, 24)], ids=["140x30", "80x24"])
def test_snapshot_silences_of_every_context(
    snap_compare: Callable[..., bool],
    tmp_path: Path,
    servers: Servers,
    silences: dict[str, str],
    size: tuple[int, int],
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        screen = await _every_read(pilot)
        table = screen.query_one(DataTable)
        authors = [str(table.get_row_at(i)[6]) for i in range(table.row_count)]
        table.move_cursor(row=authors.index("carol"))
        await pilot.press("space")  # one selected
        await pilot.pause(0.2)

    assert snap_compare(_console(tmp_path, servers), terminal_size=size, run_before=run)


async def test_silence_list_all_contexts_prints_the_rows_the_screen_shows(
    tmp_path: Path, servers: Servers, silences: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``silence list --all-contexts`` reads through the screen's own module: the same rows (HA peers
    and the Alertmanagers prod-ro shares with prod once), the same RO marks, the same context failed."""
    app = _console(tmp_path, servers, prod_ro=True)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await _every_read(pilot)
        assert screen.every is not None
        shown = {
            (r.silence.id, r.contexts, r.via, r.cluster, bool(r.locked), r.silence.mutes)
            for r in screen.every.rows()
        }
        failed_on_screen = {s.context for s in screen.every.read_states() if not s.ok}
    config = str(tmp_path / "config.yaml")
    # The CLI runs its own event loop: in a thread, as it would in a shell beside the console.
    code = await asyncio.to_thread(main, ["--config", config, "silence", "list", "--all-contexts", "--json"])
    out, err = capsys.readouterr()
    listed = json.loads(out)
    printed = {
        (s["id"], tuple(s["contexts"]), s["context"], s["cluster"], s["read_only"], s["mutes"])
        for s in listed
    }
    assert printed == shown
    assert len(listed) == len(silences) == 4  # once each: not per HA peer, nor per context sharing them
    busy, disk = (next(s for s in listed if s["id"] == silences[k]) for k in ("busy", "disk"))
    # Seen from prod and prod-ro, changed through prod (it may write): not locked.
    assert (busy["contexts"], busy["context"], busy["read_only"]) == (["prod", "prod-ro"], "prod", False)
    assert (disk["contexts"], disk["read_only"]) == (["staging"], True)
    # As Alertmanager sent it, like the one-context listing.
    assert busy["createdBy"] == "alice" and busy["matchers"][0]["value"] == "Busy"
    # The one context that could not be read, in both, and the exit status says so.
    assert failed_on_screen == {"dead"}
    assert code == 1
    not_read = {line.split(":")[1].strip() for line in err.splitlines() if "silences not read" in line}
    assert not_read == failed_on_screen
    await asyncio.to_thread(main, ["--config", config, "silence", "list", "--all-contexts"])
    text = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"staging RO  {silences['disk']}") for line in text), text
    assert any(line.startswith(f"prod,prod-ro  {silences['busy']}") for line in text), text
