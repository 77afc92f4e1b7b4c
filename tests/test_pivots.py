"""From an alert, agent or RED row to its logs and traces, by the pack's mapping."""

from __future__ import annotations

from opsconsole.packs.loader import load_packs
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.pivots import alert_entity, entity_logql, entity_service
from opsconsole.resources import builtin_queries_dir

VALUES = {"namespace": "progressive-framework-prod"}


def _pack(name: str = "progressive-framework") -> QueryPack:
    return load_packs([(builtin_queries_dir(), "builtin")]).packs[name].pack


def test_alert_labels_name_the_entity() -> None:
    pack = _pack()
    assert alert_entity(pack, {"alertname": "AgentDown", "agent_type": "npa", "agent_id": "npa-3"}) == (
        "npa",
        "npa-3",
    )
    assert alert_entity(pack, {"alertname": "CoreApiSlow"}) == (None, None)


def test_entity_logs_narrow_the_stream_selector() -> None:
    assert entity_logql(_pack(), VALUES, "npa", "npa-2") == (
        '{namespace="progressive-framework-prod", app="npa", agent_id="npa-2"} | json'
    )


def test_a_type_without_an_instance_drops_the_instance_matcher() -> None:
    assert (
        entity_logql(_pack(), VALUES, "npa", None)
        == '{namespace="progressive-framework-prod", app="npa"} | json'
    )


def test_hostile_label_values_stay_inside_the_string() -> None:
    logql = entity_logql(_pack(), VALUES, "npa", 'x"} |= "" or {a="b')
    assert logql == (
        '{namespace="progressive-framework-prod", app="npa", agent_id="x\\"} |= \\"\\" or {a=\\"b"} | json'
    )


def test_trace_service_comes_from_the_pack_mapping() -> None:
    assert entity_service(_pack(), VALUES, "wpa", "wpa-1") == "wpa"
    assert entity_service(_pack(), VALUES, None, None) is None


def test_packs_without_a_mapping_have_no_pivot() -> None:
    meta = _pack("meta")
    assert entity_logql(meta, {}, "npa", "npa-1") is None
    assert entity_service(meta, {}, "npa", "npa-1") is None
