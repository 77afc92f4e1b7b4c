"""The one path every change to Alertmanager takes: check, describe, send, record.

Read-only contexts are refused here, before a request exists (the transport refuses too, as a second
wall). Every call, read or write, goes through one cluster's peers with the same failover
(:class:`~opsconsole.backends.alertmanager_peers.AlertmanagerPeers`): a change goes to the first peer
that answers, a peer that cannot be reached is skipped, and an answer from Alertmanager (a 400, say)
is final and shown as is. When a peer took a create but its answer was lost (a timeout), the next
peer is first searched for that very silence, so a failover does not create it twice.

Before a silence or an ack is sent, :meth:`SilenceService.blast_radius` counts what it would mute
among every alert of the cluster (see :mod:`opsconsole.core.silence_blast_radius`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from opsconsole.backends.alertmanager import AlertmanagerClient, peer_label, silence_body
from opsconsole.backends.alertmanager_models import Alert, Matcher, Silence
from opsconsole.backends.alertmanager_peers import MAYBE_DONE, AlertmanagerPeers
from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.config import ResolvedContext
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_blast_radius import (
    DEFAULT_BLAST_RADIUS,
    DEFAULT_HEARTBEATS,
    BlastRadius,
    ClusterAlert,
    blast_radius,
)
from opsconsole.core.silence_draft import SilenceDraft

T = TypeVar("T")


def default_journal_path() -> Path:
    """Where every change sent is recorded, one JSON object per line (the XDG state dir)."""
    return Path(platformdirs.user_state_dir("opsconsole", appauthor=False)) / "mutations.log"


def error_hint(exc: BackendError) -> str:
    """A next step for a refused or failed change ("" when the message says it all)."""
    text = f"{exc.diagnosis} {exc.detail}".lower()
    if exc.kind == FailureKind.READ_ONLY:
        return "this context is read-only; switch to a context without read_only to change silences"
    if "empty string" in text:
        return 'add a matcher that pins something, e.g. alertname="..."'
    if "not found" in text:
        return "it may have expired already; list silences to check"
    if exc.kind in UNREACHABLE:
        return "no Alertmanager answered; check `opsconsole check`"
    if exc.status == 400:
        return "Alertmanager refused it; its words are above"
    return ""


UNREACHABLE = {
    FailureKind.CONNECTION_REFUSED,
    FailureKind.DNS,
    FailureKind.TIMEOUT,
    FailureKind.NETWORK,
    FailureKind.TLS,
}


def wire_matchers(matchers: Sequence[LabelMatcher]) -> list[Matcher]:
    """Our matchers as Alertmanager's model."""
    out = []
    for m in matchers:
        wire = {
            "name": m.name,
            "value": m.value,
            "isRegex": m.op in ("=~", "!~"),
            "isEqual": m.op in ("=", "=~"),
        }
        out.append(Matcher.model_validate(wire))
    return out


def draft_from_silence(silence: Silence) -> SilenceDraft:
    """An existing silence as a draft (for extend)."""
    ops = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}
    return SilenceDraft(
        matchers=tuple(
            LabelMatcher(m.name, ops[(m.is_regex, m.is_equal)], m.value)  # type: ignore[arg-type]
            for m in silence.matchers
        ),
        starts_at=silence.starts_at.timestamp(),
        ends_at=silence.ends_at.timestamp(),
        created_by=silence.created_by,
        comment=silence.comment,
        silence_id=silence.id,
    )


@dataclass(frozen=True)
class Mutation:
    """One change as it is (or was) sent."""

    method: str
    path: str
    body: dict[str, Any] | None
    reason: str = ""  # why it is sent, when not a person's request (``acks reconcile``)

    def describe(self) -> str:
        """Exactly what goes over the wire, for the confirmation dialog and the journal."""
        text = f"{self.method} /{self.path}"
        if self.body is not None:
            text += "\n" + json.dumps(self.body, indent=2)
        return text


@dataclass
class SilenceService:
    """Creates, extends and expires silences on a context's Alertmanagers."""

    peers: Sequence[AlertmanagerClient]
    read_only: bool = False
    read_only_reason: str = "this context is read-only"
    journal_path: Path | None = None
    clock: Callable[[], float] = time.time
    journal: list[dict[str, Any]] = field(default_factory=list)

    def for_cluster(self, cluster: str) -> SilenceService:
        """The same service limited to one cluster's peers ("" = every peer)."""
        if not cluster:
            return self
        peers = [p for p in self.peers if (p.endpoint.cluster or "") == cluster]
        return SilenceService(
            peers, self.read_only, self.read_only_reason, self.journal_path, self.clock, self.journal
        )

    # -- describing ---------------------------------------------------------------------------

    def create_request(self, draft: SilenceDraft) -> Mutation:
        """The request a create (or an update, when the draft has an id) sends."""
        body = silence_body(
            wire_matchers(draft.matchers),
            datetime.fromtimestamp(draft.starts_at, UTC),
            datetime.fromtimestamp(draft.ends_at, UTC),
            draft.created_by,
            draft.comment,
            silence_id=draft.silence_id,
        )
        return Mutation("POST", "api/v2/silences", body)

    def expire_request(self, silence_id: str, reason: str = "") -> Mutation:
        """The request an expire sends (``reason`` goes to the journal with it)."""
        return Mutation("DELETE", f"api/v2/silence/{silence_id}", None, reason)

    # -- sending ------------------------------------------------------------------------------

    def check_writable(self, mutation: Mutation) -> None:
        """Refuse (and journal the refusal) in a read-only context, before anything else happens."""
        if self.read_only:
            self._record(mutation, None, f"refused: {self.read_only_reason}")
            refused = ReadOnlyViolation("alertmanager", mutation.method, f"/{mutation.path}")
            refused.detail = self.read_only_reason
            raise refused
        if not self.peers:
            raise BackendError("alertmanager", FailureKind.NOT_CONFIGURED, "no Alertmanager configured")

    def _record(self, mutation: Mutation, peer: str | None, outcome: str) -> None:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds"),
            "peer": peer,
            "method": mutation.method,
            "path": mutation.path,
            "body": mutation.body,
            "outcome": outcome,
        }
        if mutation.reason:
            entry["reason"] = mutation.reason
        self.journal.append(entry)
        if self.journal_path is not None:
            self.journal_path.parent.mkdir(parents=True, exist_ok=True)
            with self.journal_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")

    @property
    def cluster(self) -> AlertmanagerPeers:
        """The peers, with the failover every call uses."""
        return AlertmanagerPeers(self.peers)

    async def _send(self, mutation: Mutation, send: Callable[[AlertmanagerClient], Awaitable[T]]) -> T:
        self.check_writable(mutation)

        async def attempt(peer: AlertmanagerClient) -> T:
            label = peer_label(peer.endpoint)
            try:
                result = await send(peer)
            except BackendError as exc:
                self._record(mutation, label, f"error: {exc.message}")
                raise
            self._record(mutation, label, f"ok {result}" if result else "ok")
            return result

        result, _ = await self.cluster.first(attempt, write=True)
        return result

    async def create(self, draft: SilenceDraft) -> str:
        """Validate and send; returns the id Alertmanager kept (an update may get a new one)."""
        draft.check()
        mutation = self.create_request(draft)

        body = mutation.body
        assert body is not None
        maybe_sent = False

        async def send(peer: AlertmanagerClient) -> str:
            nonlocal maybe_sent
            if maybe_sent:
                # The previous peer may have made it before its answer was lost: gossip has then
                # brought it here, and sending again would make a second silence.
                same = await _same_silence(peer, body)
                if same is not None:
                    return same
            try:
                # The very body the confirmation showed.
                return await peer.post_silence(body)
            except BackendError as exc:
                maybe_sent = maybe_sent or exc.kind in MAYBE_DONE
                raise

        return await self._send(mutation, send)

    async def expire(self, silence_id: str, reason: str = "") -> None:
        """Expire now; ``reason`` is journalled with the request."""

        async def send(peer: AlertmanagerClient) -> None:
            await peer.expire_silence(silence_id)

        await self._send(self.expire_request(silence_id, reason), send)

    # -- reading, through the same failover -----------------------------------------------------

    async def alerts(self) -> list[Alert]:
        """Every current alert of the cluster, not only a pack's."""
        return await self.cluster.alerts()

    async def silence(self, silence_id: str) -> Silence:
        """One silence by id."""
        return await self.cluster.silence(silence_id)

    async def silences(self) -> list[Silence]:
        """Every silence of the cluster: active, then pending, then expired (soonest end first)."""
        found = await self.cluster.silences()
        return sorted(found, key=lambda s: ({"active": 0, "pending": 1}.get(s.status.state, 2), s.ends_at))

    async def blast_radius(
        self,
        draft: SilenceDraft,
        *,
        in_view: Iterable[str] | None = None,
        heartbeats: Iterable[str] = DEFAULT_HEARTBEATS,
        limit: float = DEFAULT_BLAST_RADIUS,
        entity_labels: tuple[str, ...] = (),
    ) -> BlastRadius:
        """What ``draft`` would mute among every current alert of the cluster."""
        alerts = [ClusterAlert(a.fingerprint, a.labels) for a in await self.alerts()]
        return blast_radius(
            draft, alerts, in_view=in_view, heartbeats=heartbeats, limit=limit, entity_labels=entity_labels
        )

    def extended(self, silence: Silence, new_end: float) -> SilenceDraft:
        """The draft that extends ``silence`` to ``new_end``, keeping its matchers and comment.

        It is sent with the silence's id and its start unchanged, so Alertmanager updates it in place
        when it can; when it cannot (an expired silence, or a start it stored more precisely than its
        API shows), it expires the old one and answers with a new id, which callers must use.
        """
        draft = draft_from_silence(silence)
        if silence.status.state == "expired":
            return replace(draft, starts_at=self.clock(), ends_at=new_end, silence_id=None)
        return replace(draft, ends_at=new_end)


def context_service(
    context: ResolvedContext, journal_path: Path | None = None, clock: Callable[[], float] = time.time
) -> SilenceService:
    """A context's silences: its Alertmanager peers, read-only (in the service and at the transport)
    when the context is."""
    peers = [AlertmanagerClient(am, read_only=context.read_only) for am in context.settings.alertmanagers]
    reason = f"context {context.name} is read-only"
    return SilenceService(peers, context.read_only, reason, journal_path, clock)


async def _same_silence(peer: AlertmanagerClient, body: dict[str, Any]) -> str | None:
    """The id of a live silence on ``peer`` identical to ``body`` (matchers, author, comment, end)."""
    wanted = (body["matchers"], body["createdBy"], body["comment"])
    ends = datetime.fromisoformat(str(body["endsAt"]).replace("Z", "+00:00")).timestamp()
    for silence in await peer.silences():
        if silence.status.state == "expired":
            continue
        have = ([m.to_wire() for m in silence.matchers], silence.created_by, silence.comment)
        if have == wanted and abs(silence.ends_at.timestamp() - ends) < 1:
            return silence.id
    return None
