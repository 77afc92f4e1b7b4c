"""The demo's scripted incident, recorded refresh by refresh on a stepped clock, reads right as a
postmortem timeline: the scenario's events in order, at their times, with who acked and why."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsconsole.cli import main
from opsconsole.core.dashboard import AlertGroupView, AlertView, Dashboard, SilenceView
from opsconsole.core.incident_timeline import TimelineBuilder
from opsconsole.recording.store import RecordingReader
from tests.support.demo_fixtures import running_demo
from tests.support.recorded_incident import ACK_AT, INCIDENT_START, record_demo_incident

STEP = 30.0


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("incident")
    path = folder / "incident.opsrec"
    record_demo_incident(path, folder / "mutations.log", step=STEP, until=720.0)
    return path


def _rows(markdown: str) -> list[tuple[float, str]]:
    """(seconds into the scenario, event text) of every table row."""
    day = datetime.fromtimestamp(INCIDENT_START, UTC).date()
    out = []
    for line in markdown.splitlines():
        found = re.match(r"\| (\d\d:\d\d:\d\d) \| (.*?) \| (.*) \|$", line)
        if found:
            clock = datetime.strptime(found.group(1), "%H:%M:%S").time()
            at = datetime.combine(day, clock, tzinfo=UTC).timestamp()
            out.append((at - INCIDENT_START, found.group(2)))
    return out


def _first(rows: list[tuple[float, str]], *words: str) -> float:
    return next(at for at, text in rows if all(w in text for w in words))


def test_the_demo_incident_reads_right(incident: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", str(incident)]) == 0
    markdown = capsys.readouterr().out
    rows = _rows(markdown)
    assert [at for at, _ in rows] == sorted(at for at, _ in rows), "events out of time order"
    with RecordingReader(incident) as reader:
        npa3 = next(
            r.entity for r in reader.board(reader.frame_at(INCIDENT_START + 200)).health if r.state == "down"
        )
    # The standing noise was there before the recording: said so, at its start.
    assert _first(rows, "AgentMemoryHigh", "before the recording began") == 0
    # npa-3 is down from 150 s to 420 s of the scenario (one refresh step to notice).
    down = _first(rows, npa3, "down")
    back = _first(rows, npa3, "back")
    assert 150 <= down <= 150 + STEP
    assert 420 <= back <= 420 + STEP and "after 4m" in next(t for a, t in rows if a == back and "back" in t)
    # AgentUnresponsive fires after npa-3 went down; alice acks it; it resolves when npa-3 is back.
    fired = _first(rows, "AgentUnresponsive", "fired", npa3)
    acked = _first(rows, "acked by alice")
    sent = _first(rows, "alice sent an ack", "restarting npa-3")
    resolved = _first(rows, "AgentUnresponsive", "resolved", npa3)
    assert down <= fired < acked <= resolved
    assert ACK_AT <= acked == sent < ACK_AT + STEP
    assert back - STEP <= resolved <= back + STEP
    # npa-2 degrades from 45 s, recovers from 330 s: its latency alert fires in between.
    assert 45 < _first(rows, "AgentHighLatency", "fired") < 330
    assert _first(rows, "APIHighErrorRate", "fired") >= 30
    # Every alert line links to Alertmanager, every down line to Prometheus' up series.
    assert all("[Alertmanager](http://127.0.0.1:" in line for line in markdown.splitlines() if "🔥" in line)
    assert all("g0.expr=up%7B" in line for line in markdown.splitlines() if "✖" in line)


def test_transitions_of_hand_made_boards() -> None:
    """Silenced with who and why, the silence ended early, the SLO's status crossing a rule."""
    silence = SilenceView("s1", "active", 'alertname="Disk"', "bob", "disk swap | in progress", 100.0, 4000.0)
    firing = AlertView(
        "f1", "Disk", "warning", "firing", 50.0, "disk full", {"alertname": "Disk"}, {}, "db-1"
    )
    muted = AlertView(
        "f1", "Disk", "warning", "silenced", 50.0, "disk full", {"alertname": "Disk"}, {}, "db-1"
    )

    def board(now: float, alert: AlertView | None, silences: list[SilenceView]) -> Dashboard:
        out = Dashboard("prod", "pack", now, 900.0)
        out.alerts = [AlertGroupView((("alertname", "Disk"),), (alert,))] if alert else []
        out.silences = silences
        return out

    builder = TimelineBuilder()
    builder.add(board(60.0, firing, []))
    builder.add(board(120.0, muted, [silence]))
    builder.add(board(180.0, muted, []))
    builder.add(board(240.0, None, []))
    texts = [(e.at, e.kind, e.text) for e in builder.events()]
    assert texts[0][:2] == (60.0, "fired")
    assert (
        texts[1][:2] == (100.0, "silenced")
        and "bob" in texts[1][2]
        and "disk swap \\| in progress" in texts[1][2]
    )
    assert texts[2][:2] == (120.0, "silenced") and "firing → silenced" in texts[2][2]
    assert texts[3][:2] == (180.0, "unsilenced") and "early" in texts[3][2]
    assert texts[4][:2] == (240.0, "resolved")
    assert builder.markdown("t").count("\n| ") == 5 + 1  # header row + 5 events, no row broken by "|"


def test_live_timeline_from_the_backends() -> None:
    """`--since`: ALERTS and up from Prometheus, silences from Alertmanager, on a demo 10 min in."""
    with running_demo(clock=time.time, lead_in=600.0) as (stack, urls):
        npa3 = stack.world.instance("npa-3").pod
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "opsconsole",
                "timeline",
                "--since",
                "15m",
                "--prometheus",
                urls.prometheus,
                "--alertmanager",
                urls.alertmanager,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    now = time.time()
    day = datetime.fromtimestamp(now, UTC).date()
    rows = []
    for line in done.stdout.splitlines():
        found = re.match(r"\| (\d\d:\d\d:\d\d) \| (.*?) \|", line)
        if found:
            at = datetime.combine(
                day, datetime.strptime(found.group(1), "%H:%M:%S").time(), tzinfo=UTC
            ).timestamp()
            rows.append((at - (now - 600), found.group(2)))  # seconds into the scenario
    down = _first(rows, npa3, "down")
    back = _first(rows, npa3, "back")
    assert 150 - 30 <= down <= 150 + 30 and 420 - 30 <= back <= 420 + 30, rows
    assert "SLO burn-rate crossings are in recordings only" in done.stdout


@pytest.mark.parametrize("since", ["0s", "1000000d"])
def test_a_since_that_covers_nothing_or_reaches_before_1970_is_refused(
    since: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Refused before any backend is asked (none is reachable here): 0s printed an empty timeline,
    # 1000000d ended in Python's "year -711 is out of range".
    assert main(["timeline", "--since", since, "--prometheus", "http://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err == (
        f"opsconsole timeline: --since {since}: give a span longer than 0s that starts after 1970\n"
    )
