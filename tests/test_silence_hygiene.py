"""Silence hygiene on real Alertmanagers: what each silence mutes now, the marks, every context, and
bulk expire/extend through the one safe path."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opsconsole.cli import main
from opsconsole.commands.silence import BlastRadiusRefused, confirm_bulk
from opsconsole.core.silence_hygiene import SilenceHygiene, mutes_by_silence
from opsconsole.mutations.silences import default_journal_path
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, start_alertmanager, wait_until
from tests.support.recording_proxy import recording_proxy

DEAD = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def am(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAlertmanager]:
    server = start_alertmanager(tmp_path_factory.mktemp("am-hygiene"))
    try:
        now = datetime.now(UTC)
        body = [
            {"labels": labels, "startsAt": _iso(now), "endsAt": _iso(now + timedelta(hours=2))}
            for labels in (
                {"alertname": "Busy", "instance": "a"},
                {"alertname": "Busy", "instance": "b"},
                {"alertname": "Lonely", "instance": "c"},
            )
        ]
        http_client().post(f"{server.url}/api/v2/alerts", json=body, timeout=10).raise_for_status()
        wait_until(lambda: len(_get(server, "alerts")) == 3, timeout=20, what="the alerts")
        yield server
    finally:
        server.stop()


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _get(am: RunningAlertmanager, what: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = http_client().get(f"{am.url}/api/v2/{what}", timeout=10).json()
    return answer


def _silence(am: RunningAlertmanager, name: str, *, starts: float = 0, ends: float = 7200) -> str:
    now = datetime.now(UTC)
    body = {
        "matchers": [{"name": "alertname", "value": name, "isRegex": False, "isEqual": True}],
        "startsAt": _iso(now + timedelta(seconds=starts)),
        "endsAt": _iso(now + timedelta(seconds=ends)),
        "createdBy": "test",
        "comment": f"hygiene {name}",
    }
    answer = http_client().post(f"{am.url}/api/v2/silences", json=body, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["silenceID"])


def _state(am: RunningAlertmanager, silence_id: str) -> str:
    return str(
        http_client().get(f"{am.url}/api/v2/silence/{silence_id}", timeout=10).json()["status"]["state"]
    )


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def silences(am: RunningAlertmanager) -> Iterator[dict[str, str]]:
    made = {
        "busy": _silence(am, "Busy"),
        "gone": _silence(am, "Renamed"),  # a typo'd or renamed alert: it holds nothing
        "soon": _silence(am, "Lonely", ends=1800),
        "later": _silence(am, "Busy", starts=3600, ends=7200),  # pending
    }
    yield made
    for silence_id in made.values():
        http_client().delete(f"{am.url}/api/v2/silence/{silence_id}", timeout=10)


def test_list_says_what_each_silence_mutes_and_marks_the_dangerous_ones(
    am: RunningAlertmanager, silences: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "silence", "list", "--alertmanager", am.url, "--json")
    assert code == 0, err
    listed = {s["id"]: s for s in json.loads(out)}
    busy, gone, soon, later = (listed[silences[k]] for k in ("busy", "gone", "soon", "later"))
    assert (busy["mutes"], busy["marks"]) == (2, [])
    assert (gone["mutes"], gone["marks"]) == (0, ["mutes nothing"])
    assert (soon["mutes"], soon["marks"]) == (1, ["ends within 1h"])
    assert soon["ends_within_1h"] and not busy["ends_within_1h"]
    assert later["status"]["state"] == "pending" and later["marks"] == [] and later["mutes"] == 0
    code, out, err = _run(capsys, "silence", "list", "--alertmanager", am.url)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith(silences["gone"]))
    assert "mutes 0" in line and "⚠ mutes nothing" in line
    code, out, err = _run(capsys, "silence", "list", "--alertmanager", am.url, "--unused", "--json")
    assert code == 0, err
    assert [s["id"] for s in json.loads(out)] == [silences["gone"]]


def test_every_context_is_listed_and_a_dead_one_is_said(
    am: RunningAlertmanager, silences: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = start_alertmanager(tmp_path / "other")
    try:
        elsewhere = _silence(other, "Nowhere")
        config = tmp_path / "config.yaml"
        config.write_text(
            "contexts:\n"
            f"  prod: {{alertmanagers: [{{url: '{am.url}'}}]}}\n"
            f"  staging: {{read_only: true, alertmanagers: [{{url: '{other.url}'}}]}}\n"
            f"  dead: {{alertmanagers: [{{url: '{DEAD}', timeout: 2}}]}}\n"
        )
        code, out, err = _run(capsys, "--config", str(config), "silence", "list", "--all-contexts", "--json")
        assert code == 1  # one context could not be read, and it says which
        assert "dead" in err and "silences not read" in err
        listed = {s["id"]: s for s in json.loads(out)}
        assert listed[silences["gone"]]["context"] == "prod"
        assert listed[elsewhere]["context"] == "staging" and listed[elsewhere]["marks"] == ["mutes nothing"]
        code, out, err = _run(capsys, "--config", str(config), "silence", "list", "--all-contexts")
        assert f"staging RO  {elsewhere}" in out and f"prod  {silences['busy']}" in out
    finally:
        other.stop()


def test_bulk_expire_asks_with_what_they_mute_and_goes_through_the_safe_path(
    am: RunningAlertmanager, silences: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [silences["busy"], silences["soon"]]
    code, _, err = _run(capsys, "silence", "expire", *ids, "--alertmanager", am.url)
    assert code == 2
    assert "Expire 2 silences, which mute 3 alerts now: Busy, Lonely" in err and "--force" in err
    assert {_state(am, i) for i in ids} == {"active"}
    with recording_proxy(am.url) as proxy:
        code, _, err = _run(
            capsys, "silence", "expire", *ids, "--alertmanager", proxy.url, "--read-only", "--force"
        )
        assert code == 1 and "read-only" in err
        assert proxy.writes() == []
    code, out, err = _run(capsys, "silence", "expire", *ids, "--alertmanager", am.url, "--force", "--json")
    assert code == 0, err
    assert [e["expired"] for e in json.loads(out)] == ids
    assert {_state(am, i) for i in ids} == {"expired"}
    journal = default_journal_path().read_text().splitlines()  # the test's own XDG state dir
    sent = [json.loads(line) for line in journal[-2:]]
    assert [(e["method"], e["path"], e["outcome"]) for e in sent] == [
        ("DELETE", f"api/v2/silence/{i}", "ok") for i in ids
    ]


def test_bulk_extend_pushes_each_end(
    am: RunningAlertmanager, silences: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [silences["soon"], silences["gone"]]
    code, out, err = _run(
        capsys, "silence", "extend", *ids, "--by", "1h", "--alertmanager", am.url, "--force"
    )
    assert code == 0, err
    assert len(out.splitlines()) == 2 and all("now ends" in line for line in out.splitlines())
    code, out, _ = _run(capsys, "silence", "list", "--alertmanager", am.url, "--json")
    listed = {s["id"]: s for s in json.loads(out)}
    assert listed[silences["soon"]]["marks"] == []  # no longer ends within the hour


def test_at_a_terminal_typing_the_count_confirms_a_bulk_change() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = io.StringIO()
    confirm_bulk("Expire", 3, ["A", "B"], force=False, stdin=Terminal("3\n"), stderr=err)
    assert "Expire 3 silences, which mute 2 alerts now: A, B" in err.getvalue()
    with pytest.raises(BlastRadiusRefused):
        confirm_bulk("Expire", 3, ["A"], force=False, stdin=Terminal("2\n"), stderr=io.StringIO())


def test_the_marks_follow_the_state_and_the_hour() -> None:
    assert mutes_by_silence([["s1", "s2"], ["s1"], ["s1", "s1"]]) == {"s1": 3, "s2": 1}
    assert SilenceHygiene("active", 0, 10_000, 0).marks() == ("mutes nothing",)
    assert SilenceHygiene("active", 1, 3600, 0).marks() == ("ends within 1h",)
    assert SilenceHygiene("active", 1, 3601, 0).marks() == ()
    assert SilenceHygiene("pending", 0, 100, 0).marks() == ()
    assert SilenceHygiene("expired", 0, 100, 0).marks() == ()
