"""``silence list``'s inventory in process: every cluster of a context read through its own peers,
each silence once with what it mutes now, in one order across clusters, and every cluster that
could not be read named with its error (``opsconsole/mutations/silence_inventory.py``).

Against the Alertmanager v2 fake of ``tests/support/fake_alertmanager.py`` (the real server's
shapes over httpx's mock transport); ``tests/test_silence_hygiene.py`` proves the listing on real
Alertmanagers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.config import ConsoleConfig, ContextSettings, EndpointSettings, ResolvedContext
from opsconsole.core.silence_hygiene import SilenceHygiene
from opsconsole.mutations.silence_inventory import (
    InventoryGap,
    InventoryRow,
    cluster_service,
    clusters_of,
    inventory,
)
from opsconsole.mutations.silences import SilenceService, context_service
from tests.support.fake_alertmanager import FakeAlertmanager, FakeSilence, matcher

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def _clock() -> float:
    return NOW


def _silence(silence_id: str, alertname: str, *, starts: float = -60, ends: float = 3600) -> FakeSilence:
    return FakeSilence(silence_id, [matcher("alertname", alertname)], NOW + starts, NOW + ends)


def _row_ids(rows: list[InventoryRow]) -> list[tuple[str, str]]:
    return [(r.cluster, r.silence.id) for r in rows]


# -- which clusters, and through which peers --------------------------------------------------------


def test_the_clusters_are_each_named_once_in_the_configured_order() -> None:
    am = FakeAlertmanager(_clock)
    peers = [
        am.peer("eu-1", cluster="eu"),
        am.peer("lone"),
        am.peer("us-1", cluster="us"),
        am.peer("eu-2", cluster="eu"),
        am.peer("blank", cluster=""),
    ]
    assert clusters_of(SilenceService(peers)) == ["eu", "", "us"]
    assert clusters_of(SilenceService([])) == []


def test_a_cluster_service_has_that_clusters_peers_and_keeps_everything_else(tmp_path: Path) -> None:
    am = FakeAlertmanager(_clock)
    eu1, lone, us1, eu2, blank = (
        am.peer("eu-1", cluster="eu"),
        am.peer("lone"),
        am.peer("us-1", cluster="us"),
        am.peer("eu-2", cluster="eu"),
        am.peer("blank", cluster=""),
    )
    journal: list[dict[str, object]] = []
    service = SilenceService(
        [eu1, lone, us1, eu2, blank], True, "context prod is read-only", tmp_path / "j.log", _clock, journal
    )
    eu = cluster_service(service, "eu")
    assert list(eu.peers) == [eu1, eu2]
    unnamed = cluster_service(service, "")
    assert list(unnamed.peers) == [lone, blank]
    for one in (eu, unnamed):
        assert one.read_only is True
        assert one.read_only_reason == "context prod is read-only"
        assert one.journal_path == tmp_path / "j.log"
        assert one.clock is _clock
        assert one.journal is journal  # what one cluster journals, the context's journal holds


async def test_the_unnamed_clusters_service_refuses_changes_in_a_read_only_context() -> None:
    am = FakeAlertmanager(_clock)
    service = SilenceService(
        [am.peer("lone", read_only=True)], True, "context prod is read-only", clock=_clock
    )
    with pytest.raises(BackendError) as refused:
        await cluster_service(service, "").expire("5b72dd9e-d16d-4ce6-89d8-c151306b0001")
    assert refused.value.kind == FailureKind.READ_ONLY
    assert refused.value.detail == "context prod is read-only"
    assert am.requests == []


# -- the listing ------------------------------------------------------------------------------------


async def test_every_silence_of_every_cluster_in_one_order_with_what_each_mutes() -> None:
    eu, us = FakeAlertmanager(_clock), FakeAlertmanager(_clock)
    eu.add_silence(_silence("eu-late", "Disk", ends=7200))
    eu.add_silence(_silence("eu-gone", "Disk", starts=-7200, ends=-60))
    eu.add_silence(_silence("eu-later", "Cpu", starts=600, ends=9000))
    us.add_silence(_silence("us-soon", "Disk", ends=1800))
    us.add_silence(_silence("us-later", "Mem", starts=60, ends=5000))
    us.add_silence(_silence("us-gone", "Mem", starts=-9000, ends=-600))
    eu.fire({"alertname": "Disk", "instance": "a"})
    eu.fire({"alertname": "Disk", "instance": "b"})
    us.fire({"alertname": "Disk", "instance": "c"})
    us.fire({"alertname": "Other", "instance": "d"})
    service = SilenceService([eu.peer("eu-1", cluster="eu"), us.peer("us-1", cluster="us")], clock=_clock)

    rows, gaps = await inventory(service, "prod")

    assert gaps == []
    # Active, then pending, then expired; within each, soonest end first, whatever the cluster.
    assert _row_ids(rows) == [
        ("us", "us-soon"),
        ("eu", "eu-late"),
        ("us", "us-later"),
        ("eu", "eu-later"),
        ("us", "us-gone"),
        ("eu", "eu-gone"),
    ]
    assert {r.context for r in rows} == {"prod"}
    hygiene = {r.silence.id: r.hygiene for r in rows}
    # What a silence mutes is counted among its own cluster's alerts only.
    assert hygiene["eu-late"] == SilenceHygiene("active", 2, NOW + 7200, NOW)
    assert hygiene["us-soon"] == SilenceHygiene("active", 1, NOW + 1800, NOW)
    assert hygiene["us-later"] == SilenceHygiene("pending", 0, NOW + 5000, NOW)
    assert hygiene["eu-gone"] == SilenceHygiene("expired", 0, NOW - 60, NOW)
    assert hygiene["us-soon"].marks() == ("ends within 1h",)
    assert rows[0].silence.created_by == "alice" and rows[0].silence.comment == "maintenance"


async def test_an_alert_muted_by_two_silences_counts_for_each() -> None:
    am = FakeAlertmanager(_clock)
    am.add_silence(FakeSilence("by-name", [matcher("alertname", "Disk")], NOW - 60, NOW + 7200))
    am.add_silence(FakeSilence("by-host", [matcher("instance", "a|b", "=~")], NOW - 60, NOW + 7300))
    am.add_silence(FakeSilence("typo", [matcher("alertname", "Dsik")], NOW - 60, NOW + 7400))
    am.fire({"alertname": "Disk", "instance": "a"})
    am.fire({"alertname": "Cpu", "instance": "b"})
    rows, _ = await inventory(SilenceService([am.peer("am")], clock=_clock))
    assert {r.silence.id: r.hygiene.mutes for r in rows} == {"by-name": 1, "by-host": 2, "typo": 0}
    assert [r.hygiene.marks() for r in rows] == [(), (), ("mutes nothing",)]
    assert {r.cluster for r in rows} == {""} and {r.context for r in rows} == {""}


async def test_an_ha_cluster_is_read_once_through_its_first_peer_that_answers() -> None:
    shared = FakeAlertmanager(_clock)  # the peers gossip: one state
    shared.add_silence(_silence("s1", "Disk"))
    first, second = shared.peer("am-1", cluster="eu"), shared.peer("am-2", cluster="eu")
    rows, gaps = await inventory(SilenceService([first, second], clock=_clock), "prod")
    assert _row_ids(rows) == [("eu", "s1")] and gaps == []
    assert shared.requests == [("GET", "/api/v2/silences"), ("GET", "/api/v2/alerts")]


async def test_a_peer_that_is_down_is_passed_over_without_a_gap() -> None:
    dead, alive = FakeAlertmanager(_clock), FakeAlertmanager(_clock)
    dead.down = True
    alive.add_silence(_silence("s1", "Disk"))
    service = SilenceService(
        [dead.peer("am-1", cluster="eu"), alive.peer("am-2", cluster="eu")], clock=_clock
    )
    rows, gaps = await inventory(service, "prod")
    assert _row_ids(rows) == [("eu", "s1")] and gaps == []


async def test_a_cluster_that_cannot_be_read_is_named_with_its_error_and_the_others_listed() -> None:
    eu, us, lone = FakeAlertmanager(_clock), FakeAlertmanager(_clock), FakeAlertmanager(_clock)
    eu.add_silence(_silence("eu-1", "Disk"))
    us.add_silence(_silence("us-1", "Disk"))
    lone.add_silence(_silence("lone-1", "Disk"))
    us.down = True
    lone.fail[("GET", "/api/v2/alerts")] = (400, '"bad matcher format: x"')  # silences read, alerts not
    service = SilenceService(
        [
            us.peer("us-1", cluster="us"),
            us.peer("us-2", cluster="us"),
            eu.peer("eu-1", cluster="eu"),
            lone.peer("lone"),
        ],
        clock=_clock,
    )
    rows, gaps = await inventory(service, "prod")
    assert _row_ids(rows) == [("eu", "eu-1")]  # the unread clusters' silences are not half-listed
    assert [(g.context, g.cluster) for g in gaps] == [("prod", "us"), ("prod", "")]
    us_error = gaps[0].error
    assert us_error.startswith("no Alertmanager peer answered (us-1: ") and "; us-2: " in us_error
    assert "refused" in us_error
    assert "bad matcher format: x" in gaps[1].error
    assert gaps[1] == InventoryGap("prod", "", gaps[1].error)


async def test_a_context_without_an_alertmanager_lists_nothing_and_no_gap() -> None:
    assert await inventory(SilenceService([], clock=_clock), "prod") == ([], [])


async def test_the_marks_are_taken_at_the_services_clock() -> None:
    am = FakeAlertmanager(lambda: NOW)
    am.add_silence(_silence("s1", "Disk", ends=3000))
    later = NOW + 5000.0  # the listing's own clock, not the server's
    rows, _ = await inventory(SilenceService([am.peer("am")], clock=lambda: later))
    assert rows[0].hygiene.now == later
    assert rows[0].hygiene.ends_at == NOW + 3000


# -- a context's service (found by the mutation run: nothing in process made one) ---------------------


def _context(read_only: bool) -> ResolvedContext:
    settings = ContextSettings(
        alertmanagers=[
            EndpointSettings(url="http://am-a.example:9093", name="am-a", cluster="eu"),
            EndpointSettings(url="http://am-b.example:9093", cluster="eu"),
        ],
        read_only=read_only,
    )
    return ResolvedContext("prod", settings, ConsoleConfig(), None)


@pytest.mark.parametrize("read_only", [True, False])
def test_a_context_service_has_its_alertmanagers_and_its_read_only_setting_at_both_walls(
    read_only: bool, tmp_path: Path
) -> None:
    context = _context(read_only)
    service = context_service(context, tmp_path / "mutations.log", _clock)
    assert [p.endpoint for p in service.peers] == context.settings.alertmanagers
    assert [p.http.read_only for p in service.peers] == [read_only, read_only]  # the transport's wall
    assert service.read_only is read_only  # the service's own
    assert service.read_only_reason == "context prod is read-only"
    assert service.journal_path == tmp_path / "mutations.log"
    assert service.clock is _clock


def test_a_context_service_journals_nowhere_and_reads_the_clock_by_default() -> None:
    import time

    service = context_service(_context(False))
    assert service.journal_path is None
    assert service.clock is time.time
