"""Alertmanager v2 API contract: the same assertions against every real Alertmanager release and the demo's.

Raw HTTP on purpose (not our client), so this pins the wire behaviour our client relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.http_client import http_client
from tests.support.real_servers import RunningAlertmanager, RunningServer, wait_until


@dataclass
class Target:
    """One Alertmanager under contract, with an alert name known to be firing there."""

    name: str
    url: str
    firing_alert: str


pytestmark = pytest.mark.every_release


@pytest.fixture
def target(request: pytest.FixtureRequest, contract_side: str) -> Target:
    if contract_side == "real":
        am: RunningAlertmanager = request.getfixturevalue("real_alertmanager")
        request.getfixturevalue("real_prometheus")  # guarantees the always-firing alert arrived
        return Target("real", am.url, "OpsconsoleTestAlwaysFiring")
    return Target(
        "demo", request.getfixturevalue("live_demo").alertmanager, "AgentMemoryHigh"
    )  # wpa-2's standing leak: always firing


def _api(target: Target, path: str) -> str:
    return f"{target.url}/api/v2/{path}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _silence(target: Target, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "matchers": [{"name": "alertname", "value": target.firing_alert, "isRegex": False, "isEqual": True}],
        "startsAt": _iso(now),
        "endsAt": _iso(now + timedelta(minutes=30)),
        "createdBy": "contract-test",
        "comment": "contract test silence",
    }
    body.update(overrides)
    return body


def _alerts(target: Target, *filters: str, **params: str) -> list[dict[str, Any]]:
    query: list[tuple[str, str]] = [("filter", f) for f in filters] + list(params.items())
    response = http_client().get(_api(target, "alerts"), params=query, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return body


def test_status_shape(target: Target) -> None:
    body = http_client().get(_api(target, "status"), timeout=10).json()
    assert isinstance(body["versionInfo"]["version"], str)
    assert body["cluster"]["status"] in {"ready", "settling", "disabled"}
    assert isinstance(body["config"]["original"], str)
    assert "uptime" in body


def test_alert_shape(target: Target) -> None:
    alerts = _alerts(target)
    assert alerts, "expected at least one alert"
    for alert in alerts:
        assert set(alert) >= {"fingerprint", "labels", "annotations", "startsAt", "endsAt", "status"}
        assert alert["status"]["state"] in {"active", "suppressed", "unprocessed"}
        assert isinstance(alert["status"]["silencedBy"], list)
        assert isinstance(alert["status"]["inhibitedBy"], list)
        assert all(isinstance(r["name"], str) for r in alert["receivers"])
        datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00"))


def test_filter_semantics(target: Target) -> None:
    name = target.firing_alert
    only = _alerts(target, f'alertname="{name}"')
    assert only
    assert {a["labels"]["alertname"] for a in only} == {name}
    regex = _alerts(target, f'alertname=~"{name}|NoSuchAlert"')
    assert {a["fingerprint"] for a in regex} == {a["fingerprint"] for a in only}
    others = _alerts(target, f'alertname!="{name}"')
    assert name not in {a["labels"]["alertname"] for a in others}
    none = _alerts(target, f'alertname="{name}"', 'alertname="NoSuchAlert"')
    assert none == []
    # One matcher per filter parameter, without braces (Alertmanager 0.25 refuses braces here,
    # which is why our client sends the portable form).
    braces = http_client().get(
        _api(target, "alerts"), params={"filter": f'{{alertname="{name}"}}'}, timeout=10
    )
    assert braces.status_code == 400


def test_bad_filter_is_400_with_a_message(target: Target) -> None:
    response = http_client().get(_api(target, "alerts"), params={"filter": "not a matcher"}, timeout=10)
    assert response.status_code == 400
    assert response.text.strip()


def test_silence_lifecycle(target: Target) -> None:
    name = target.firing_alert
    created = http_client().post(_api(target, "silences"), json=_silence(target), timeout=10)
    assert created.status_code == 200, created.text
    silence_id = created.json()["silenceID"]
    try:
        got = http_client().get(_api(target, f"silence/{silence_id}"), timeout=10).json()
        assert got["status"]["state"] == "active"
        assert got["createdBy"] == "contract-test"
        assert [m["name"] for m in got["matchers"]] == ["alertname"]

        def suppressed() -> bool:
            return all(
                a["status"]["state"] == "suppressed" and silence_id in a["status"]["silencedBy"]
                for a in _alerts(target, f'alertname="{name}"')
            )

        wait_until(suppressed, timeout=10, what="alert suppressed by the silence")
        assert _alerts(target, f'alertname="{name}"', silenced="false") == []

        # Same id, same matchers, same start, later end: updated in place, same id.
        later = _silence(
            target,
            id=silence_id,
            startsAt=got["startsAt"],
            endsAt=_iso(datetime.now(UTC) + timedelta(hours=2)),
        )
        updated = http_client().post(_api(target, "silences"), json=later, timeout=10)
        assert updated.status_code == 200, updated.text
        new_id = updated.json()["silenceID"]
        # Alertmanager stores the start more precisely than it shows it, so it may instead expire the
        # old silence and create a new one; both servers must then agree on that outcome.
        if new_id != silence_id:
            old = http_client().get(_api(target, f"silence/{silence_id}"), timeout=10).json()
            assert old["status"]["state"] == "expired"
            silence_id = new_id
        listed = http_client().get(
            _api(target, "silences"), params={"filter": f'alertname="{name}"'}, timeout=10
        )
        active = [s for s in listed.json() if s["status"]["state"] == "active"]
        assert [s["id"] for s in active] == [silence_id]
    finally:
        expired = http_client().delete(_api(target, f"silence/{silence_id}"), timeout=10)
        assert expired.status_code == 200
    assert (
        http_client().get(_api(target, f"silence/{silence_id}"), timeout=10).json()["status"]["state"]
        == "expired"
    )

    def active_again() -> bool:
        return all(a["status"]["state"] == "active" for a in _alerts(target, f'alertname="{name}"'))

    wait_until(active_again, timeout=10, what="alert active again after expiry")


@pytest.mark.parametrize(
    ("case", "overrides", "status"),
    [
        # Schema validation (go-swagger) answers 422; Alertmanager's own checks answer 400.
        ("no matchers", {"matchers": []}, 422),
        (
            "matches everything",
            {"matchers": [{"name": "alertname", "value": ".*", "isRegex": True, "isEqual": True}]},
            400,
        ),
        ("ends before it starts", {"endsAt": "2020-01-01T00:00:00Z"}, 400),
        ("matcher without a name", {"matchers": [{"name": "", "value": "x", "isRegex": False}]}, 400),
        # Regexes are Go's (RE2 syntax): lookaround is refused (Python's re would take it).
        ("lookaround", {"matchers": [{"name": "alertname", "value": "(?=x)y", "isRegex": True}]}, 400),
    ],
)
def test_invalid_silences_are_refused(
    target: Target, case: str, overrides: dict[str, Any], status: int
) -> None:
    response = http_client().post(_api(target, "silences"), json=_silence(target, **overrides), timeout=10)
    if response.status_code == 200:  # never leave a stray silence behind for the other tests
        http_client().delete(_api(target, f"silence/{response.json()['silenceID']}"), timeout=10)
    assert response.status_code == status, f"{case}: {response.status_code} {response.text}"
    assert response.text.strip()


def test_a_regex_only_go_reads_is_a_silence(target: Target) -> None:
    """``\\pL`` (any letter) is RE2 syntax Python's re refuses; Alertmanager takes it."""
    matchers = [{"name": "alertname", "value": "\\pL+Nowhere9", "isRegex": True, "isEqual": True}]
    response = http_client().post(
        _api(target, "silences"), json=_silence(target, matchers=matchers), timeout=10
    )
    assert response.status_code == 200, response.text
    http_client().delete(_api(target, f"silence/{response.json()['silenceID']}"), timeout=10)


def test_unknown_and_malformed_silence_ids(target: Target) -> None:
    unknown = http_client().get(_api(target, "silence/00000000-0000-0000-0000-000000000000"), timeout=10)
    assert unknown.status_code == 404
    malformed = http_client().get(_api(target, "silence/not-a-uuid"), timeout=10)
    assert malformed.status_code == 422


def test_real_prometheus_fixture_is_used(real_prometheus: RunningServer) -> None:
    """Guard: the real side of this contract really runs (a missing binary fails, never skips)."""
    assert http_client().get(f"{real_prometheus.url}/-/ready", timeout=10).status_code == 200
