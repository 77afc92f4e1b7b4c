"""The demo emits what the seeds describe, and nothing they do not: metric names, label names and
values, bucket boundaries, scrape jobs and their target labels, alert rules, log streams and trace
services, checked against the facts written down from the seeds (``tests/seed_facts.yaml``).

The demo's code has its own copy of these facts; this test keeps the two from drifting apart.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from opsconsole.demo.alert_rules import SEED_RULES as RULES
from opsconsole.demo.telemetry import Telemetry
from opsconsole.demo.world import World

FACTS: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "seed_facts.yaml").read_text())
T0 = 1_795_320_000.0
HTTP_CODE = re.compile(r"^[1-5]\d\d$")


@pytest.fixture(scope="module")
def world() -> World:
    return World(7, "npa-degradation", 1.0, T0 - 300, lambda: T0)


def _system(facts: dict[str, Any], world: World, job_prefix: str = "") -> tuple[dict[str, Any], list[Any]]:
    jobs = set(facts["scrape_jobs"])
    return facts, [s for s in world.series() if dict(s.labels).get("job") in jobs]


def _metric_facts(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Metric name → facts, ``{type}`` templates expanded to every agent type."""
    out: dict[str, dict[str, Any]] = {}
    types = facts.get("agent_types", {}).get("values", [])
    for name, fact in facts["metrics"].items():
        for real in [name.replace("{type}", t) for t in types] if "{type}" in name else [name]:
            out[real] = fact
    return out


def _family(name: str, metrics: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(metric family, suffix) of a series name: histograms are stored as _bucket/_sum/_count."""
    if name in metrics:
        return name, ""
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name and metrics.get(base, {}).get("type") == "histogram":
            return base, suffix
    raise AssertionError(f"the demo exports {name}, which no seed describes")


@pytest.mark.parametrize("system", ["progressive_framework", "freeagentics"])
def test_every_series_has_a_seed_name_and_the_seed_labels(world: World, system: str) -> None:
    facts = FACTS[system]
    metrics = _metric_facts(facts)
    series = [s for s in world.series() if dict(s.labels).get("job") in facts["scrape_jobs"]]
    assert series
    seen: set[str] = set()
    for s in series:
        labels = dict(s.labels)
        job = facts["scrape_jobs"][labels["job"]]
        target = set(job["target_labels"])
        assert target <= set(labels), (s.name, labels)
        if s.name == "up":
            assert set(labels) == target, labels
            continue
        family, suffix = _family(s.name, metrics)
        seen.add(family)
        own = {k for k in labels if k not in target}
        expected = {f"exported_{k}" if k in target else k for k in metrics[family]["labels"]}
        if suffix == "_bucket":
            expected.add("le")
        # prom-client and prometheus_client add no label of their own; a labelled series only
        # carries the labels its metric declares (all of them).
        assert own == expected, (s.name, sorted(own), sorted(expected))
    assert seen, "no metric but up"


def test_histogram_buckets_are_the_seeds(world: World) -> None:
    for system in ("progressive_framework", "freeagentics"):
        metrics = _metric_facts(FACTS[system])
        found: dict[str, set[float]] = {}
        for s in world.series():
            if s.name.endswith("_bucket") and s.name.removesuffix("_bucket") in metrics:
                le = dict(s.labels)["le"]
                found.setdefault(s.name.removesuffix("_bucket"), set()).add(
                    math.inf if le == "+Inf" else float(le)
                )
        assert found, system
        for family, bounds in found.items():
            assert bounds == {*map(float, metrics[family]["buckets"]), math.inf}, family


def test_targets_are_labelled_as_the_seeds_relabel_them(world: World) -> None:
    pf = FACTS["progressive_framework"]
    namespaces = set(pf["namespaces"]["values"])
    types = set(pf["agent_types"]["values"])
    for inst in world.instances:
        if inst.target is None:
            continue
        labels = inst.labels()
        system = "progressive_framework" if labels["job"] in pf["scrape_jobs"] else "freeagentics"
        job = FACTS[system]["scrape_jobs"][labels["job"]]
        assert set(labels) == set(job["target_labels"]), (inst.entity_id, labels)
        if "kubernetes_namespace" in labels:
            assert labels["kubernetes_namespace"] in namespaces
        if "agent_type" in labels:
            assert labels["agent_type"] in types
            assert labels["agent_type"] == labels["app"]  # relabelled from the pod's app label
        if "kubernetes_pod_name" in labels:
            assert re.fullmatch(
                rf"{labels['agent_type']}-deployment-[a-z0-9]{{10}}-[a-z0-9]{{5}}",
                labels["kubernetes_pod_name"],
            )
        for static in job.get("static_targets", []):
            assert labels["instance"] == static


def test_label_values_are_the_seeds(world: World) -> None:
    values: dict[tuple[str, str], set[str]] = {}
    for s in world.series():
        for key in (
            ("progressive_agent_requests_total", "status"),
            ("progressive_http_requests_total", "status_code"),
            ("freeagentics_requests_total", "status"),
            ("progressive_agent_errors_total", "error_type"),
            ("progressive_nutrition_plans_generated_total", "success"),
        ):
            if s.name == key[0]:
                values.setdefault(key, set()).add(dict(s.labels)[key[1]])
    for key in (
        ("progressive_agent_requests_total", "status"),
        ("progressive_http_requests_total", "status_code"),
        ("freeagentics_requests_total", "status"),
    ):
        assert values[key] and all(HTTP_CODE.match(v) for v in values[key]), (key, values[key])
    assert "coordination_failure" in values[("progressive_agent_errors_total", "error_type")]
    assert values[("progressive_nutrition_plans_generated_total", "success")] <= {"true", "false"}


def _normal(expr: str) -> str:
    return " ".join(re.sub(r"\s+", " ", expr).replace("( ", "(").replace(" )", ")").split())


def test_alert_rules_are_the_seeds_as_written() -> None:
    facts = {
        (r["group"], r["alert"]): r
        for s in ("progressive_framework", "freeagentics")
        for r in FACTS[s]["alert_rules"]
    }
    for rule in RULES:
        fact = facts.get((rule.group, rule.name))
        assert fact is not None, f"the demo's {rule.group}/{rule.name} is no seed rule"
        assert _normal(rule.expr) == _normal(fact["expr"]), rule.name
        assert rule.labels == fact["labels"], rule.name
        number, unit = float(fact["for"][:-1]), fact["for"][-1]
        assert rule.for_seconds == number * {"s": 1, "m": 60, "h": 3600}[unit], rule.name
    external = FACTS["progressive_framework"]["external_labels"]["values"]
    assert all(
        r.external_labels == external
        for r in RULES
        if (r.group, r.name) in facts and r.group != "freeagentics.rules"
    )
    assert all(not r.external_labels for r in RULES if r.group == "freeagentics.rules")


def test_logs_and_traces_use_the_seeds_labels_fields_and_services(world: World) -> None:
    facts = FACTS["progressive_framework"]
    telemetry = Telemetry(world)
    for inst in telemetry.emitters:
        labels = telemetry.stream_labels(inst)
        assert set(labels) <= set(facts["logs"]["stream_labels"])
        assert labels["app"] in {*facts["logs"]["app_values"], "bma"}  # 001 adds BMA
        assert labels["namespace"] in facts["namespaces"]["values"]
        second = int(T0)
        for req in telemetry.requests(inst, second)[:2]:
            line = json.loads(telemetry.log_line(req))
            assert set(line) <= set(facts["logs"]["json_fields"]), sorted(line)
    services = set(telemetry.services())
    allowed = {
        s.replace("{type}", t) for s in facts["traces"]["services"] for t in facts["agent_types"]["values"]
    }
    assert services and services <= allowed


def test_the_facts_cite_their_seed() -> None:
    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "seed" in node:
                assert re.match(r"^00[012] §", str(node["seed"])), (path, node["seed"])
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(FACTS, "facts")
    for system in ("progressive_framework", "freeagentics"):
        for name, fact in FACTS[system]["metrics"].items():
            assert "seed" in fact, name
        for rule in FACTS[system]["alert_rules"]:
            assert "seed" in rule, rule["alert"]
