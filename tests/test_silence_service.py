"""The silence service without a server: the order silences are listed in, what the journal keeps,
how an extend is drafted, and how a create that may have landed is not made twice on failover.

The Alertmanager suites (tests/test_silences.py) prove the same path against real servers; these
pin the service's own decisions with peers that answer as scripted, fast enough to run for every
mutant of ``opsconsole/mutations/`` (written when mutation testing found these decisions unpinned).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsconsole.backends.alertmanager import AlertmanagerClient
from opsconsole.backends.alertmanager_models import Alert, Matcher, Silence
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.config import EndpointSettings
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_draft import SilenceDraft
from opsconsole.mutations.silences import (
    SilenceService,
    default_journal_path,
    draft_from_silence,
    wire_matchers,
)

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _silence(
    silence_id: str,
    state: str = "active",
    *,
    ends: float = NOW + 3600,
    starts: float = NOW - 60,
    matchers: list[dict[str, Any]] | None = None,
    created_by: str = "alice",
    comment: str = "deploy",
) -> Silence:
    """A silence as Alertmanager 0.2x answers GET /api/v2/silences."""
    return Silence.model_validate(
        {
            "id": silence_id,
            "status": {"state": state},
            "updatedAt": _iso(starts),
            "matchers": matchers
            or [{"name": "alertname", "value": "Down", "isRegex": False, "isEqual": True}],
            "startsAt": _iso(starts),
            "endsAt": _iso(ends),
            "createdBy": created_by,
            "comment": comment,
        }
    )


class ScriptedPeer(AlertmanagerClient):
    """A peer whose answers are scripted; it records every call it gets."""

    def __init__(
        self,
        name: str,
        *,
        silences: list[Silence] | None = None,
        post: Callable[[dict[str, Any]], str] | None = None,
        expire_error: BackendError | None = None,
        cluster: str | None = None,
        alerts: list[Alert] | None = None,
    ) -> None:
        super().__init__(EndpointSettings(url="http://127.0.0.1:9", name=name, cluster=cluster))
        self._silences = silences or []
        self._post = post or (lambda body: f"id-from-{name}")
        self._expire_error = expire_error
        self._alerts = alerts or []
        self.calls: list[str] = []
        self.posted: list[dict[str, Any]] = []

    async def alerts(self, *args: Any, **kwargs: Any) -> list[Alert]:
        self.calls.append("alerts")
        return list(self._alerts)

    async def silence(self, silence_id: str) -> Silence:
        self.calls.append(f"silence {silence_id}")
        return next(s for s in self._silences if s.id == silence_id)

    async def silences(self, filters: Any = ()) -> list[Silence]:
        self.calls.append("silences")
        return list(self._silences)

    async def post_silence(self, body: dict[str, Any]) -> str:
        self.calls.append("post")
        self.posted.append(body)
        return self._post(body)

    async def expire_silence(self, silence_id: str) -> None:
        self.calls.append(f"expire {silence_id}")
        if self._expire_error is not None:
            raise self._expire_error


def _fails(kind: FailureKind, message: str, status: int | None = None) -> Callable[[dict[str, Any]], str]:
    def post(body: dict[str, Any]) -> str:
        raise BackendError("alertmanager", kind, message, status=status)

    return post


def _draft(comment: str = "deploy", minutes: float = 30) -> SilenceDraft:
    return SilenceDraft((LabelMatcher("alertname", "=", "Down"),), NOW, NOW + minutes * 60, "alice", comment)


# -- listing ----------------------------------------------------------------------------------------


async def test_silences_are_listed_active_then_pending_then_expired_each_soonest_end_first() -> None:
    listed = [
        _silence("expired-late", "expired", ends=NOW - 10),
        _silence("pending-soon", "pending", starts=NOW + 60, ends=NOW + 600),
        _silence("active-late", "active", ends=NOW + 7200),
        _silence("expired-early", "expired", ends=NOW - 500),
        _silence("active-soon", "active", ends=NOW + 900),
        _silence("pending-late", "pending", starts=NOW + 60, ends=NOW + 9000),
    ]
    # Each state's first entry ends before the previous state's last: only the state orders them.
    service = SilenceService([ScriptedPeer("am", silences=listed)])
    order = [s.id for s in await service.silences()]
    assert order == [
        "active-soon",
        "active-late",
        "pending-soon",
        "pending-late",
        "expired-early",
        "expired-late",
    ]


async def test_a_pending_silence_ending_first_still_comes_after_every_active_one() -> None:
    listed = [
        _silence("pending", "pending", starts=NOW + 10, ends=NOW + 20),
        _silence("active", "active", ends=NOW + 9000),
        _silence("expired", "expired", ends=NOW - 9000),
    ]
    service = SilenceService([ScriptedPeer("am", silences=listed)])
    assert [s.id for s in await service.silences()] == ["active", "pending", "expired"]


# -- the journal ----------------------------------------------------------------------------------


async def test_every_change_sent_is_journalled_with_when_where_what_and_the_outcome(tmp_path: Path) -> None:
    journal = tmp_path / "state" / "opsconsole" / "mutations.log"  # its folders do not exist yet
    peer = ScriptedPeer("am-eu-1", post=lambda body: "new-id")
    service = SilenceService([peer], journal_path=journal, clock=lambda: NOW + 0.75)
    draft = _draft()
    assert await service.create(draft) == "new-id"
    await service.expire("new-id")
    created = {
        "at": "2027-01-15T08:00:00+00:00",  # whole seconds, in UTC, whatever the local zone
        "peer": "am-eu-1",
        "method": "POST",
        "path": "api/v2/silences",
        "body": service.create_request(draft).body,
        "outcome": "ok new-id",
    }
    expired = {
        "at": "2027-01-15T08:00:00+00:00",
        "peer": "am-eu-1",
        "method": "DELETE",
        "path": "api/v2/silence/new-id",
        "body": None,
        "outcome": "ok",  # an expire answers nothing
    }
    assert service.journal == [created, expired]
    # One JSON object a line, appended (a later session adds to it, never rewrites it).
    assert [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()] == [
        created,
        expired,
    ]
    again = SilenceService([peer], journal_path=journal, clock=lambda: NOW)
    await again.expire("new-id")
    assert len(journal.read_text(encoding="utf-8").splitlines()) == 3


def test_the_journal_time_is_utc_in_any_local_zone() -> None:
    import time

    try:
        with pytest.MonkeyPatch.context() as zone:
            zone.setenv("TZ", "Asia/Kolkata")
            time.tzset()
            service = SilenceService([], read_only=True, clock=lambda: NOW)
            with pytest.raises(BackendError):
                service.check_writable(service.expire_request("x"))
            assert service.journal[0]["at"] == "2027-01-15T08:00:00+00:00"
    finally:
        time.tzset()  # the machine's own TZ (set or not) is back: read it again


async def test_a_failed_change_is_journalled_per_peer_and_the_error_is_raised() -> None:
    dead = ScriptedPeer("dead", post=_fails(FailureKind.CONNECTION_REFUSED, "connection refused"))
    refusing = ScriptedPeer("refusing", post=_fails(FailureKind.HTTP, "400: bad matcher", status=400))
    never = ScriptedPeer("never")
    service = SilenceService([dead, refusing, never], clock=lambda: NOW)
    with pytest.raises(BackendError) as caught:
        await service.create(_draft())
    assert caught.value.kind == FailureKind.HTTP  # Alertmanager's answer is final: no third try
    assert [(e["peer"], e["outcome"]) for e in service.journal] == [
        ("dead", "error: connection refused"),
        ("refusing", "error: 400: bad matcher"),
    ]
    assert never.calls == []


async def test_a_change_fails_over_to_the_next_peer_and_names_the_one_that_took_it() -> None:
    dead = ScriptedPeer("dead", expire_error=BackendError("alertmanager", FailureKind.DNS, "no such host"))
    alive = ScriptedPeer("alive")
    service = SilenceService([dead, alive], clock=lambda: NOW)
    await service.expire("abc")
    assert dead.calls == alive.calls == ["expire abc"]
    assert [(e["peer"], e["outcome"]) for e in service.journal] == [
        ("dead", "error: no such host"),
        ("alive", "ok"),
    ]


async def test_a_read_only_service_sends_nothing_to_its_peers() -> None:
    peer = ScriptedPeer("am")
    service = SilenceService([peer], read_only=True, clock=lambda: NOW)
    with pytest.raises(BackendError) as refused:
        await service.create(_draft())
    assert refused.value.kind == FailureKind.READ_ONLY
    assert peer.calls == []
    assert [e["peer"] for e in service.journal] == [None]


# -- a create whose answer was lost --------------------------------------------------------------


def _lost_then(second: ScriptedPeer, kind: FailureKind = FailureKind.TIMEOUT) -> SilenceService:
    lossy = ScriptedPeer("lossy", post=_fails(kind, "timeout: no answer within 1s"))
    return SilenceService([lossy, second], clock=lambda: NOW)


def _as_sent(draft: SilenceDraft, silence_id: str, state: str = "active", **changes: Any) -> Silence:
    """The silence ``draft`` makes, as the next peer lists it once gossip brought it there."""
    fields: dict[str, Any] = {
        "state": state,
        "starts": draft.starts_at,
        "ends": draft.ends_at,
        "matchers": [m.to_wire() for m in wire_matchers(draft.matchers)],
        "created_by": draft.created_by,
        "comment": draft.comment,
    }
    fields.update(changes)
    return _silence(silence_id, fields.pop("state"), **fields)


@pytest.mark.parametrize("state", ["active", "pending"])
async def test_after_a_lost_answer_the_silence_gossiped_to_the_next_peer_is_reused(state: str) -> None:
    draft = _draft()
    second = ScriptedPeer("second", silences=[_silence("other"), _as_sent(draft, "gossiped", state)])
    service = _lost_then(second)
    assert await service.create(draft) == "gossiped"
    assert second.calls == ["silences"]  # looked up, not posted again
    assert service.journal[-1]["outcome"] == "ok gossiped"


@pytest.mark.parametrize(
    "changes",
    [
        {"state": "expired"},  # an expired twin mutes nothing: a new one is needed
        {"comment": "another reason"},
        {"created_by": "bob"},
        {"matchers": [{"name": "alertname", "value": "Down", "isRegex": True, "isEqual": True}]},
        {"ends": NOW + 30 * 60 + 1.0},  # a second apart is another silence
    ],
    ids=["expired", "comment", "author", "matchers", "end"],
)
async def test_after_a_lost_answer_a_silence_that_differs_is_not_reused(changes: dict[str, Any]) -> None:
    draft = _draft()
    second = ScriptedPeer("second", silences=[_as_sent(draft, "lookalike", **changes)])
    service = _lost_then(second)
    assert await service.create(draft) == "id-from-second"
    assert second.calls == ["silences", "post"]


async def test_after_a_lost_answer_an_end_stored_more_precisely_is_the_same_silence() -> None:
    draft = _draft()
    second = ScriptedPeer("second", silences=[_as_sent(draft, "gossiped", ends=draft.ends_at + 0.4)])
    assert await _lost_then(second).create(draft) == "gossiped"


async def test_a_refused_connection_never_reached_the_peer_so_the_next_is_not_searched() -> None:
    draft = _draft()
    second = ScriptedPeer("second", silences=[_as_sent(draft, "gossiped")])
    service = _lost_then(second, FailureKind.CONNECTION_REFUSED)
    assert await service.create(draft) == "id-from-second"
    assert second.calls == ["post"]


# -- drafts from silences -----------------------------------------------------------------------


def test_wire_matchers_carry_every_operator_both_ways() -> None:
    ops = ["=", "!=", "=~", "!~"]
    ours = tuple(LabelMatcher(f"l{i}", op, f"v{i}") for i, op in enumerate(ops))  # type: ignore[arg-type]
    wire = wire_matchers(ours)
    assert [m.to_wire() for m in wire] == [
        {"name": "l0", "value": "v0", "isRegex": False, "isEqual": True},
        {"name": "l1", "value": "v1", "isRegex": False, "isEqual": False},
        {"name": "l2", "value": "v2", "isRegex": True, "isEqual": True},
        {"name": "l3", "value": "v3", "isRegex": True, "isEqual": False},
    ]
    assert all(isinstance(m, Matcher) for m in wire)
    silence = _silence("s", matchers=[m.to_wire() for m in wire])
    assert draft_from_silence(silence).matchers == ours


def test_a_silence_as_a_draft_keeps_everything_it_was_made_with() -> None:
    silence = _silence("s-1", starts=NOW - 120, ends=NOW + 600, created_by="bob", comment="db migration")
    draft = draft_from_silence(silence)
    assert draft == SilenceDraft(
        (LabelMatcher("alertname", "=", "Down"),), NOW - 120, NOW + 600, "bob", "db migration", "s-1"
    )


def test_extending_a_live_silence_updates_it_in_place_with_only_a_new_end() -> None:
    service = SilenceService([], clock=lambda: NOW + 5)
    silence = _silence("s-1", "active", starts=NOW - 120, ends=NOW + 600, created_by="bob", comment="why")
    draft = service.extended(silence, NOW + 7200)
    assert draft == SilenceDraft(
        (LabelMatcher("alertname", "=", "Down"),), NOW - 120, NOW + 7200, "bob", "why", "s-1"
    )
    pending = _silence("s-2", "pending", starts=NOW + 60, ends=NOW + 600)
    assert service.extended(pending, NOW + 900).starts_at == NOW + 60


def test_extending_an_expired_silence_makes_a_new_one_from_now() -> None:
    service = SilenceService([], clock=lambda: NOW + 5)
    silence = _silence("s-1", "expired", starts=NOW - 7200, ends=NOW - 60, created_by="bob", comment="why")
    draft = service.extended(silence, NOW + 3600)
    assert draft == SilenceDraft(
        (LabelMatcher("alertname", "=", "Down"),), NOW + 5, NOW + 3600, "bob", "why", None
    )
    draft.check()  # a valid draft: it starts now, not in the past it expired in


def test_an_update_is_sent_with_the_id_it_updates_and_a_create_without_one() -> None:
    service = SilenceService([], clock=lambda: NOW)
    extend = service.extended(_silence("s-1"), NOW + 7200)
    assert service.create_request(extend).body == {
        "matchers": [{"name": "alertname", "value": "Down", "isRegex": False, "isEqual": True}],
        "startsAt": "2027-01-15T07:59:00Z",
        "endsAt": "2027-01-15T10:00:00Z",
        "createdBy": "alice",
        "comment": "deploy",
        "id": "s-1",
    }
    assert "id" not in (service.create_request(_draft()).body or {})


async def test_the_body_sent_is_the_one_the_confirmation_showed() -> None:
    peer = ScriptedPeer("am")
    service = SilenceService([peer], clock=lambda: NOW)
    draft = _draft()
    await service.create(draft)
    assert peer.posted == [service.create_request(draft).body]


async def test_after_a_lost_answer_an_expired_twin_does_not_hide_a_live_one() -> None:
    draft = _draft()
    listed = [_as_sent(draft, "expired-twin", "expired"), _as_sent(draft, "live-twin")]
    second = ScriptedPeer("second", silences=listed)
    assert await _lost_then(second).create(draft) == "live-twin"


def test_refusals_name_alertmanager_the_method_and_the_path() -> None:
    service = SilenceService([], read_only=True, clock=lambda: NOW)
    with pytest.raises(BackendError) as refused:
        service.check_writable(service.expire_request("abc"))
    assert refused.value.backend == "alertmanager"
    assert refused.value.message == (
        "read-only mode: refused DELETE /api/v2/silence/abc (nothing was sent): this context is read-only"
    )
    writable = SilenceService([])
    with pytest.raises(BackendError) as missing:
        writable.check_writable(writable.expire_request("abc"))
    assert (missing.value.backend, missing.value.message) == ("alertmanager", "no Alertmanager configured")


def test_the_journal_lives_in_the_xdg_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_journal_path() == tmp_path / "state" / "opsconsole" / "mutations.log"


def _alert(fingerprint: str, **labels: str) -> Alert:
    """An alert as Alertmanager 0.2x answers GET /api/v2/alerts."""
    return Alert.model_validate(
        {
            "fingerprint": fingerprint,
            "labels": labels,
            "annotations": {},
            "startsAt": _iso(NOW - 600),
            "endsAt": _iso(NOW + 600),
            "updatedAt": _iso(NOW - 60),
            "receivers": [{"name": "team"}],
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []},
        }
    )


def test_a_service_for_one_cluster_keeps_only_its_peers_and_everything_else() -> None:
    eu = [ScriptedPeer("eu-a", cluster="eu"), ScriptedPeer("eu-b", cluster="eu")]
    us = ScriptedPeer("us-a", cluster="us")
    loose = ScriptedPeer("loose")
    journal: list[dict[str, Any]] = []
    service = SilenceService(
        [eu[0], us, eu[1], loose],
        read_only=True,
        read_only_reason="ctx prod is read-only",
        journal_path=Path("/nonexistent/journal"),
        clock=lambda: NOW,
        journal=journal,
    )
    narrowed = service.for_cluster("eu")
    assert list(narrowed.peers) == eu
    assert (narrowed.read_only, narrowed.read_only_reason) == (True, "ctx prod is read-only")
    assert (narrowed.journal_path, narrowed.clock(), narrowed.journal) == (
        Path("/nonexistent/journal"),
        NOW,
        [],
    )
    assert narrowed.journal is journal  # one journal for the whole context
    assert service.for_cluster("") is service
    assert list(service.for_cluster("ap").peers) == []


async def test_the_blast_radius_counts_among_every_alert_of_the_cluster() -> None:
    alerts = [
        _alert("1", alertname="Down", pod="a"),
        _alert("2", alertname="Down", pod="b"),
        _alert("3", alertname="Heartbeat"),
        _alert("4", alertname="Slow", pod="c"),
    ]
    peer = ScriptedPeer("am", alerts=alerts)
    service = SilenceService([peer], clock=lambda: NOW)
    radius = await service.blast_radius(
        _draft(), in_view=["1"], heartbeats=("Heartbeat",), limit=0.3, entity_labels=("pod",)
    )
    assert [a.fingerprint for a in radius.muted] == ["1", "2"]
    assert (radius.total, radius.in_view, radius.heartbeats, radius.limit) == (4, 1, (), 0.3)
    assert radius.entity_labels == ("pod",)
    everything = SilenceDraft((LabelMatcher("alertname", "=~", ".+"),), NOW, NOW + 60, "a", "b")
    wide = await service.blast_radius(everything, heartbeats=("Heartbeat",))
    assert (wide.count, wide.in_view, wide.heartbeats) == (4, None, ("Heartbeat",))  # given, not the defaults


async def test_one_silence_is_read_by_its_id() -> None:
    peer = ScriptedPeer("am", silences=[_silence("a"), _silence("b")])
    assert (await SilenceService([peer]).silence("b")).id == "b"
    assert peer.calls == ["silence b"]
