"""From an alert, agent or RED row to its logs and traces, by the pack's mapping."""

from __future__ import annotations

from opsconsole.packs.loader import load_packs
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.pivots import alert_entity, entity_logql, entity_service
from opsconsole.resources import builtin_queries_dir

VALUES = {"namespace": "progressive-framework-prod"}


def _pack(name: str = "progressive-framework") -> QueryPack:
    return load_packs([(builtin_queries_dir(), "builtin")]).packs[name].pack


POD = "npa-deployment-7c9d8b6f54-x2k4p"


def test_alert_labels_name_the_entity() -> None:
    pack = _pack()
    # An alert on a pod-SD target names the pod; a seed-001 job without one, its agent_id or instance.
    assert alert_entity(
        pack, {"alertname": "AgentUnresponsive", "agent_type": "npa", "kubernetes_pod_name": POD}
    ) == ("npa", POD)
    assert alert_entity(pack, {"alertname": "AgentUnhealthy", "agent_type": "wpa", "agent_id": "wpa-1"}) == (
        "wpa",
        "wpa-1",
    )
    assert alert_entity(pack, {"alertname": "MCAAgentDown", "job": "mca", "instance": "mca-service"}) == (
        "mca",
        "mca-service",
    )
    assert alert_entity(pack, {"alertname": "NoActiveUsers"}) == (None, None)


def test_entity_logs_narrow_the_stream_selector() -> None:
    assert entity_logql(_pack(), VALUES, "npa", POD) == (
        f'{{app="npa", namespace=~"progressive-framework-prod|", pod="{POD}"}} | json'
    )


def test_a_type_without_an_instance_drops_the_instance_matcher() -> None:
    assert (
        entity_logql(_pack(), VALUES, "npa", None)
        == '{app="npa", namespace=~"progressive-framework-prod|"} | json'
    )


def test_hostile_label_values_stay_inside_the_string() -> None:
    logql = entity_logql(_pack(), VALUES, "npa", 'x"} |= "" or {a="b')
    assert (
        logql
        == '{app="npa", namespace=~"progressive-framework-prod|", pod="x\\"} |= \\"\\" or {a=\\"b"} | json'
    )


def test_trace_service_comes_from_the_pack_mapping() -> None:
    assert entity_service(_pack(), VALUES, "wpa", "wpa-1") == "progressive-framework-wpa"  # 001's serviceName
    assert (
        entity_service(_pack(), VALUES, "progressive-framework-v5", "10.42.0.21:3000")
        == "progressive-framework-v5"
    )
    assert entity_service(_pack(), VALUES, None, None) is None


def test_packs_without_a_mapping_have_no_pivot() -> None:
    meta = _pack("meta")
    assert entity_logql(meta, {}, "npa", "npa-1") is None
    assert entity_service(meta, {}, "npa", "npa-1") is None
