"""The one path every change to Alertmanager takes: check, describe, send, record.

Read-only contexts are refused here, before a request exists (the transport refuses too, as a second
wall). An HA cluster gossips silences, so a change goes to the first peer that answers; a peer that
cannot be reached is skipped, while an answer from Alertmanager (a 400, say) is final and shown as is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from opsconsole.backends.alertmanager import AlertmanagerClient, silence_body
from opsconsole.backends.alertmanager_models import Matcher, Silence
from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_draft import SilenceDraft


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

    def expire_request(self, silence_id: str) -> Mutation:
        """The request an expire sends."""
        return Mutation("DELETE", f"api/v2/silence/{silence_id}", None)

    # -- sending ------------------------------------------------------------------------------

    def _guard(self, mutation: Mutation) -> None:
        if self.read_only:
            self._record(mutation, None, f"refused: {self.read_only_reason}")
            raise ReadOnlyViolation(
                "alertmanager",
                FailureKind.READ_ONLY,
                f"{mutation.method} refused: {self.read_only_reason}; nothing was sent",
            )
        if not self.peers:
            raise BackendError("alertmanager", FailureKind.NOT_CONFIGURED, "no Alertmanager configured")

    def _record(self, mutation: Mutation, peer: str | None, outcome: str) -> None:
        entry = {
            "at": datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds"),
            "peer": peer,
            "method": mutation.method,
            "path": mutation.path,
            "body": mutation.body,
            "outcome": outcome,
        }
        self.journal.append(entry)
        if self.journal_path is not None:
            self.journal_path.parent.mkdir(parents=True, exist_ok=True)
            with self.journal_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")

    async def _on_first_peer(self, mutation: Mutation, send: Callable[[AlertmanagerClient], Any]) -> Any:
        self._guard(mutation)
        last: BackendError | None = None
        for peer in self.peers:
            try:
                result = await send(peer)
            except BackendError as exc:
                self._record(mutation, peer.name, f"error: {exc.message}")
                if exc.kind in UNREACHABLE:
                    last = exc
                    continue
                raise
            self._record(mutation, peer.name, f"ok {result}" if result else "ok")
            return result
        assert last is not None
        raise last

    async def create(self, draft: SilenceDraft) -> str:
        """Validate and send; returns the id Alertmanager kept (an update may get a new one)."""
        draft.check()
        mutation = self.create_request(draft)

        body = mutation.body
        assert body is not None

        async def send(peer: AlertmanagerClient) -> str:
            # The very body the confirmation showed.
            return await peer.post_silence(body)

        result: str = await self._on_first_peer(mutation, send)
        return result

    async def expire(self, silence_id: str) -> None:
        """Expire now."""

        async def send(peer: AlertmanagerClient) -> None:
            await peer.expire_silence(silence_id)

        await self._on_first_peer(self.expire_request(silence_id), send)

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

    async def silences(self) -> list[Silence]:
        """Every silence the peers know, one per id (HA peers share them)."""
        seen: dict[str, Silence] = {}
        errors: list[BackendError] = []
        for peer in self.peers:
            try:
                for silence in await peer.silences():
                    seen.setdefault(silence.id, silence)
            except BackendError as exc:
                errors.append(exc)
        if errors and len(errors) == len(self.peers):
            raise errors[0]
        return sorted(
            seen.values(), key=lambda s: ({"active": 0, "pending": 1}.get(s.status.state, 2), s.ends_at)
        )
