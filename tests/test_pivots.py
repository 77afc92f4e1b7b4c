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


def _mapped(logs: dict[str, object], service: str = "$entity_type") -> QueryPack:
    """A pack with only a log and trace mapping, written for the case at hand."""
    return QueryPack.model_validate(
        {
            "apiVersion": "opsconsole.dev/v1",
            "kind": "QueryPack",
            "metadata": {"name": "pivots"},
            "logs": logs,
            "traces": {"service": service},
        }
    )


def test_dropping_the_instance_matcher_keeps_the_selector_well_formed_wherever_it_stands() -> None:
    def narrowed(entity_selector: str) -> str | None:
        pack = _mapped({"selector": '{app=~".+"}', "entity_selector": entity_selector})
        return entity_logql(pack, {}, "npa", None)

    assert narrowed('{app="$entity_type", pod="$entity", ns="prod"}') == '{app="npa", ns="prod"}'
    # First, it leaves the space that followed its comma (LogQL reads it the same).
    assert narrowed('{pod="${entity}", app="$entity_type"}') == '{ app="npa"}'
    assert narrowed('{app="$entity_type", pod=~"$entity"}') == '{app="npa"}'


def test_an_entity_inside_a_longer_value_is_left_empty_when_only_the_type_is_known() -> None:
    pack = _mapped({"selector": '{app=~".+"}', "entity_selector": '{app="$entity_type", pod=~"$entity.*"}'})
    assert entity_logql(pack, {}, "npa", None) == '{app="npa", pod=~".*"}'


def test_a_backslash_in_a_label_value_is_escaped_before_the_quote() -> None:
    pack = _mapped({"selector": '{app=~".+"}', "entity_selector": '{app="$entity_type", pod="$entity"}'})
    assert entity_logql(pack, {}, "npa", 'C:\\pods\\"x"') == '{app="npa", pod="C:\\\\pods\\\\\\"x\\""}'


def test_no_log_pivot_without_a_type_or_without_logs_in_loki() -> None:
    mapping = {"entity_selector": '{app="$entity_type", pod="$entity"}'}
    assert entity_logql(_mapped({"selector": '{app=~".+"}', **mapping}), {}, None, "npa-1") is None
    elsewhere = _mapped({"unavailable": "in Elasticsearch, index agents-*", **mapping})
    assert entity_logql(elsewhere, {}, "npa", "npa-1") is None


def test_the_trace_service_template_gets_the_entity_and_empty_without_one() -> None:
    pack = _mapped({"selector": '{app=~".+"}'}, service="$entity_type-$entity")
    assert entity_service(pack, {}, "npa", "npa-1") == "npa-npa-1"
    assert entity_service(pack, {}, "npa", None) == "npa-"
