"""The simulated Prometheus HTTP API over the demo world and its PromQL engine."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from opsconsole.core.durations import parse_duration, prometheus_duration
from opsconsole.demo.alert_rules import RuleEvaluator
from opsconsole.demo.http_common import build_info, request_params
from opsconsole.demo.promql.engine import Engine, parse
from opsconsole.demo.promql.stored_labels import as_stored
from opsconsole.demo.promql.values import PromqlError, RangeSeries, Sample, Scalar, String, Value
from opsconsole.demo.standard_exporters import HONOR_LABELS, StandardExporters
from opsconsole.demo.world import SCRAPE_INTERVAL, Series, World

# The release whose behaviour the simulator follows (left-open ranges, le in float form).
VERSION = "3.16.0-opsconsole-demo"


def format_value(value: float) -> str:
    """Prometheus' sample value text (``NaN``, ``+Inf``, no exponent)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text


def _time(text: str | None, default: float) -> float:
    if text is None or text == "":
        return default
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise PromqlError(f'invalid parameter "time": cannot parse "{text}" to a valid timestamp') from None


def _step(text: str | None) -> float:
    if not text:
        raise PromqlError('invalid parameter "step": cannot parse "" to a valid duration')
    try:
        return float(text)
    except ValueError:
        try:
            return parse_duration(text)
        except ValueError:
            raise PromqlError(
                f'invalid parameter "step": cannot parse "{text}" to a valid duration'
            ) from None


def _metric(labels: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(labels)


def encode(value: Value, t: float) -> dict[str, Any]:
    """The ``data`` object of a query answer."""
    if isinstance(value, Scalar):
        return {"resultType": "scalar", "result": [t, format_value(value.value)]}
    if isinstance(value, String):
        return {"resultType": "string", "result": [t, value.value]}
    if value and isinstance(value[0], RangeSeries):
        return {
            "resultType": "matrix",
            "result": [
                {"metric": _metric(s.labels), "values": [[p, format_value(v)] for p, v in s.points]}
                for s in value
                if isinstance(s, RangeSeries)
            ],
        }
    return {
        "resultType": "vector",
        "result": [
            {"metric": _metric(s.labels), "value": [t, format_value(s.value)]}
            for s in value
            if isinstance(s, Sample)
        ],
    }


def _has_samples(series: Series, start: float, end: float, step: float) -> bool:
    """Whether ``series`` has a sample between ``start`` and ``end`` (a labelled counter that has
    not appeared yet, or a process that is gone, is not listed by the metadata APIs)."""
    gaps = series.gaps(start, end) or []
    t = math.floor(end / step) * step
    while t >= start:
        inside = [lo for lo, hi in gaps if lo <= t < hi]
        if not inside:
            return series.value(t) is not None
        if not math.isfinite(min(inside)):
            return False
        t = math.floor((min(inside) - 1e-9) / step) * step  # before the earliest gap covering t
    return False


def _error(exc: PromqlError) -> web.Response:
    return web.json_response(
        {"status": "error", "errorType": exc.error_type, "error": str(exc)}, status=exc.status
    )


class SimulatedPrometheus:
    """The engine, the rules and the series list the API serves."""

    def __init__(
        self,
        world: World,
        clock: Callable[[], float],
        scrape_interval: float = SCRAPE_INTERVAL,
        exporters: StandardExporters | None = None,
    ) -> None:
        self.world = world
        self.clock = clock
        self._alerts_series: list[Series] = []
        self._world_source: list[Series] | None = None
        self._world_stored: list[Series] = []
        self._all_world: list[Series] | None = None
        self._all: list[Any] = []
        self.scrape_interval = scrape_interval
        self.exporters = exporters or StandardExporters(world)
        self.engine = Engine(self.all_series, scrape_interval)
        # Exporters expose le="1" as much as the world does; Prometheus 3 stores them all in float form.
        self._exporter_series: list[Any] = [as_stored(s) for s in self.exporters.series()]
        self.rules = RuleEvaluator(world, Engine(self.world_series, SCRAPE_INTERVAL))
        self._alerts_series = self.rules.alerts_series()

    def world_series(self) -> list[Series]:
        """The world's series as Prometheus 3 would have stored them from a scrape (``le`` as floats)."""
        source = self.world.series()
        if source is not self._world_source:
            self._world_source, self._world_stored = source, [as_stored(s) for s in source]
        return self._world_stored

    def all_series(self) -> list[Any]:
        """World series, the standard exporters' series and ``ALERTS``: the same list object until the
        world's series change (the engine indexes series by name once per list)."""
        world = self.world_series()
        if world is not self._all_world:
            self._all_world = world
            self._all = [*world, *self._exporter_series, *self._alerts_series]
        return self._all

    def config_yaml(self) -> str:
        """The config ``/api/v1/status/config`` serves: every scrape job with its interval, the way
        Prometheus prints its loaded config (defaults filled in)."""
        interval = prometheus_duration(self.scrape_interval)
        lines = [
            "global:",
            f"  scrape_interval: {interval}",
            "  scrape_timeout: 10s",
            f"  evaluation_interval: {interval}",
            "scrape_configs:",
        ]
        for job, own in sorted(self.exporters.jobs().items()):
            lines += [
                f"- job_name: {job}",
                f"  honor_labels: {'true' if job in HONOR_LABELS else 'false'}",
                f"  scrape_interval: {prometheus_duration(own) if own else interval}",
                "  scrape_timeout: 10s",
                "  metrics_path: /metrics",
                "  scheme: http",
            ]
        return "\n".join(lines) + "\n"


def prometheus_app(sim: SimulatedPrometheus) -> web.Application:
    """The Prometheus v1 HTTP API over ``sim``."""
    routes = web.RouteTableDef()

    @routes.route("*", "/api/v1/query")
    async def query(request: web.Request) -> web.Response:
        p = await request_params(request)
        try:
            if not p.get("query"):
                raise PromqlError(
                    'invalid parameter "query": unknown position: parse error: no expression found in input'
                )
            t = _time(p.get("time"), sim.clock())
            value = sim.engine.instant(p["query"], t)
        except PromqlError as exc:
            return _error(exc)
        return web.json_response({"status": "success", "data": encode(value, t)})

    @routes.route("*", "/api/v1/query_range")
    async def query_range(request: web.Request) -> web.Response:
        p = await request_params(request)
        try:
            start = _time(p.get("start"), math.nan)
            end = _time(p.get("end"), math.nan)
            if math.isnan(start) or math.isnan(end):
                raise PromqlError('invalid parameter "start": cannot parse "" to a valid timestamp')
            if end < start:
                raise PromqlError('invalid parameter "end": end timestamp must not be before start time')
            step = _step(p.get("step"))
            matrix = sim.engine.range(p.get("query", ""), start, end, step)
        except PromqlError as exc:
            return _error(exc)
        return web.json_response(
            {
                "status": "success",
                "data": encode(matrix, end) if matrix else {"resultType": "matrix", "result": []},
            }
        )

    def _matching(match: list[str], request: web.Request) -> list[Series]:
        """Series matching any selector that have samples in the request's ``start``..``end``
        (default: the last 5 minutes... to now, like Prometheus' metadata APIs' time range)."""
        now = sim.clock()
        start = _time(request.query.get("start"), now - 300)
        end = _time(request.query.get("end"), now)
        if not match:
            found = list(sim.all_series())
        else:
            out: dict[int, Series] = {}
            for selector in match:
                node = parse(selector)
                if type(node).__name__ != "VectorSelector":
                    raise PromqlError(f'invalid parameter "match[]": {selector} is not a series selector')
                for series in sim.engine._matching(node):
                    out[id(series)] = series  # type: ignore[assignment]
            found = list(out.values())
        return [series for series in found if _has_samples(series, start, end, sim.scrape_interval)]

    @routes.route("*", "/api/v1/labels")
    async def labels(request: web.Request) -> web.Response:
        try:
            names = {
                k for s in _matching(request.query.getall("match[]", []), request) for k in dict(s.labels)
            } | {"__name__"}
        except PromqlError as exc:
            return _error(exc)
        return web.json_response({"status": "success", "data": sorted(names)})

    @routes.get("/api/v1/label/{name}/values")
    async def label_values(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            values = {
                s.name if name == "__name__" else dict(s.labels).get(name)
                for s in _matching(request.query.getall("match[]", []), request)
            }
        except PromqlError as exc:
            return _error(exc)
        return web.json_response({"status": "success", "data": sorted(v for v in values if v)})

    @routes.route("*", "/api/v1/series")
    async def series(request: web.Request) -> web.Response:
        match = request.query.getall("match[]", [])
        if request.method == "POST":
            match += [str(v) for v in (await request.post()).getall("match[]", [])]
        if not match:
            return _error(PromqlError("no match[] parameter provided"))
        try:
            found = _matching(match, request)
        except PromqlError as exc:
            return _error(exc)
        return web.json_response({"status": "success", "data": [s.label_dict for s in found]})

    @routes.get("/api/v1/status/config")
    async def status_config(_: web.Request) -> web.Response:
        return web.json_response({"status": "success", "data": {"yaml": sim.config_yaml()}})

    @routes.get("/api/v1/status/buildinfo")
    async def buildinfo(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "success",
                "data": build_info(VERSION),
            }
        )

    @routes.get("/api/v1/alerts")
    async def alerts(_: web.Request) -> web.Response:
        now = sim.clock()
        return web.json_response(
            {
                "status": "success",
                "data": {
                    "alerts": [
                        {
                            "labels": a.stored_labels,
                            "annotations": a.annotations,
                            "state": a.state,
                            "activeAt": datetime.fromtimestamp(a.active_at).astimezone().isoformat(),
                            "value": format_value(a.value),
                        }
                        for a in sim.rules.alerts(now)
                    ]
                },
            }
        )

    @routes.get("/api/v1/rules")
    async def rules(_: web.Request) -> web.Response:
        now = sim.clock()
        active = sim.rules.alerts(now)
        groups: dict[str, list[dict[str, Any]]] = {}
        for rule in sim.rules.rules:
            mine = [a for a in active if a.rule is rule]
            state = (
                "firing" if any(a.state == "firing" for a in mine) else ("pending" if mine else "inactive")
            )
            groups.setdefault(rule.group, []).append(
                {
                    "name": rule.name,
                    "query": rule.expr,
                    "duration": rule.for_seconds,
                    "labels": rule.labels,
                    "annotations": rule.annotation_templates,
                    "state": state,
                    "health": "ok",
                    "type": "alerting",
                    "alerts": [
                        {
                            "labels": a.stored_labels,
                            "annotations": a.annotations,
                            "state": a.state,
                            "value": format_value(a.value),
                            "activeAt": datetime.fromtimestamp(a.active_at).astimezone().isoformat(),
                        }
                        for a in mine
                    ],
                }
            )
        data = [
            {
                "name": name,
                "file": "/etc/prometheus/rules/alert-rules.yml",
                "interval": sim.scrape_interval,
                "rules": rules,
            }
            for name, rules in groups.items()
        ]
        return web.json_response({"status": "success", "data": {"groups": data}})

    @routes.get("/api/v1/targets")
    async def targets(_: web.Request) -> web.Response:
        now = sim.clock()
        active = []
        for inst in sim.world.instances:
            if inst.target is None:
                continue
            up = not sim.world.effect(inst, now).down
            discovered = inst.target.discovered_labels()
            active.append(
                {
                    "discoveredLabels": discovered,
                    "labels": inst.labels(),
                    "scrapePool": inst.job,
                    "scrapeUrl": f"http://{inst.target.address}{inst.target.job.metrics_path}",
                    "health": "up" if up else "down",
                    "lastError": "" if up else "connection refused",
                    "lastScrape": datetime.fromtimestamp(now).astimezone().isoformat(),
                    "lastScrapeDuration": 0.004,
                    "scrapeInterval": inst.target.job.scrape_interval,
                }
            )
        for series in sim.exporters.targets():
            target = dict(series.labels)
            own = series.scrape_interval or sim.scrape_interval
            active.append(
                {
                    "labels": target,
                    "scrapePool": target.get("job", ""),
                    "scrapeUrl": f"http://{target.get('instance', '')}/metrics",
                    "health": "up",
                    "lastError": "",
                    "lastScrape": datetime.fromtimestamp(now).astimezone().isoformat(),
                    "lastScrapeDuration": 0.004,
                    "scrapeInterval": prometheus_duration(own),
                }
            )
        return web.json_response(
            {"status": "success", "data": {"activeTargets": active, "droppedTargets": []}}
        )

    @routes.get("/api/v1/metadata")
    async def metadata(_: web.Request) -> web.Response:
        meta: dict[str, list[dict[str, str]]] = {}
        for s in sim.world.series():
            base = s.name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
            kind = "histogram" if base != s.name else s.kind
            meta.setdefault(base, [{"type": kind, "help": f"demo series {base}", "unit": ""}])
        return web.json_response({"status": "success", "data": meta})

    @routes.get("/-/healthy")
    @routes.get("/-/ready")
    async def ready(_: web.Request) -> web.Response:
        return web.Response(text="Prometheus Server is Ready.\n")

    app = web.Application()
    app.add_routes(routes)
    return app
