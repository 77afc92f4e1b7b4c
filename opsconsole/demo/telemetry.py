"""Log lines and traces of the demo world, generated on demand from (seed, entity, second).

Every request the world logs or traces is identified by (entity, unix second,
index). Trace ids encode that triple (masked, with a keyed check half), so the
simulated Jaeger can rebuild any trace from its id alone and the trace id in a
log line always opens the matching trace. Error and slow requests in the logs are
the same requests whose traces carry ``error=true`` and the long durations.

Log lines are the winston JSON of 001 §Structured Logging Implementation (timestamp,
level, message, agent_type, agent_id, trace_id, span_id, plus event fields) in streams
labelled as 000 §Promtail Log Collection Configuration (job progressive-framework-v5)
labels them: app, namespace, pod, container, and service and agent_type from the line.
(That promtail job also makes ``level`` and ``trace_id`` stream labels; here they stay in the
line, since the simulated Loki labels streams per process.) Traces use the services of
000 §Application Tracing Integration (``progressive-framework-v5``) and 001 §Jaeger
Integration (``progressive-framework-<agent type>``), with 001's span names (``GET /path``,
``call.<agent>.<op>``, ``npa.meal_planning``, ``db.select``).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from opsconsole.demo.fleet import CORE_DEPLOYMENT, Instance
from opsconsole.demo.world import World

LINES_PER_SECOND = 0.6  # per instance, calm
NS = 1_000_000_000
US = 1_000_000
CORE_SERVICE = CORE_DEPLOYMENT  # 000: SERVICE_NAME progressive-framework-v5
LOG_SERVICE = "progressive-framework-v5"  # winston defaultMeta.service (001)

OPERATIONS = {
    "mca": ("route_request", "coordinate_agents"),
    "npa": ("generate_meal_plan", "calculate_calories"),
    "wpa": ("generate_workout_plan", "recommend_exercises"),
    "bma": ("analyze_budget", "create_budget"),
    "core": ("POST /api/plans", "GET /api/users/:id"),
}
BUSINESS_SPANS = {
    "mca": "mca.routing",
    "npa": "npa.meal_planning",
    "wpa": "wpa.workout_planning",
    "bma": "bma.budget_analysis",
}
ERRORS = {
    "mca": "coordination with npa failed: upstream timeout after 5000ms",
    "npa": "meal plan generation timed out: solver exceeded deadline",
    "wpa": "workout plan failed: core API returned 503",
    "bma": "budget analysis rejected: stale model version",
    "core": "database query failed: remaining connection slots are reserved",
}


def agent_service(kind: str) -> str:
    """The Jaeger service of an agent type, or of the core API (``kind == "core"``)."""
    return CORE_SERVICE if kind == "core" else f"progressive-framework-{kind}"


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
        self.emitters = [
            i for i in world.instances if i.kind in ("agent", "core")
        ]  # FreeAgentics logs to ELK

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
        """Loki stream labels of ``inst``'s logs (000's promtail job progressive-framework-v5)."""
        app = inst.agent_type or CORE_DEPLOYMENT
        labels = {
            "app": app,
            "namespace": inst.namespace,
            "pod": inst.pod,
            "container": app,
            "service": LOG_SERVICE,
        }
        if inst.agent_type:
            labels["agent_type"] = inst.agent_type
        return labels

    def log_line(self, req: Request) -> str:
        """The winston JSON line for ``req``."""
        kind = req.inst.agent_type or "core"
        operation = OPERATIONS[kind][req.index % 2]
        slow = req.duration_s > (1.0 if kind == "core" else 10.0)
        level = "error" if req.error else ("warn" if slow else "info")
        if req.error:
            message = ERRORS[kind]
        elif slow:
            message = f"{operation} slow: {req.duration_s * 1000:.0f}ms"
        else:
            message = "Request completed" if kind == "core" else f"{operation} completed"
        record: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(req.time_ns / NS, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": level,
            "message": message,
            "service": LOG_SERVICE,
        }
        if req.inst.agent_type:
            record |= {"agent_type": req.inst.agent_type, "agent_id": req.inst.pod}
        record |= {
            "trace_id": req.trace_id,
            "span_id": req.trace_id[16:],
            "event_type": "error" if req.error else ("performance" if slow else "request_end"),
            "duration": round(req.duration_s * 1000, 1),
        }
        if kind == "core":
            record["statusCode"] = 500 if req.error else 200
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
        """A span tree for ``req``: API → MCA → agent → database, as Jaeger returns it."""
        rng = self._rng(req.inst, req.second, f"trace{req.index}")
        kind = req.inst.agent_type or "core"
        end_us = req.time_ns // 1000
        total_us = max(int(req.duration_s * US), 500)
        start_us = end_us - total_us
        tid = req.trace_id
        spans: list[dict[str, object]] = []
        processes: dict[str, dict[str, object]] = {}

        def process(service: str, instance: Instance) -> str:
            for existing, proc in processes.items():
                if proc["serviceName"] == service:
                    return existing
            key = f"p{len(processes) + 1}"
            processes[key] = {
                "serviceName": service,
                "tags": [
                    {"key": "hostname", "type": "string", "value": instance.pod or instance.instance},
                    {"key": "version", "type": "string", "value": "5.0.0"},
                ],
            }
            return key

        def span(
            service: str,
            instance: Instance,
            op: str,
            begin: int,
            length: int,
            parent: str | None,
            error: bool,
            extra: dict[str, str] | None = None,
            span_kind: str = "server",
        ) -> str:
            span_id = hashlib.sha256(f"{tid}:{len(spans)}".encode()).hexdigest()[:16]
            tags: list[dict[str, object]] = [{"key": "span.kind", "type": "string", "value": span_kind}]
            tags += [{"key": k, "type": "string", "value": v} for k, v in (extra or {}).items()]
            logs: list[dict[str, object]] = []
            if error:
                tags.append({"key": "error", "type": "bool", "value": True})
                logs.append(
                    {
                        "timestamp": begin + length,
                        "fields": [
                            {"key": "event", "type": "string", "value": "error"},
                            {"key": "error.kind", "type": "string", "value": "Exception"},
                            {"key": "message", "type": "string", "value": ERRORS.get(kind, "request failed")},
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

        def db(
            service: str, instance: Instance, begin: int, length: int, parent: str, error: bool, table: str
        ) -> None:
            span(
                service,
                instance,
                "db.select",
                begin,
                length,
                parent,
                error,
                {
                    "db.operation": "select",
                    "db.table": table,
                    "component": "database",
                    "db.system": "postgresql",
                },
                "client",
            )

        operation = OPERATIONS[kind][req.index % 2]
        world = self.world
        if kind == "core":
            method, path = operation.split(" ", 1)
            root = span(
                CORE_SERVICE,
                req.inst,
                operation,
                start_us,
                total_us,
                None,
                req.error,
                {"http.method": method, "http.path": path, "http.status_code": "500" if req.error else "200"},
            )
            db_len = int(total_us * rng.uniform(0.5, 0.8))
            db(CORE_SERVICE, req.inst, start_us + int(total_us * 0.1), db_len, root, req.error, "plans")
        else:
            core = next(i for i in world.instances if i.kind == "core" and i.namespace == req.inst.namespace)
            mca = next(
                i for i in world.instances if i.agent_type == "mca" and i.namespace == req.inst.namespace
            )
            root = span(
                CORE_SERVICE,
                core,
                f"POST /api/agents/{kind}",
                start_us,
                total_us,
                None,
                req.error,
                {
                    "http.method": "POST",
                    "http.path": f"/api/agents/{kind}",
                    "http.status_code": "502" if req.error else "200",
                },
            )
            caller = root
            if kind != "mca":
                caller = span(
                    agent_service("mca"),
                    mca,
                    f"call.{kind}.{operation}",
                    start_us + 300,
                    total_us - 600,
                    root,
                    req.error,
                    {"agent.type": "mca", "agent.target": kind, "operation": operation},
                    "client",
                )
            inner = max(total_us - 1500, 200)
            agent = span(
                agent_service(kind),
                req.inst,
                f"agent.{operation}",
                start_us + 700,
                inner,
                caller,
                req.error,
                {"agent.type": kind, "agent.id": req.inst.pod, "agent.operation": operation},
            )
            business = span(
                agent_service(kind),
                req.inst,
                BUSINESS_SPANS[kind],
                start_us + 800,
                max(inner - 200, 100),
                agent,
                req.error,
                {"business.operation": operation},
                "internal",
            )
            steps = 2 + rng.randrange(3)
            cursor = start_us + 900
            for step in range(steps):
                length = max(int(inner * rng.uniform(0.1, 0.3)), 100)
                db(
                    agent_service(kind),
                    req.inst,
                    cursor,
                    length,
                    business,
                    req.error and step == steps - 1,
                    "context",
                )
                cursor += length + 50
        return {"traceID": tid, "spans": spans, "processes": processes, "warnings": None}

    def services_of(self, inst: Instance) -> set[str]:
        """The Jaeger services a request of ``inst`` touches."""
        kind = inst.agent_type or "core"
        if kind == "core":
            return {CORE_SERVICE}
        return {CORE_SERVICE, agent_service("mca"), agent_service(kind)}

    def operations(self, service: str) -> list[str]:
        """Operation names ``service`` reports."""
        if service == CORE_SERVICE:
            return sorted(
                {*OPERATIONS["core"], *(f"POST /api/agents/{k}" for k in BUSINESS_SPANS), "db.select"}
            )
        for kind in BUSINESS_SPANS:
            if service == agent_service(kind):
                ops = {f"agent.{op}" for op in OPERATIONS[kind]} | {BUSINESS_SPANS[kind], "db.select"}
                if kind == "mca":
                    ops |= {f"call.{k}.{op}" for k in BUSINESS_SPANS if k != "mca" for op in OPERATIONS[k]}
                return sorted(ops)
        return []

    def services(self) -> list[str]:
        """Services that appear in traces."""
        return sorted({s for inst in self.emitters for s in self.services_of(inst)})
