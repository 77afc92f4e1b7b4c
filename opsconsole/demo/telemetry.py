"""Log lines and traces of the demo world, generated on demand from (seed, entity, second).

Every request the world logs or traces is identified by (entity, unix second,
index). Trace ids encode that triple (masked, with a keyed check half), so the
simulated Jaeger can rebuild any trace from its id alone and the trace id in a
log line always opens the matching trace. Error and slow requests in the logs are
the same requests whose traces carry ``error=true`` and the long durations.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from opsconsole.demo.world import NAMESPACE, Instance, World

LINES_PER_SECOND = 0.6  # per instance, calm
NS = 1_000_000_000
US = 1_000_000

OPERATIONS = {
    "mca": ("coordinate_task", "dispatch_plan"),
    "npa": ("create_plan", "optimize_route"),
    "wpa": ("run_workflow", "schedule_step"),
    "bma": ("update_model", "evaluate_belief"),
    "core": ("POST /api/plans", "GET /api/users/:id"),
}
ERRORS = {
    "mca": "dispatch to npa failed: upstream timeout after 5000ms",
    "npa": "plan generation timed out: solver exceeded deadline",
    "wpa": "workflow step failed: core API returned 503",
    "bma": "belief update rejected: stale model version",
    "core": "database query failed: remaining connection slots are reserved",
}


@dataclass(frozen=True)
class Request:
    """One request of one instance: what its log line and its trace both describe."""

    inst: Instance
    second: int
    index: int
    offset_ns: int
    duration_s: float
    error: bool
    trace_id: str

    @property
    def time_ns(self) -> int:
        """When it finished (the log line's timestamp)."""
        return self.second * NS + self.offset_ns


class Telemetry:
    """Logs and traces for ``world``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._mask = int.from_bytes(hashlib.sha256(f"mask{world.seed}".encode()).digest()[:8], "big")
        self._index = {inst.entity_id: n for n, inst in enumerate(world.instances)}
        self.emitters = [i for i in world.instances if i.kind in ("agent", "core")]

    # -- ids ------------------------------------------------------------------------------

    def _check(self, payload: int) -> str:
        return hashlib.sha256(f"{self.world.seed}:{payload}".encode()).hexdigest()[:16]

    def trace_id(self, inst: Instance, second: int, index: int) -> str:
        """The 32-hex trace id of request (inst, second, index)."""
        payload = (self._index[inst.entity_id] << 48) | (second << 8) | index
        return f"{payload ^ self._mask:016x}{self._check(payload)}"

    def decode(self, trace_id: str) -> tuple[Instance, int, int] | None:
        """The request a trace id names, or None if it is not one of ours."""
        text = trace_id.lower().rjust(32, "0")
        try:
            payload = int(text[:16], 16) ^ self._mask
        except ValueError:
            return None
        if self._check(payload) != text[16:]:
            return None
        number, second, index = payload >> 48, (payload >> 8) & ((1 << 40) - 1), payload & 0xFF
        if number >= len(self.world.instances):
            return None
        return self.world.instances[number], second, index

    # -- requests -------------------------------------------------------------------------

    def _rng(self, inst: Instance, second: int, salt: str = "") -> random.Random:
        return random.Random(f"{self.world.seed}:{inst.entity_id}:{second}:{salt}")

    def requests(self, inst: Instance, second: int) -> list[Request]:
        """The logged requests of ``inst`` in one second (none while it is down)."""
        state = self.world.state(inst.entity_id, float(second))
        if not state.up:
            return []
        rng = self._rng(inst, second)
        calm_share = LINES_PER_SECOND * (2.0 if inst.kind == "core" else 1.0)
        count = int(calm_share) + (1 if rng.random() < calm_share % 1 else 0)
        # Failures are over-sampled into the log (every error is logged, successes are sampled).
        error_chance = min(0.9, state.error_ratio * 6)
        out = []
        for index in range(count + (1 if rng.random() < error_chance else 0)):
            error = index >= count
            duration = state.median_latency * math.exp(rng.gauss(0, 0.6)) * (3 if error else 1)
            out.append(
                Request(
                    inst,
                    second,
                    index,
                    int(rng.random() * NS),
                    duration,
                    error,
                    self.trace_id(inst, second, index),
                )
            )
        return out

    def request(self, inst: Instance, second: int, index: int) -> Request | None:
        """One request by its identity."""
        for req in self.requests(inst, second):
            if req.index == index:
                return req
        return None

    # -- logs -----------------------------------------------------------------------------

    def stream_labels(self, inst: Instance) -> dict[str, str]:
        """Loki stream labels of ``inst``'s logs."""
        app = inst.agent_type or "core-api"
        return {"namespace": NAMESPACE, "app": app, "agent_id": inst.entity_id, "container": app}

    def log_line(self, req: Request) -> str:
        """The winston-style JSON line for ``req``."""
        kind = req.inst.agent_type or "core"
        operation = OPERATIONS[kind][req.index % 2]
        slow = req.duration_s > 1.0
        level = "error" if req.error else ("warn" if slow else "info")
        if req.error:
            message = ERRORS[kind]
        elif slow:
            message = f"{operation} slow: {req.duration_s * 1000:.0f}ms"
        else:
            message = f"{operation} completed"
        record = {
            "timestamp": datetime.fromtimestamp(req.time_ns / NS, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": level,
            "message": message,
            "service": "progressive-framework-v5",
            "agent_type": req.inst.agent_type or "core",
            "agent_id": req.inst.entity_id,
            "event_type": "request_failed" if req.error else "request_completed",
            "duration_ms": round(req.duration_s * 1000, 1),
            "trace_id": req.trace_id,
            "span_id": req.trace_id[16:],
        }
        return json.dumps(record, separators=(",", ":"))

    def entries(self, inst: Instance, start_ns: int, end_ns: int) -> list[tuple[int, str]]:
        """(timestamp ns, line) of ``inst`` in ``[start_ns, end_ns)``, oldest first."""
        out = []
        for second in range(start_ns // NS, (end_ns - 1) // NS + 1):
            for req in self.requests(inst, second):
                if start_ns <= req.time_ns < end_ns:
                    out.append((req.time_ns, self.log_line(req)))
        out.sort()
        return out

    # -- traces ---------------------------------------------------------------------------

    def trace(self, trace_id: str) -> dict[str, object] | None:
        """The Jaeger v1 JSON of a trace id, or None if unknown."""
        decoded = self.decode(trace_id)
        if decoded is None:
            return None
        inst, second, index = decoded
        req = self.request(inst, second, index)
        return None if req is None else self.trace_json(req)

    def trace_json(self, req: Request) -> dict[str, object]:
        """A span tree for ``req``: API → coordinator → agent → database, as Jaeger returns it."""
        rng = self._rng(req.inst, req.second, f"trace{req.index}")
        kind = req.inst.agent_type or "core"
        end_us = req.time_ns // 1000
        total_us = max(int(req.duration_s * US), 500)
        start_us = end_us - total_us
        tid = req.trace_id
        spans: list[dict[str, object]] = []
        processes: dict[str, dict[str, object]] = {}

        def process(service: str, instance: str) -> str:
            key = f"p{len(processes) + 1}"
            for existing, proc in processes.items():
                if proc["serviceName"] == service:
                    return existing
            processes[key] = {
                "serviceName": service,
                "tags": [{"key": "hostname", "type": "string", "value": instance}],
            }
            return key

        def span(
            service: str,
            instance: str,
            op: str,
            begin: int,
            length: int,
            parent: str | None,
            error: bool,
            extra: dict[str, str] | None = None,
        ) -> str:
            span_id = hashlib.sha256(f"{tid}:{len(spans)}".encode()).hexdigest()[:16]
            tags: list[dict[str, object]] = [{"key": "span.kind", "type": "string", "value": "server"}]
            tags += [{"key": k, "type": "string", "value": v} for k, v in (extra or {}).items()]
            logs: list[dict[str, object]] = []
            if error:
                tags.append({"key": "error", "type": "bool", "value": True})
                logs.append(
                    {
                        "timestamp": begin + length,
                        "fields": [
                            {"key": "event", "type": "string", "value": "error"},
                            {
                                "key": "message",
                                "type": "string",
                                "value": ERRORS.get(service, "request failed"),
                            },
                        ],
                    }
                )
            spans.append(
                {
                    "traceID": tid,
                    "spanID": span_id,
                    "operationName": op,
                    "references": []
                    if parent is None
                    else [{"refType": "CHILD_OF", "traceID": tid, "spanID": parent}],
                    "startTime": begin,
                    "duration": length,
                    "tags": tags,
                    "logs": logs,
                    "processID": process(service, instance),
                    "warnings": None,
                    "flags": 1,
                }
            )
            return span_id

        operation = OPERATIONS[kind][req.index % 2]
        if kind == "core":
            root = span(
                "core-api",
                req.inst.instance,
                operation,
                start_us,
                total_us,
                None,
                req.error,
                {"http.method": operation.split()[0], "http.status_code": "500" if req.error else "200"},
            )
            db_len = int(total_us * rng.uniform(0.5, 0.8))
            span(
                "postgres",
                "postgres-0",
                "SELECT plans",
                start_us + int(total_us * 0.1),
                db_len,
                root,
                req.error,
                {"db.system": "postgresql"},
            )
            span(
                "redis",
                "redis-0",
                "GET session",
                start_us + 200,
                min(300, total_us // 10),
                root,
                False,
                {"db.system": "redis"},
            )
        else:
            root = span(
                "core-api",
                "core-1:3000",
                f"POST /api/agents/{kind}",
                start_us,
                total_us,
                None,
                req.error,
                {"http.method": "POST", "http.status_code": "502" if req.error else "200"},
            )
            coordinator = root
            if kind != "mca":
                coordinator = span(
                    "mca", "mca-1:9102", "coordinate_task", start_us + 300, total_us - 600, root, req.error
                )
            inner = max(total_us - 1500, 200)
            agent = span(
                kind,
                req.inst.instance,
                operation,
                start_us + 700,
                inner,
                coordinator,
                req.error,
                {"agent_id": req.inst.entity_id},
            )
            steps = 2 + rng.randrange(3)
            cursor = start_us + 900
            for step in range(steps):
                length = max(int(inner * rng.uniform(0.1, 0.3)), 100)
                span(
                    "postgres" if step % 2 == 0 else "redis",
                    "postgres-0" if step % 2 == 0 else "redis-0",
                    "SELECT context" if step % 2 == 0 else "GET plan_cache",
                    cursor,
                    length,
                    agent,
                    req.error and step == steps - 1,
                )
                cursor += length + 50
        return {"traceID": tid, "spans": spans, "processes": processes, "warnings": None}

    def services(self) -> list[str]:
        """Services that appear in traces."""
        return sorted({"core-api", "mca", "npa", "wpa", "bma", "postgres", "redis"})
