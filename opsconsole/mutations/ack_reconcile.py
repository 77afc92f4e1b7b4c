"""Expire "until resolved" acks whose alert has been resolved longer than the grace period.

One pass per Alertmanager cluster of the context: list its silences and every alert it holds
(silenced ones included), decide with :func:`opsconsole.core.ack_state.plan_reconcile`, and expire
through :class:`~opsconsole.mutations.silences.SilenceService` (the one safe path: read-only refused
before a request exists, every expiry journalled with its reason).

When each ack's alert was first seen absent is kept in ``acks-resolved.json`` in the XDG state dir,
written whole and atomically (a temporary file renamed over the old one), so several consoles and a
CronJob on one host may share it: the worst a lost write can do is start a grace period later.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from opsconsole.backends.alertmanager_models import Silence
from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.core.ack_state import AckDecision, AckSilence, plan_reconcile
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_draft import parse_ack
from opsconsole.mutations.silence_inventory import cluster_service, clusters_of
from opsconsole.mutations.silences import SilenceService


def default_state_path() -> Path:
    """``$XDG_STATE_HOME/opsconsole/acks-resolved.json``."""
    return Path(platformdirs.user_state_dir("opsconsole", appauthor=False)) / "acks-resolved.json"


def load_state(path: Path) -> tuple[dict[str, float], str]:
    """The remembered absences, and a note when the file could not be used (then: start afresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, ""
    except (OSError, ValueError) as exc:
        return {}, f"{path}: unreadable ({exc}); grace periods start now"
    if not isinstance(data, dict) or not isinstance(data.get("resolved_since"), dict):
        return {}, f"{path}: not an acks state file; grace periods start now"
    state: dict[str, float] = {}
    for key, value in data["resolved_since"].items():
        # A hand-edited file with anything but a time is refused whole, as a corrupt one is, and said so.
        if (when := _time(value)) is None:
            where = f"resolved_since[{_shown(key)}] is {_shown(value)}, not a time"
            return {}, f"{path}: not an acks state file ({where}); grace periods start now"
        state[str(key)] = when
    return state, ""


def _time(value: object) -> float | None:
    """A finite number of seconds; not true (bool is an int in Python), a string, null, NaN, or an
    integer too large for a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        when = float(value)
    except OverflowError:
        return None
    return when if math.isfinite(when) else None


def _shown(value: object) -> str:
    """A value from the file as JSON (escapes and all: never raw terminal control), cut short."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:39] + "…"


def save_state(path: Path, state: dict[str, float]) -> None:
    """Write the state whole, atomically (rename over the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".acks-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"resolved_since": state}, handle, indent=1, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def ack_silence(silence: Silence) -> AckSilence | None:
    """An active ``until resolved`` ack, or None for anything else (timed acks, plain silences)."""
    if silence.status.state != "active":
        return None
    ack = parse_ack(silence.comment, silence.ends_at.timestamp())
    if ack is None or not ack.until_resolved:
        return None
    matchers = tuple(
        LabelMatcher(m.name, m.operator, m.value)  # type: ignore[arg-type]
        for m in silence.matchers
    )
    return AckSilence(silence.id, matchers, ack.who, silence.comment)


def describe_ack(ack: AckSilence) -> str:
    """``AgentDown{instance="npa-3"} (ACK alice)``: the alert an ack holds, as its matchers say.

    Only an ``alertname="..."`` matcher names the alert; any other (``=~``, ``!=``) is listed with the
    rest (``?{alertname=~"Disk.*"}``), never dropped.
    """
    named = next((m for m in ack.matchers if m.name == "alertname" and m.op == "="), None)
    rest = ", ".join(str(m) for m in ack.matchers if m is not named)
    return f"{named.value if named else '?'}{{{rest}}} (ACK {ack.by})"


@dataclass
class ClusterOutcome:
    """One cluster's pass: the decisions, what was expired, and what failed (with the reason).

    ``state_note`` says when the state file could not be used (grace periods start afresh), so a
    corrupt file is reported, not silently replaced.
    """

    cluster: str
    decisions: list[AckDecision] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    error: str = ""
    read_only: bool = False
    state_note: str = ""

    def as_json(self) -> dict[str, Any]:
        """For ``acks reconcile --json``."""
        return {
            "cluster": self.cluster,
            "error": self.error or None,
            "state_note": self.state_note or None,
            "acks": [
                {
                    "silence_id": d.silence.id,
                    "alert": describe_ack(d.silence),
                    "by": d.silence.by,
                    "action": d.action,
                    "resolved_since": d.resolved_since,
                    "reason": d.reason,
                    "expired": d.silence.id in self.expired,
                    "failed": self.failed.get(d.silence.id),
                }
                for d in self.decisions
            ],
        }


async def reconcile_acks(
    service: SilenceService, grace: float, state_path: Path | None = None
) -> list[ClusterOutcome]:
    """One pass over every cluster; expires what is due, saves the state (unless ``state_path`` is None
    and then it is kept nowhere: every pass starts the grace afresh)."""
    state, note = load_state(state_path) if state_path is not None else ({}, "")
    now = service.clock()
    outcomes: list[ClusterOutcome] = []
    new_state: dict[str, float] = {}
    decided: set[str] = set()
    incomplete = False
    for cluster in clusters_of(service):
        one = cluster_service(service, cluster)
        outcome = ClusterOutcome(cluster, read_only=service.read_only, state_note=note)
        outcomes.append(outcome)
        try:
            silences = await one.silences()
            alerts = await one.alerts()
        except BackendError as exc:
            outcome.error = exc.message
            incomplete = True
            continue
        acks = [a for a in (ack_silence(s) for s in silences) if a is not None]
        plan = plan_reconcile(acks, [a.labels for a in alerts], state, now, grace)
        outcome.decisions = plan.decisions
        decided.update(a.id for a in acks)
        new_state.update(plan.state)
        for decision in plan.decisions:
            if decision.action != "expire":
                continue
            ack = decision.silence
            try:
                await one.expire(ack.id, reason=f"acks reconcile: {describe_ack(ack)}: {decision.reason}")
            except BackendError as exc:
                outcome.failed[ack.id] = exc.message
                if exc.kind != FailureKind.NOT_FOUND and decision.resolved_since is not None:
                    new_state[ack.id] = decision.resolved_since  # try again next pass, same grace
                continue
            outcome.expired.append(ack.id)
    if incomplete:
        # A cluster that did not answer keeps what was known about its acks.
        new_state.update({k: v for k, v in state.items() if k not in decided and k not in new_state})
    if state_path is not None:
        save_state(state_path, new_state)
    return outcomes


@dataclass
class AckReconciler:
    """What a running console does: a pass now and then, never in a read-only context, never raising.

    The console calls :meth:`run` from a timer; the outcomes are for a notification (what it ended).
    """

    grace: float
    state_path: Path | None = field(default_factory=default_state_path)
    running: bool = False

    async def run(self, service: SilenceService) -> list[ClusterOutcome]:
        """One pass (nothing when read-only or a pass is still running)."""
        if service.read_only or not service.peers or self.running:
            return []
        self.running = True
        try:
            return await reconcile_acks(service, self.grace, self.state_path)
        except (BackendError, OSError):
            return []  # the next pass tries again; the alerts pane already says what is down
        finally:
            self.running = False
