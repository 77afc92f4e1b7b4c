"""A demo incident recorded on a stepped clock: the scripted scenario from calm to recovery, one
refresh every ``step`` simulated seconds, with an ack sent by alice mid-incident."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from opsconsole.core.silence_draft import SilenceDraft, ack_comment, matchers_for_alert
from opsconsole.launch import demo_options
from opsconsole.mutations.silences import SilenceService
from opsconsole.recording.session import RecordingSession
from opsconsole.recording.store import RecordingWriter
from tests.support.demo_fixtures import running_demo

INCIDENT_START = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC: scenario time 0
ACK_AT = 300.0  # seconds into the scenario: alice acks npa-3's AgentUnresponsive (firing from ~275 s)


@dataclass
class SteppedClock:
    """A clock the test moves by hand."""

    now: float

    def __call__(self) -> float:
        return self.now


def record_demo_incident(path: Path, journal: Path, *, step: float = 15.0, until: float = 600.0) -> None:
    """Record the npa-degradation scenario from its start to ``until`` into ``path``."""
    clock = SteppedClock(INCIDENT_START)
    with running_demo(clock=clock, lead_in=0.0) as (stack, urls):
        options = demo_options(urls, clock=clock, auto_refresh=False)
        service = options.make_service("demo", options.pack)
        silences = SilenceService(service.backends.alertmanagers, journal_path=journal, clock=clock)
        npa3 = stack.world.instance("npa-3").pod
        writer = RecordingWriter(path, context="demo", pack=options.pack, clock=clock)
        session = RecordingSession.start(writer, journal)

        async def run() -> None:
            acked = False
            tau = 0.0
            try:
                while tau <= until:
                    clock.now = INCIDENT_START + tau
                    board = await service.refresh()
                    alert = None
                    if tau >= ACK_AT and not acked:
                        alert = next(
                            (
                                a
                                for g in board.alerts
                                for a in g.alerts
                                if a.alertname == "AgentUnresponsive" and a.entity == npa3
                            ),
                            None,
                        )
                    if tau >= ACK_AT and not acked and alert is not None:
                        draft = SilenceDraft(
                            matchers_for_alert(alert.labels),
                            clock.now,
                            clock.now + 900,
                            "alice",
                            ack_comment("alice", "laptop", "restarting npa-3"),
                        )
                        await silences.create(draft)
                        acked = True
                        board = await service.refresh()
                    session.add(board)
                    tau += step
            finally:
                await service.backends.aclose()

        try:
            asyncio.run(run())
        finally:
            session.close()
