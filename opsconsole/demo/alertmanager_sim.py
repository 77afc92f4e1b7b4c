"""The simulated Alertmanager: routing, inhibition, silences and the v2 API.

Alerts come from the demo's rule evaluator (firing ones only, as Prometheus
sends them). Routing and inhibition follow 000 §AlertManager Configuration for
Progressive Framework's alerts (critical by service to database-, agents- or
core-critical, warnings to warning-alerts; a critical alert mutes warnings of the
same alertname and service; SystemDown mutes AgentUnresponsive in its environment)
and 002 §Alertmanager Configuration for FreeAgentics' (critical to pagerduty,
warning to slack). Silences come from :class:`SilenceStore`. Several HTTP peers can
share one instance, which is how an HA pair looks from the outside.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from opsconsole.core.alert_matchers import LabelMatcher, MatcherSyntaxError, parse_matchers
from opsconsole.demo.alert_rules import RuleAlert, RuleEvaluator
from opsconsole.demo.http_common import build_info
from opsconsole.demo.silences import SilenceRejected, SilenceStore, rfc3339

GROUP_BY = ("alertname", "severity", "service")
RESOLVE_AFTER = 240.0
# The release whose API the simulator follows (alert status with mutedBy, silence update rules).
VERSION = "0.35.0-opsconsole-demo"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PF_CRITICAL_BY_SERVICE = {
    "database": "database-critical",
    "context-agents": "agents-critical",
    "core-application": "core-critical",
}
RECEIVERS = (
    "default",
    "critical-alerts",
    *PF_CRITICAL_BY_SERVICE.values(),
    "warning-alerts",
    "dev-alerts",
    "staging-alerts",
    "web.hook",
    "pagerduty",
    "slack",
)


def receiver_for(labels: dict[str, str]) -> str:
    """The receiver the seeds' routing trees pick (the first matching route, no ``continue``)."""
    severity = labels.get("severity", "")
    if "cluster" not in labels:  # FreeAgentics' Prometheus sets no external labels (002)
        return {"critical": "pagerduty", "warning": "slack"}.get(severity, "web.hook")
    if severity == "critical":
        return PF_CRITICAL_BY_SERVICE.get(labels.get("service", ""), "critical-alerts")
    if severity == "warning":
        return "warning-alerts"
    return {"development": "dev-alerts", "staging": "staging-alerts"}.get(
        labels.get("environment", ""), "default"
    )


def _inhibits(source: dict[str, str], target: dict[str, str]) -> bool:
    """000's inhibit_rules: critical mutes warning with equal alertname and service; SystemDown
    mutes HighCPUUsage, HighMemoryUsage and AgentUnresponsive with equal environment."""

    def equal(*names: str) -> bool:
        return all(source.get(n, "") == target.get(n, "") for n in names)

    critical_over_warning = source.get("severity") == "critical" and target.get("severity") == "warning"
    if critical_over_warning and equal("alertname", "service"):
        return True
    return (
        source.get("alertname") == "SystemDown"
        and target.get("alertname", "") in ("HighCPUUsage", "HighMemoryUsage", "AgentUnresponsive")
        and equal("environment")
    )


class SimulatedAlertmanager:
    """Alert state as Alertmanager would hold it, derived from the rule evaluator."""

    def __init__(self, evaluator: RuleEvaluator, clock: Callable[[], float], started_at: float) -> None:
        self.evaluator = evaluator
        self.clock = clock
        self.started_at = started_at
        self.silences = SilenceStore()

    def alerts(self) -> list[dict[str, Any]]:
        """Every current alert in the ``gettableAlert`` shape."""
        now = self.clock()
        firing = [a for a in self.evaluator.alerts(now) if a.state == "firing"]
        out = []
        for alert in firing:
            silenced_by = self.silences.active_for(alert.labels, now)
            inhibited_by = [
                s.fingerprint
                for s in firing
                if s.fingerprint != alert.fingerprint and _inhibits(s.labels, alert.labels)
            ]
            out.append(self._gettable(alert, now, silenced_by, inhibited_by))
        return out

    def _gettable(
        self, alert: RuleAlert, now: float, silenced_by: list[str], inhibited_by: list[str]
    ) -> dict[str, Any]:
        starts = alert.active_at + alert.rule.for_seconds / self.evaluator.world.speed
        return {
            "fingerprint": alert.fingerprint,
            "labels": alert.labels,
            "annotations": alert.annotations,
            "startsAt": rfc3339(starts),
            "endsAt": rfc3339(now + RESOLVE_AFTER),
            "updatedAt": rfc3339(now),
            "generatorURL": f"http://prometheus.demo/graph?g0.expr={alert.rule.name}",
            "receivers": [{"name": receiver_for(alert.labels)}],
            "status": {
                "state": "suppressed" if silenced_by or inhibited_by else "active",
                "silencedBy": silenced_by,
                "inhibitedBy": inhibited_by,
                "mutedBy": [],
            },
        }


def _bool(request: web.Request, name: str) -> bool:
    return request.query.get(name, "true").lower() != "false"


def _filters(request: web.Request) -> list[LabelMatcher]:
    out: list[LabelMatcher] = []
    for raw in request.query.getall("filter", []):
        if raw.strip().startswith("{"):
            raise web.HTTPBadRequest(
                text=json.dumps(f"bad matcher format: {raw}"), content_type="application/json"
            )
        try:
            parsed = parse_matchers(raw)
        except MatcherSyntaxError:
            raise web.HTTPBadRequest(
                text=json.dumps(f"bad matcher format: {raw}"), content_type="application/json"
            ) from None
        if len(parsed) != 1:
            raise web.HTTPBadRequest(
                text=json.dumps(f"bad matcher format: {raw}"), content_type="application/json"
            )
        out.extend(parsed)
    return out


def _selected(request: web.Request, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    matchers = _filters(request)
    want_active, want_silenced, want_inhibited = (
        _bool(request, n) for n in ("active", "silenced", "inhibited")
    )
    receiver = request.query.get("receiver")
    try:
        receiver_re = re.compile(f"^(?:{receiver})$") if receiver else None
    except re.error:
        raise web.HTTPBadRequest(
            text=json.dumps(f"failed to parse receiver param: {receiver}"), content_type="application/json"
        ) from None
    out = []
    for alert in alerts:
        status = alert["status"]
        if status["silencedBy"] and not want_silenced:
            continue
        if status["inhibitedBy"] and not want_inhibited:
            continue
        if status["state"] == "active" and not want_active:
            continue
        if receiver_re and not any(receiver_re.match(r["name"]) for r in alert["receivers"]):
            continue
        if all(m.matches(alert["labels"]) for m in matchers):
            out.append(alert)
    return out


def alertmanager_app(sim: SimulatedAlertmanager, peer_name: str = "demo-am-0") -> web.Application:
    """The Alertmanager v2 API over ``sim``."""
    routes = web.RouteTableDef()

    @routes.get("/-/healthy")
    @routes.get("/-/ready")
    async def healthy(_: web.Request) -> web.Response:
        return web.Response(text="OK")

    @routes.get("/api/v2/status")
    async def status(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "cluster": {
                    "name": peer_name,
                    "status": "ready",
                    "peers": [{"name": peer_name, "address": "127.0.0.1:9094"}],
                },
                "versionInfo": build_info(VERSION),
                "config": {
                    "original": "route:\n  receiver: default\n  group_by: [alertname, severity, service]\n"
                },
                "uptime": rfc3339(sim.started_at),
            }
        )

    @routes.get("/api/v2/receivers")
    async def receivers(_: web.Request) -> web.Response:
        return web.json_response([{"name": n} for n in sorted(RECEIVERS)])

    @routes.get("/api/v2/alerts")
    async def alerts(request: web.Request) -> web.Response:
        return web.json_response(_selected(request, sim.alerts()))

    @routes.get("/api/v2/alerts/groups")
    async def groups(request: web.Request) -> web.Response:
        grouped: dict[tuple[str, ...], dict[str, Any]] = {}
        for alert in _selected(request, sim.alerts()):
            receiver = alert["receivers"][0]["name"]
            key = (receiver, *(alert["labels"].get(k, "") for k in GROUP_BY))
            group = grouped.setdefault(
                key,
                {
                    "labels": {k: alert["labels"][k] for k in GROUP_BY if k in alert["labels"]},
                    "receiver": {"name": receiver},
                    "alerts": [],
                },
            )
            group["alerts"].append(alert)
        return web.json_response(list(grouped.values()))

    @routes.post("/api/v2/alerts")
    async def post_alerts(_: web.Request) -> web.Response:
        # Alerts come from the world's rules; accept and ignore pushes so tools that post do not fail.
        return web.Response(status=200)

    @routes.get("/api/v2/silences")
    async def silences(request: web.Request) -> web.Response:
        now = sim.clock()
        wanted = _filters(request)
        out = []
        for silence in sorted(sim.silences.all(), key=lambda s: sim.silences.sort_key(s, now)):
            own = {str(m) for m in silence.label_matchers()}
            if all(str(m) in own for m in wanted):
                out.append(silence.to_json(now))
        return web.json_response(out)

    @routes.post("/api/v2/silences")
    async def post_silence(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response(
                {"code": 400, "message": 'parsing silence body from "" failed'}, status=400
            )
        try:
            silence_id = sim.silences.upsert(body, sim.clock())
        except SilenceRejected as exc:
            return web.json_response(exc.body, status=exc.status)
        return web.json_response({"silenceID": silence_id})

    @routes.get("/api/v2/silence/{id}")
    async def get_silence(request: web.Request) -> web.Response:
        silence_id = request.match_info["id"]
        if not _UUID.match(silence_id):
            return web.json_response(
                {"code": 601, "message": f'silenceID in path must be of type uuid: "{silence_id}"'},
                status=422,
            )
        silence = sim.silences.get(silence_id)
        if silence is None:
            return web.Response(status=404)
        return web.json_response(silence.to_json(sim.clock()))

    @routes.delete("/api/v2/silence/{id}")
    async def delete_silence(request: web.Request) -> web.Response:
        silence_id = request.match_info["id"]
        if not _UUID.match(silence_id):
            return web.json_response(
                {"code": 601, "message": f'silenceID in path must be of type uuid: "{silence_id}"'},
                status=422,
            )
        try:
            sim.silences.expire(silence_id, sim.clock())
        except KeyError:
            return web.json_response("silence not found", status=404)
        return web.Response(status=200)

    @routes.route("*", "/api/v1/{tail:.*}")
    async def gone(_: web.Request) -> web.Response:
        return web.json_response(
            {"status": "deprecated", "error": "The Alertmanager v1 API was deprecated"}, status=410
        )

    app = web.Application()
    app.add_routes(routes)
    return app
