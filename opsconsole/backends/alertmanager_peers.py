"""The peers of one Alertmanager HA cluster, and the one failover rule every call follows.

Peers gossip silences, and Prometheus sends every alert to every peer, so any one peer that answers
speaks for the cluster. Calls go to the peers in their configured order:

- a read moves on to the next peer on any failure (a peer that is down, slow, broken, or that has
  not yet heard a silence by gossip) and fails only when every peer failed;
- a write moves on only when the peer gave no answer (refused, DNS, TLS, timeout, a dropped
  connection); an answer such as a 400 is Alertmanager's verdict and is final;
- a read-only refusal is never worked around.

When every peer failed, the error names each peer with its own failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from opsconsole.backends.alertmanager import AlertmanagerClient, peer_label
from opsconsole.backends.alertmanager_models import Alert, Silence
from opsconsole.backends.errors import BackendError, FailureKind

T = TypeVar("T")

# The request may never have reached the peer, or no answer came back: another peer may do it.
NO_ANSWER = frozenset(
    {
        FailureKind.CONNECTION_REFUSED,
        FailureKind.DNS,
        FailureKind.TLS,
        FailureKind.TIMEOUT,
        FailureKind.NETWORK,
        FailureKind.INTERRUPTED,
        FailureKind.MALFORMED,
    }
)
# Of those, the ones where the peer may have acted on a write before the answer was lost.
MAYBE_DONE = frozenset(
    {FailureKind.TIMEOUT, FailureKind.NETWORK, FailureKind.INTERRUPTED, FailureKind.MALFORMED}
)


@dataclass(frozen=True)
class PeerFailure:
    """One peer that did not do it, and why."""

    peer: str
    error: BackendError


class NoPeerAnswered(BackendError):
    """Every peer of the cluster failed; the message names each with its own failure."""

    def __init__(self, failures: Sequence[PeerFailure]) -> None:
        first = failures[0].error
        kinds = {f.error.kind for f in failures}
        each = "; ".join(f"{f.peer}: {f.error.message}" for f in failures)
        super().__init__(
            "alertmanager",
            first.kind if len(kinds) == 1 else FailureKind.NETWORK,
            f"no Alertmanager peer answered ({each})",
            url=first.url,
            status=first.status,
        )
        self.failures = list(failures)


@dataclass
class AlertmanagerPeers:
    """One cluster's peers in order; ``failures`` lists the peers skipped by the last call."""

    peers: Sequence[AlertmanagerClient]
    failures: list[PeerFailure] = field(default_factory=list)

    async def first(
        self,
        call: Callable[[AlertmanagerClient], Awaitable[T]],
        *,
        write: bool = False,
    ) -> tuple[T, AlertmanagerClient]:
        """``call`` on the first peer that does it; returns its result and that peer."""
        if not self.peers:
            raise BackendError("alertmanager", FailureKind.NOT_CONFIGURED, "no Alertmanager configured")
        self.failures = []
        for peer in self.peers:
            try:
                return await call(peer), peer
            except BackendError as exc:
                if exc.kind == FailureKind.READ_ONLY or (write and exc.kind not in NO_ANSWER):
                    raise
                self.failures.append(PeerFailure(peer_label(peer.endpoint), exc))
        raise self._every_peer_failed()

    def _every_peer_failed(self) -> BackendError:
        if len(self.failures) == 1:
            return self.failures[0].error
        # A definite answer (404 "silence not found", 400) says more than the others' silence.
        answered = [f.error for f in self.failures if f.error.status is not None]
        return answered[0] if answered else NoPeerAnswered(self.failures)

    async def alerts(self) -> list[Alert]:
        """Every current alert of the cluster (active, silenced, inhibited, unprocessed)."""
        alerts, _ = await self.first(lambda peer: peer.alerts())
        return alerts

    async def silences(self) -> list[Silence]:
        """Every silence of the cluster, expired ones included."""
        silences, _ = await self.first(lambda peer: peer.silences())
        return silences

    async def silence(self, silence_id: str) -> Silence:
        """One silence by id."""
        silence, _ = await self.first(lambda peer: peer.silence(silence_id))
        return silence
