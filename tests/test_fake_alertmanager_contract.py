"""The in-process Alertmanager of ``tests/support/fake_alertmanager.py`` answers as a real one does.

The same state (a firing alert, an active silence that mutes it, a pending one, one expired by a
DELETE, a plain alert) is made on a real Alertmanager and on the fake; every answer the tests of
``opsconsole/mutations/`` rely on is compared: the keys and value types of each object, the time
format, the order silences are listed in, what ``silencedBy`` and ``state`` say, and what DELETE
answers (an expired silence again, an unknown id). A fake that drifted from the server would make
those fast tests prove nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_alertmanager import FakeAlertmanager, FakeSilence, matcher, wire_time
from tests.support.real_servers import RunningAlertmanager, start_alertmanager, wait_until

pytestmark = pytest.mark.real_backend

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
UNKNOWN = "7c0a6584-c4ec-44c5-8e8e-248682bbe49d"


@pytest.fixture(scope="module")
def am(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAlertmanager]:
    server = start_alertmanager(tmp_path_factory.mktemp("am-fake-contract"))
    try:
        yield server
    finally:
        server.stop()


def _shape(value: Any) -> Any:
    """Keys and value types, recursively (times as "time"): what a parser sees of an answer."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    if isinstance(value, str) and TIME.fullmatch(value):
        return "time"
    return type(value).__name__


def _silence_body(name: str, starts: float, ends: float) -> dict[str, Any]:
    return {
        "matchers": [{"name": "alertname", "value": name, "isRegex": False, "isEqual": True}],
        "startsAt": wire_time(starts),
        "endsAt": wire_time(ends),
        "createdBy": "alice",
        "comment": "maintenance",
    }


def _exchange(client: httpx.Client) -> dict[str, Any]:
    """What the mutations code reads, after the same changes, from either Alertmanager."""
    now = time.time()
    client.post(
        "/api/v2/alerts",
        json=[
            {"labels": {"alertname": "Muted", "instance": "a"}, "startsAt": wire_time(now - 60)},
            {"labels": {"alertname": "Plain", "instance": "b"}, "startsAt": wire_time(now - 60)},
        ],
    ).raise_for_status()
    ids = {}
    for key, name, starts, ends in (
        ("active", "Muted", now - 60, now + 3600),
        ("pending", "Later", now + 600, now + 7200),
        ("expired", "Gone", now - 60, now + 1800),
    ):
        reply = client.post("/api/v2/silences", json=_silence_body(name, starts, ends))
        reply.raise_for_status()
        ids[key] = reply.json()["silenceID"]
    first = client.delete(f"/api/v2/silence/{ids['expired']}")
    again = client.delete(f"/api/v2/silence/{ids['expired']}")
    unknown = client.delete(f"/api/v2/silence/{UNKNOWN}")
    wait_until(
        lambda: any(a["status"]["silencedBy"] for a in client.get("/api/v2/alerts").json()),
        timeout=20,
        what="the silence muting its alert",
    )
    silences = client.get("/api/v2/silences").json()
    alerts = sorted(client.get("/api/v2/alerts").json(), key=lambda a: a["labels"]["alertname"])
    unsilenced = client.get("/api/v2/alerts", params={"silenced": "false"}).json()
    names = {v: k for k, v in ids.items()}
    return {
        "deletes": [(r.status_code, r.content) for r in (first, again, unknown)],
        "silence order": [(names[s["id"]], s["status"]["state"]) for s in silences],
        "silence shape": [_shape(s) for s in silences],
        "alert shape": [_shape(a) for a in alerts],
        "alert states": [
            (a["labels"]["alertname"], a["status"]["state"], [names[i] for i in a["status"]["silencedBy"]])
            for a in alerts
        ],
        "unsilenced": [a["labels"]["alertname"] for a in unsilenced],
        "content type": client.get("/api/v2/silences").headers["content-type"].split(";")[0],
    }


class _FakeServer(FakeAlertmanager):
    """The fake, with the two writes a test makes directly (alerts as Prometheus posts them, and
    silences), so the very same exchange runs against it."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v2/alerts":
            for alert in httpx.Response(200, content=request.content).json():
                at = datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00")).timestamp()
                self.fire(alert["labels"], since=at)
            return httpx.Response(200)
        if request.method == "POST" and request.url.path == "/api/v2/silences":
            body = httpx.Response(200, content=request.content).json()
            silence_id = f"00000000-0000-4000-8000-{len(self.silences):012d}"
            self.add_silence(
                FakeSilence(
                    silence_id,
                    [matcher(m["name"], m["value"]) for m in body["matchers"]],
                    datetime.fromisoformat(body["startsAt"].replace("Z", "+00:00")).timestamp(),
                    datetime.fromisoformat(body["endsAt"].replace("Z", "+00:00")).timestamp(),
                    body["createdBy"],
                    body["comment"],
                )
            )
            return httpx.Response(200, json={"silenceID": silence_id})
        return super().handle(request)


def test_the_fake_answers_what_a_real_alertmanager_answers(am: RunningAlertmanager, tmp_path: Path) -> None:
    with httpx.Client(base_url=am.url, timeout=10) as real:
        expected = _exchange(real)
    fake = _FakeServer(time.time)
    with httpx.Client(
        base_url="http://fake.example:9093", transport=httpx.MockTransport(fake.handle)
    ) as client:
        seen = _exchange(client)
    assert seen == expected
    # And what the real one said, so a change of the server shows here first.
    assert expected["deletes"] == [(200, b""), (200, b""), (404, b"")]
    assert expected["silence order"] == [("active", "active"), ("pending", "pending"), ("expired", "expired")]
    assert expected["alert states"] == [("Muted", "suppressed", ["active"]), ("Plain", "active", [])]
    assert expected["unsilenced"] == ["Plain"]


def test_times_are_written_with_milliseconds_in_utc() -> None:
    assert (
        wire_time(datetime(2027, 1, 15, 8, 0, 0, 123456, tzinfo=UTC).timestamp())
        == "2027-01-15T08:00:00.123Z"
    )
