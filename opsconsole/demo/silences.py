"""The simulated Alertmanager's silence store, with Alertmanager's own validation.

Answers follow the reference's observed behaviour of Alertmanager 0.25+: the
same status codes, the same two error body shapes, update-in-place only when
the matchers are unchanged, expired silences kept and listed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opsconsole.core.alert_matchers import LabelMatcher, Operator
from opsconsole.core.go_regex import RegexSyntaxError, compile_go_regex


class SilenceRejected(Exception):
    """Alertmanager's refusal: HTTP status and the JSON body it would send."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


@dataclass
class StoredSilence:
    """One silence as the store keeps it (times are unix seconds)."""

    id: str
    matchers: list[dict[str, Any]]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    updated_at: float
    expired_early: bool = field(default=False)

    def state(self, now: float) -> str:
        """pending, active or expired at ``now``."""
        if self.ends_at <= now:
            return "expired"
        return "pending" if self.starts_at > now else "active"

    def label_matchers(self) -> list[LabelMatcher]:
        """The matchers as :class:`LabelMatcher` objects."""
        out = []
        for m in self.matchers:
            op: Operator = (
                ("=~" if m["isRegex"] else "=")
                if m.get("isEqual", True)
                else ("!~" if m["isRegex"] else "!=")
            )
            out.append(LabelMatcher(m["name"], op, m["value"]))
        return out

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether this silence mutes an alert with ``labels`` (ignoring time)."""
        return all(m.matches(labels) for m in self.label_matchers())

    def to_json(self, now: float) -> dict[str, Any]:
        """The ``gettableSilence`` shape."""
        return {
            "id": self.id,
            "status": {"state": self.state(now)},
            "updatedAt": rfc3339(self.updated_at),
            "matchers": self.matchers,
            "startsAt": rfc3339(self.starts_at),
            "endsAt": rfc3339(self.ends_at),
            "createdBy": self.created_by,
            "comment": self.comment,
        }


def rfc3339(t: float) -> str:
    """Alertmanager's time format (milliseconds, Z)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"


def parse_time(text: Any, field_name: str) -> float:
    """An RFC 3339 time from a request body."""
    if not isinstance(text, str):
        raise SilenceRejected(422, {"code": 602, "message": f"{field_name} in body is required"})
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise SilenceRejected(
            400,
            {
                "code": 400,
                "message": f'parsing silence body from "" failed, because {field_name} is not a time',
            },
        ) from None


_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _validate_matchers(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise SilenceRejected(422, {"code": 612, "message": "matchers in body should have at least 1 items"})
    out = []
    for index, m in enumerate(raw):
        if not isinstance(m, dict):
            raise SilenceRejected(
                422, {"code": 602, "message": f"matchers.{index} in body must be of type object"}
            )
        for key in ("name", "value", "isRegex"):
            if key not in m:
                raise SilenceRejected(
                    422, {"code": 602, "message": f"matchers.{index}.{key} in body is required"}
                )
        if not _LABEL_NAME.fullmatch(str(m["name"])):
            raise SilenceRejected(
                400, f"silence invalid: invalid label matcher {index}: invalid label name {m['name']!r}"
            )
        if m["isRegex"]:
            try:  # Go's regexp, as the real Alertmanager compiles it (and as its matchers then match)
                compile_go_regex(str(m["value"]), "Alertmanager")
            except RegexSyntaxError as exc:
                raise SilenceRejected(400, f"silence invalid: invalid label matcher {index}: {exc}") from None
        out.append(
            {
                "name": str(m["name"]),
                "value": str(m["value"]),
                "isRegex": bool(m["isRegex"]),
                "isEqual": bool(m.get("isEqual", True)),
            }
        )
    probe = StoredSilence("", out, 0, 0, "", "", 0)
    if all(lm.op in ("=", "=~") and lm.matches({}) for lm in probe.label_matchers()):
        raise SilenceRejected(400, "silence invalid: at least one matcher must not match the empty string")
    return out


class SilenceStore:
    """Silences of one simulated Alertmanager cluster."""

    def __init__(self) -> None:
        self._silences: dict[str, StoredSilence] = {}

    def all(self) -> list[StoredSilence]:
        """Every silence, including expired ones."""
        return list(self._silences.values())

    def get(self, silence_id: str) -> StoredSilence | None:
        """One silence, or None."""
        return self._silences.get(silence_id)

    def upsert(self, body: Any, now: float) -> str:
        """Create or update from a ``postableSilence``; returns the (possibly new) id."""
        if not isinstance(body, dict):
            raise SilenceRejected(400, {"code": 400, "message": 'parsing silence body from "" failed'})
        matchers = _validate_matchers(body.get("matchers"))
        for key in ("startsAt", "endsAt", "createdBy", "comment"):
            if key not in body:
                raise SilenceRejected(422, {"code": 602, "message": f"{key} in body is required"})
        starts = max(parse_time(body["startsAt"], "startsAt"), now)
        ends = parse_time(body["endsAt"], "endsAt")
        if starts >= ends:
            raise SilenceRejected(400, "Failed to create silence: start time must be before end time")
        if ends < now:
            raise SilenceRejected(400, "Failed to create silence: end time can't be in the past")
        wanted_id = body.get("id")
        if wanted_id:
            old = self._silences.get(str(wanted_id))
            if old is None:
                raise SilenceRejected(404, "silence not found")
            state = old.state(now)
            if (
                old.matchers == matchers
                and state != "expired"
                # Alertmanager updates an active silence in place only if its start is unchanged.
                and (state == "pending" or old.starts_at == starts)
            ):
                old.starts_at = old.starts_at if state == "active" else starts
                old.ends_at = ends
                old.created_by = str(body["createdBy"])
                old.comment = str(body["comment"])
                old.updated_at = now
                return old.id
            self.expire(old.id, now)
        silence = StoredSilence(
            str(uuid.uuid4()), matchers, starts, ends, str(body["createdBy"]), str(body["comment"]), now
        )
        self._silences[silence.id] = silence
        return silence.id

    def expire(self, silence_id: str, now: float) -> None:
        """Expire now (already-expired is fine); ``KeyError`` for an unknown id."""
        silence = self._silences[silence_id]
        if silence.state(now) == "expired":
            return
        silence.ends_at = now
        if silence.starts_at > now:
            silence.starts_at = now
        silence.updated_at = now
        silence.expired_early = True

    def active_for(self, labels: dict[str, str], now: float) -> list[str]:
        """Ids of active silences that mute ``labels``."""
        return [s.id for s in self._silences.values() if s.state(now) == "active" and s.matches(labels)]

    @staticmethod
    def sort_key(silence: StoredSilence, now: float) -> tuple[int, float]:
        """Alertmanager's order: active (soonest end), pending (soonest start), expired (latest end)."""
        state = silence.state(now)
        if state == "active":
            return (0, silence.ends_at)
        if state == "pending":
            return (1, silence.starts_at)
        return (2, -silence.ends_at)
