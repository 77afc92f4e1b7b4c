"""Silences and acks from the command line on a real HA pair of Alertmanagers.

Every read and write fails over the same way (first peer dead), a silence that mutes too much is
refused without --force, extend never shortens, and read-only given any way sends no write at all.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opsconsole.cli import main
from opsconsole.commands.silence import BlastRadiusRefused, confirm_blast_radius
from opsconsole.core.silence_blast_radius import BlastRadius, ClusterAlert, blast_radius
from opsconsole.core.silence_draft import SilenceDraft, parse_draft_matchers
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, wait_until
from tests.support.recording_proxy import recording_proxy

Pair = tuple[RunningAlertmanager, RunningAlertmanager]
DEAD = "http://127.0.0.1:9"
# The cluster as the issue saw it: the heartbeat and two alerts, all with the external label.
ALERTS = [
    {"alertname": "Watchdog", "severity": "none", "cluster": "prod"},
    {"alertname": "AgentDown", "instance": "npa-3", "severity": "critical", "cluster": "prod"},
    {"alertname": "HighLatency", "instance": "npa-2", "severity": "warning", "cluster": "prod"},
]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def pair(am_cluster: Pair) -> Pair:
    """The HA pair holding the three alerts (Prometheus sends every alert to every peer)."""
    now = datetime.now(UTC)
    body = [
        {"labels": labels, "annotations": {}, "startsAt": _iso(now), "endsAt": _iso(now + timedelta(hours=2))}
        for labels in ALERTS
    ]
    for am in am_cluster:
        http_client().post(f"{am.url}/api/v2/alerts", json=body, timeout=10).raise_for_status()
    for am in am_cluster:
        wait_until(lambda am=am: len(_alerts(am.url)) == 3, timeout=20, what="the alerts on each peer")
    return am_cluster


def _alerts(url: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = http_client().get(f"{url}/api/v2/alerts", timeout=10).json()
    return answer


def _fingerprint(url: str, name: str) -> str:
    return next(str(a["fingerprint"]) for a in _alerts(url) if a["labels"]["alertname"] == name)


def _silences(url: str) -> dict[str, dict[str, Any]]:
    answer = http_client().get(f"{url}/api/v2/silences", timeout=10).json()
    return {str(s["id"]): s for s in answer}


def _live(url: str) -> set[str]:
    return {i for i, s in _silences(url).items() if s["status"] == {"state": "active"}}


def _end(url: str, silence_id: str) -> float:
    ends = str(_silences(url)[silence_id]["endsAt"])
    return datetime.fromisoformat(ends.replace("Z", "+00:00")).timestamp()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _expire_all(url: str) -> None:
    for silence_id in _live(url):
        http_client().delete(f"{url}/api/v2/silence/{silence_id}", timeout=10)


# -- one failover for every call, first peer dead -----------------------------------------------


def test_ack_and_dry_run_fail_over_like_every_other_call(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = pair
    peers = ["--alertmanager", DEAD, "--alertmanager", second.url]
    fingerprint = _fingerprint(second.url, "AgentDown")
    code, out, err = _run(capsys, "ack", fingerprint, *peers, "--author", "bob", "--json")
    assert code == 0, err
    ack = json.loads(out)["silenceID"]
    # Written once, to the live peer, and gossiped to the other: one silence, on both.
    wait_until(lambda: ack in _silences(first.url), timeout=20, what="the ack gossiped")
    code, out, err = _run(capsys, "silence", "add", 'instance="npa-2"', "--comment", "x", *peers, "--dry-run")
    assert code == 0, err
    assert "would mute 1 of 3 alerts: HighLatency (npa-2)" in out
    code, out, err = _run(capsys, "silence", "list", *peers)
    assert code == 0 and ack in out and "ACK by bob" in out
    code, out, err = _run(capsys, "silence", "extend", ack, "--by", "10m", *peers)
    assert code == 0, err
    extended = out.split()[0]
    code, out, err = _run(capsys, "silence", "expire", extended, *peers)
    assert code == 0, err
    assert extended not in _live(second.url)


def test_every_peer_down_names_each_peer(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys, "ack", "0123456789abcdef", "--alertmanager", DEAD, "--alertmanager", "http://127.0.0.1:7"
    )
    assert code == 1
    assert (
        "no Alertmanager peer answered (127.0.0.1:9: connection refused; 127.0.0.1:7: connection refused)"
        in err
    )


# -- blast radius ---------------------------------------------------------------------------------


@pytest.mark.parametrize("matchers", ['alertname=~".+"', 'alertname!~"^$"', 'cluster="prod"'])
def test_a_silence_muting_everything_is_refused_without_a_terminal(pair: Pair, matchers: str) -> None:
    _, second = pair
    before = _live(second.url)
    # The real entry point, stdin not a terminal (a script, cron, a pipe).
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "opsconsole",
            "silence",
            "add",
            matchers,
            "--comment",
            "x",
            *["--alertmanager", second.url],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert "refused, nothing was sent: it mutes every alert of the cluster (3 of 3)" in result.stderr
    assert "heartbeat alert Watchdog" in result.stderr
    assert "Watchdog, AgentDown (npa-3), HighLatency (npa-2)" in result.stderr
    assert "--force" in result.stderr
    assert _live(second.url) == before


def test_force_sends_it_and_says_what_it_mutes(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    _, second = pair
    code, out, err = _run(
        capsys, "silence", "add", 'alertname=~".+"', "--comment", "x", "--alertmanager", second.url, "--force"
    )
    assert code == 0, err
    assert "--force: sending although it mutes every alert of the cluster (3 of 3)" in err
    assert out.strip() in _live(second.url)
    _expire_all(second.url)


def test_dry_run_says_what_it_would_mute_and_that_it_needs_confirmation(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    _, second = pair
    code, out, _ = _run(
        capsys,
        "silence",
        "add",
        'cluster="prod"',
        "--comment",
        "x",
        "--alertmanager",
        second.url,
        "--dry-run",
    )
    assert code == 0
    assert "would mute 3 of 3 alerts: Watchdog, AgentDown (npa-3), HighLatency (npa-2)" in out
    # The context's pack (progressive-framework) shows none of these: its matchers want a namespace.
    assert "matches 3 alerts: 0 in this view, 3 outside this pack" in out
    assert "needs confirmation: it mutes every alert of the cluster (3 of 3)" in out


def test_acking_the_heartbeat_is_refused_without_force(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    _, second = pair
    watchdog = _fingerprint(second.url, "Watchdog")
    before = _live(second.url)
    code, _, err = _run(capsys, "ack", watchdog, "--alertmanager", second.url)
    assert code == 2
    assert "heartbeat alert Watchdog" in err and "It mutes 1 of 3 alerts: Watchdog." in err
    assert _live(second.url) == before
    code, out, err = _run(capsys, "ack", watchdog, "--alertmanager", second.url, "--force")
    assert code == 0, err
    assert out.strip() in _live(second.url)
    _expire_all(second.url)


def test_the_share_limit_comes_from_the_config(
    pair: Pair, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, second = pair
    config = tmp_path / "config.yaml"
    argv = ["silence", "add", 'severity=~"critical|warning"', "--comment", "x", "--dry-run"]
    argv += ["--alertmanager", second.url, "--config", str(config)]
    config.write_text("silence_blast_radius: 0.5\n")
    _, out, _ = _run(capsys, *argv)
    assert "needs confirmation: it mutes 2 of 3 alerts (67%), more than silence_blast_radius (50%)" in out
    config.write_text("silence_blast_radius: 0.7\n")
    _, out, _ = _run(capsys, *argv)
    assert "needs confirmation" not in out


def _radius() -> BlastRadius:
    draft = SilenceDraft(parse_draft_matchers('cluster="prod"'), 0, 60, "a", "b")
    alerts = [ClusterAlert(str(i), labels) for i, labels in enumerate(ALERTS)]
    return blast_radius(draft, alerts)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_typing_the_count_confirms() -> None:
    radius = _radius()
    shown = io.StringIO()
    confirm_blast_radius(radius, force=False, stdin=_Terminal("3\n"), stderr=shown)
    assert "Type 3 to send it" in shown.getvalue()
    for answer in ("y\n", "yes\n", "\n", ""):
        with pytest.raises(BlastRadiusRefused, match="not confirmed"):
            confirm_blast_radius(radius, force=False, stdin=_Terminal(answer), stderr=io.StringIO())


# -- extend -----------------------------------------------------------------------------------------


def _add(capsys: pytest.CaptureFixture[str], url: str, duration: str = "2h") -> str:
    code, out, err = _run(
        capsys,
        "silence",
        "add",
        'alertname="AgentDown"',
        "--duration",
        duration,
        "--comment",
        "ext",
        "--alertmanager",
        url,
    )
    assert code == 0, err
    return out.strip()


def test_extend_adds_to_the_current_end(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    _, second = pair
    silence_id = _add(capsys, second.url)
    end = _end(second.url, silence_id)
    code, out, err = _run(
        capsys, "silence", "extend", silence_id, "--by", "15m", "--alertmanager", second.url
    )
    assert code == 0, err
    new_id = out.split()[0]
    if new_id != silence_id:  # Alertmanager could not update it in place: the old one is expired
        assert silence_id not in _live(second.url)
        assert "replaces" in out
    # 15 minutes after its end, not 15 minutes from now (which would have cut 1h45m off it).
    assert _end(second.url, new_id) == pytest.approx(end + 900, abs=1)
    _expire_all(second.url)


def test_extend_never_shortens(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    _, second = pair
    silence_id = _add(capsys, second.url)
    end = _end(second.url, silence_id)
    earlier = _iso(datetime.fromtimestamp(end - 1800, UTC))
    code, _, err = _run(
        capsys, "silence", "extend", silence_id, "--until", earlier, "--alertmanager", second.url
    )
    assert code == 2
    assert "is not later than its current end" in err and "never shortens" in err
    assert _end(second.url, silence_id) == pytest.approx(end, abs=0.01)
    later = _iso(datetime.fromtimestamp(end + 3600, UTC))
    code, out, err = _run(
        capsys, "silence", "extend", silence_id, "--until", later, "--alertmanager", second.url
    )
    assert code == 0, err
    assert _end(second.url, out.split()[0]) == pytest.approx(end + 3600, abs=1)
    _expire_all(second.url)


def test_extend_duration_is_an_error_that_points_to_by_and_until(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["silence", "extend", "some-id", "--duration", "15m", "--alertmanager", DEAD])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--duration is ambiguous" in err and "--by 1h" in err and "--until" in err


def test_an_ended_silence_is_recreated_only_when_asked(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    _, second = pair
    silence_id = _add(capsys, second.url)
    http_client().delete(f"{second.url}/api/v2/silence/{silence_id}", timeout=10).raise_for_status()
    code, _, err = _run(capsys, "silence", "extend", silence_id, "--alertmanager", second.url)
    assert code == 2
    assert "not extended: the silence ended at" in err and "--recreate" in err
    assert not _live(second.url)
    started = time.time()
    code, out, err = _run(capsys, "silence", "extend", silence_id, "--recreate", "--alertmanager", second.url)
    assert code == 0, err
    new_id = out.split()[0]
    assert new_id != silence_id and f"recreates {silence_id}" in out
    assert _live(second.url) == {new_id}
    assert _end(second.url, new_id) == pytest.approx(started + 3600, abs=5)
    _expire_all(second.url)


# -- read-only, given any way, sends no write -----------------------------------------------------


def _config(path: Path, proxy: str, current: str) -> Path:
    path.write_text(
        f"current_context: {current}\n"
        "contexts:\n"
        f"  prod: {{alertmanagers: [{{url: '{proxy}'}}]}}\n"
        f"  staging: {{read_only: true, alertmanagers: [{{url: '{proxy}'}}]}}\n"
    )
    return path


WAYS = ["flag before", "flag after", "env", "context in force", "--context staging"]


@pytest.mark.parametrize("way", WAYS)
def test_read_only_any_way_sends_no_write_from_any_command(
    pair: Pair, way: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = pair
    fingerprint = _fingerprint(second.url, "AgentDown")
    existing = _add(capsys, second.url)  # straight to Alertmanager, not through the proxy
    with recording_proxy(second.url) as proxy:
        config = _config(
            tmp_path / "config.yaml", proxy.url, "staging" if way == "context in force" else "prod"
        )
        commands = [
            ["silence", "add", 'alertname="AgentDown"', "--comment", "x"],
            ["silence", "extend", existing, "--by", "1h"],
            ["silence", "expire", existing],
            ["ack", fingerprint],
        ]
        for command in commands:
            argv = ["--config", str(config), *command]
            if way == "flag before":
                argv = ["--read-only", *argv]
            elif way == "flag after":
                argv = [*argv, "--read-only"]
            elif way == "--context staging":
                argv = ["--context", "staging", *argv]
            if way == "env":
                monkeypatch.setenv("OPSCONSOLE_READ_ONLY", "1")
            code, _, err = _run(capsys, *argv)
            assert code == 1, (command, err)
            assert "read-only" in err, (command, err)
        assert proxy.writes() == []
        assert proxy.seen  # the commands did reach it: their reads went through
    assert existing in _live(second.url)
    _expire_all(second.url)
