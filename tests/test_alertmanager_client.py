"""AlertmanagerClient against real Alertmanager, with alerts delivered by real Prometheus."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.alertmanager_models import Alert, Matcher
from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.config import EndpointSettings
from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, RunningServer, ServerRelease, start_alertmanager

pytestmark = [pytest.mark.real_backend, pytest.mark.every_release]

ALWAYS = Matcher(name="alertname", value="OpsconsoleTestAlwaysFiring", isRegex=False)


@pytest.fixture
def client(real_alertmanager: RunningAlertmanager, real_prometheus: RunningServer) -> AlertmanagerClient:
    # Depending on real_prometheus guarantees the always-firing alert has been delivered.
    return AlertmanagerClient(EndpointSettings(url=real_alertmanager.url, timeout=5))


def _window(minutes: int = 10) -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now, now + timedelta(minutes=minutes)


async def test_status_reports_the_version_and_disabled_cluster(
    client: AlertmanagerClient, real_alertmanager: RunningAlertmanager
) -> None:
    status = await client.status()
    assert status.version_info.version == real_alertmanager.version
    assert status.cluster.status == "disabled"
    probe = await client.probe()
    assert probe.version == status.version_info.version
    assert "disabled" in probe.summary


async def test_alerts_filter_by_matcher(client: AlertmanagerClient) -> None:
    alerts = await client.alerts([ALWAYS])
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.labels["severity"] == "warning"
    assert alert.annotations["runbook_url"] == "https://runbooks.example/always-firing"
    assert len(alert.fingerprint) == 16
    assert alert.starts_at.tzinfo is not None
    assert [r.name for r in alert.receivers] == ["nowhere"]
    none = await client.alerts(['alertname="NoSuchAlertAnywhere"'])
    assert none == []


async def test_alert_groups_follow_the_route_group_by(client: AlertmanagerClient) -> None:
    groups = await client.alert_groups([ALWAYS])
    assert len(groups) == 1
    assert groups[0].labels == {"alertname": "OpsconsoleTestAlwaysFiring", "severity": "warning"}
    assert groups[0].receiver.name == "nowhere"


async def test_silence_suppresses_alert_then_expiry_restores_it(
    client: AlertmanagerClient, real_alertmanager: RunningAlertmanager
) -> None:
    start, end = _window()
    silence_id = await client.create_silence([ALWAYS], start, end, "tester", "ACK by tester: test silence")
    try:
        # amtool, an independent client, sees the silence we created.
        listed = real_alertmanager.amtool("silence", "query", "-q").stdout.split()
        assert silence_id in listed
        silence = await client.silence(silence_id)
        assert silence.status.state == "active"
        assert silence.created_by == "tester"
        assert [m.to_filter() for m in silence.matchers] == ['alertname="OpsconsoleTestAlwaysFiring"']
        [alert] = await client.alerts([ALWAYS])
        assert alert.status.state == "suppressed"
        assert alert.status.silenced_by == [silence_id]
        assert alert.silenced
        unacked = await client.alerts([ALWAYS], silenced=False)
        assert unacked == []
    finally:
        await client.expire_silence(silence_id)
    assert (await client.silence(silence_id)).status.state == "expired"
    [alert] = await client.alerts([ALWAYS])
    assert alert.status.state == "active"
    assert alert.status.silenced_by == []


async def test_extending_a_silence_keeps_its_id_and_adding_a_matcher_replaces_it(
    client: AlertmanagerClient,
) -> None:
    start, end = _window()
    first = await client.create_silence([ALWAYS], start, end, "tester", "extend me")
    try:
        current = await client.silence(first)
        later = end + timedelta(hours=1)
        same = await client.create_silence(
            [ALWAYS], current.starts_at, later, "tester", "extend me", silence_id=first
        )
        assert same == first
        assert (await client.silence(first)).ends_at == later.replace(
            microsecond=later.microsecond // 1000 * 1000
        )
        extra = Matcher(name="team", value="opsconsole", isRegex=False)
        replaced = await client.create_silence(
            [ALWAYS, extra], current.starts_at, later, "tester", "extend me", silence_id=first
        )
        assert replaced != first
        assert (await client.silence(first)).status.state == "expired"
        await client.expire_silence(replaced)
    finally:
        await client.expire_silence(first)


async def test_validation_errors_carry_alertmanagers_words(client: AlertmanagerClient) -> None:
    start, end = _window()
    with pytest.raises(BackendError) as no_matchers:
        await client.create_silence([], start, end, "tester", "x")
    assert no_matchers.value.status == 422
    assert "at least 1 items" in no_matchers.value.detail
    match_all = Matcher(name="alertname", value=".*", isRegex=True)
    with pytest.raises(BackendError) as everything:
        await client.create_silence([match_all], start, end, "tester", "x")
    assert everything.value.status == 400
    assert "must not match the empty string" in everything.value.detail
    with pytest.raises(BackendError) as backwards:
        await client.create_silence([ALWAYS], end, start, "tester", "x")
    assert "start time must be before end time" in backwards.value.detail


async def test_bad_filter_and_unknown_silence(client: AlertmanagerClient) -> None:
    with pytest.raises(BackendError) as bad:
        await client.alerts(["foo"])
    assert bad.value.status == 400
    assert "bad matcher format" in bad.value.detail
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(BackendError) as missing:
        await client.expire_silence(unknown)
    assert missing.value.kind is FailureKind.NOT_FOUND
    with pytest.raises(BackendError) as missing_get:
        await client.silence(unknown)
    assert missing_get.value.kind is FailureKind.NOT_FOUND


async def test_read_only_refuses_silence_before_anything_is_sent(
    real_alertmanager: RunningAlertmanager, real_prometheus: RunningServer
) -> None:
    ro = AlertmanagerClient(EndpointSettings(url=real_alertmanager.url), read_only=True)
    before = {s.id for s in await ro.silences()}
    start, end = _window()
    with pytest.raises(ReadOnlyViolation) as refused:
        await ro.create_silence([ALWAYS], start, end, "tester", "must not be sent")
    assert "nothing was sent" in refused.value.diagnosis
    with pytest.raises(ReadOnlyViolation):
        await ro.expire_silence("00000000-0000-4000-8000-000000000000")
    after = {s.id for s in await ro.silences()}
    assert after == before
    # The guard sits in the transport too: a client that bypasses request() is refused as well.
    with pytest.raises(ReadOnlyViolation):
        await ro.http.client.post("api/v2/silences", json={})


async def test_utf8_label_names_are_filtered_and_silenced_where_alertmanager_has_them(
    client: AlertmanagerClient, real_alertmanager: RunningAlertmanager
) -> None:
    """Alertmanager 0.27+ holds labels like ``service.name`` (OpenTelemetry) and ``zone name``; 0.25
    refuses them on the way in, so the console only ever meets them on a server that filters by them."""
    now = datetime.now(UTC)
    labels = {"alertname": "OpsconsoleUtf8", "service.name": "checkout", "zone name": "eu west"}
    posted = http_client().post(
        f"{real_alertmanager.url}/api/v2/alerts",
        json=[{"labels": labels, "startsAt": now.isoformat()}],
        timeout=10,
    )
    if tuple(int(p) for p in real_alertmanager.version.split(".")[:2]) < (0, 27):
        assert posted.status_code == 400
        assert "invalid" in posted.text
        return
    assert posted.status_code == 200, posted.text
    for name, value in (("service.name", "checkout"), ("zone name", "eu west")):
        matcher = Matcher(name=name, value=value, isRegex=False)
        [alert] = await client.alerts([matcher])
        assert alert.labels == labels
    spaced = Matcher(name="zone name", value="eu west", isRegex=False)
    start, end = _window()
    silence_id = await client.create_silence([spaced], start, end, "tester", "utf-8 names")
    try:
        assert [m.to_filter() for m in (await client.silence(silence_id)).matchers] == [
            '"zone name"="eu west"'
        ]
        [alert] = await client.alerts([spaced])
        assert alert.status.silenced_by == [silence_id]
    finally:
        await client.expire_silence(silence_id)


MUTING_CONFIG = """\
route:
  receiver: nowhere
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  routes:
    - matchers: [team="night"]
      receiver: nowhere
      mute_time_intervals: [always]
receivers:
  - name: nowhere
time_intervals:
  - name: always
    time_intervals:
      - times:
          - start_time: "00:00"
            end_time: "24:00"
"""


async def test_time_interval_muting_shows_only_in_alert_groups(
    tmp_path: Path, server_release: ServerRelease
) -> None:
    """0.35 says an alert is muted by a time interval (``mutedBy``) in ``/alerts/groups`` only:
    ``/alerts`` calls it active with ``mutedBy: []``, and 0.25 says active in both. The console's
    alert list reads ``/alerts``, so it cannot show muting yet (docs/server-versions.md)."""
    am = start_alertmanager(tmp_path, MUTING_CONFIG, release=server_release)
    client = AlertmanagerClient(EndpointSettings(url=am.url, timeout=5))
    try:
        http_client().post(
            f"{am.url}/api/v2/alerts",
            json=[{"labels": {"alertname": "NightOnly", "team": "night"}}],
            timeout=10,
        ).raise_for_status()
        muting = tuple(int(p) for p in am.version.split(".")[:2]) >= (0, 27)

        async def grouped() -> Alert:
            [group] = await client.alert_groups([Matcher(name="alertname", value="NightOnly", isRegex=False)])
            [alert] = group.alerts
            return alert

        deadline = time.monotonic() + 10  # the first group flush is 1 s away (group_wait)
        alert = await grouped()
        while muting and not alert.status.muted_by and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            alert = await grouped()
        assert alert.status.muted_by == (["always"] if muting else [])
        assert alert.status.state == ("suppressed" if muting else "active")
        [listed] = await client.alerts([Matcher(name="alertname", value="NightOnly", isRegex=False)])
        assert listed.status.state == "active" and listed.status.muted_by == []
    finally:
        await client.aclose()
        am.stop()
