"""Every query of a pack, in pane order, with its id, field path and language, and how it renders.

In-process (no CLI subprocess): `packs render`, `packs validate` and the console's "query behind this
number" all read this listing, so an id, a path or a language wrong here is wrong everywhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from opsconsole.packs.render import (
    PackQuery,
    RenderedQuery,
    pack_queries,
    render,
    render_pack,
    required_placeholders,
)
from opsconsole.packs.schema import QueryPack
from opsconsole.packs.variables import UnknownVariable, builtin_values

WINDOW = frozenset({"window"})
ENTITY = frozenset({"entity", "entity_type"})


def make_pack(**sections: Any) -> QueryPack:
    return QueryPack.model_validate(
        {"apiVersion": "opsconsole.dev/v1", "kind": "QueryPack", "metadata": {"name": "p"}, **sections}
    )


EVERY_SECTION: dict[str, Any] = {
    "health": {
        "entity": {"type_label": "job", "instance_label": "instance"},
        "up": "up",
        "health": "agent_healthy",
        "signals": {"queue": "queue_depth"},
    },
    "red": {
        "groups": {
            "api": {
                "by": ["route"],
                "rate": "api_rate",
                "errors": "api_errors",
                "duration": {"histogram": "api_seconds", "selector": 'job="api"'},
            },
            "db": {
                "rate": "db_rate",
                "errors": "db_errors",
                "duration": {"p50": "db_p50", "p99": "db_p99"},
            },
        }
    },
    "saturation": {"pool": "pool_used"},
    "slos": {
        "avail": {"objective": 0.99, "ratio": {"total": "t[$window]", "bad": "b[$window]"}},
        "direct": {"objective": 0.99, "error_ratio": "e[$window]"},
        "fast": {"objective": 0.9, "latency": {"histogram": "lat", "threshold": 0.5}},
    },
    "logs": {"selector": '{app="a"}', "pipeline": "| json", "entity_selector": '{pod="$entity"}'},
    "traces": {"service": "$entity_type"},
}


def test_every_query_of_every_section_in_pane_order() -> None:
    api_p = (
        'histogram_quantile({q}, sum by (le, route) (rate(api_seconds_bucket{{job="api"}}[$rate_window])))'
    )
    good = 'sum(rate(lat_bucket{le=~"0\\\\.5"}[$window]))'
    assert list(pack_queries(make_pack(**EVERY_SECTION))) == [
        PackQuery("health.up", ("health", "up", "query"), "promql", "up"),
        PackQuery("health.health", ("health", "health", "query"), "promql", "agent_healthy"),
        PackQuery("health.signals.queue", ("health", "signals", "queue", "query"), "promql", "queue_depth"),
        PackQuery("red.api.rate", ("red", "groups", "api", "rate", "query"), "promql", "api_rate"),
        PackQuery("red.api.errors", ("red", "groups", "api", "errors", "query"), "promql", "api_errors"),
        PackQuery(
            "red.api.p50", ("red", "groups", "api", "duration", "histogram"), "promql", api_p.format(q=0.5)
        ),
        PackQuery(
            "red.api.p95", ("red", "groups", "api", "duration", "histogram"), "promql", api_p.format(q=0.95)
        ),
        PackQuery(
            "red.api.p99", ("red", "groups", "api", "duration", "histogram"), "promql", api_p.format(q=0.99)
        ),
        PackQuery("red.db.rate", ("red", "groups", "db", "rate", "query"), "promql", "db_rate"),
        PackQuery("red.db.errors", ("red", "groups", "db", "errors", "query"), "promql", "db_errors"),
        # p95 is not given: no query, not an empty one.
        PackQuery("red.db.p50", ("red", "groups", "db", "duration", "p50", "query"), "promql", "db_p50"),
        PackQuery("red.db.p99", ("red", "groups", "db", "duration", "p99", "query"), "promql", "db_p99"),
        PackQuery("saturation.pool", ("saturation", "pool", "query"), "promql", "pool_used"),
        PackQuery("slos.avail.total", ("slos", "avail", "ratio", "total"), "promql", "t[$window]", WINDOW),
        PackQuery("slos.avail.bad", ("slos", "avail", "ratio", "bad"), "promql", "b[$window]", WINDOW),
        PackQuery(
            "slos.direct.error_ratio", ("slos", "direct", "error_ratio"), "promql", "e[$window]", WINDOW
        ),
        PackQuery("slos.fast.good", ("slos", "fast", "latency", "histogram"), "promql", good, WINDOW),
        PackQuery(
            "slos.fast.total",
            ("slos", "fast", "latency", "histogram"),
            "promql",
            "sum(rate(lat_count{}[$window]))",
            WINDOW,
        ),
        PackQuery("logs.tail", ("logs", "selector"), "logql", '{app="a"} | json'),
        PackQuery("logs.entity", ("logs", "entity_selector"), "logql", '{pod="$entity"} | json', ENTITY),
        PackQuery("traces.service", ("traces", "service"), "template", "$entity_type", ENTITY),
    ]


def test_a_good_ratio_is_listed_as_good_and_a_pack_of_nothing_lists_nothing() -> None:
    pack = make_pack(slos={"s": {"objective": 0.9, "ratio": {"total": "t", "good": "g"}}})
    assert [(q.id, q.path) for q in pack_queries(pack)] == [
        ("slos.s.total", ("slos", "s", "ratio", "total")),
        ("slos.s.good", ("slos", "s", "ratio", "good")),
    ]
    assert list(pack_queries(make_pack())) == []
    unavailable = make_pack(logs={"unavailable": "in Elasticsearch"})
    assert list(pack_queries(unavailable)) == []


def test_render_pack_fills_the_run_time_variables_with_placeholders() -> None:
    rendered = {q.id: q for q in render_pack(make_pack(**EVERY_SECTION))}
    # Each placeholder is said, with what the console puts there instead (packs render prints it).
    assert rendered["slos.direct.error_ratio"] == RenderedQuery(
        "slos.direct.error_ratio",
        "promql",
        "e[5m]",
        "e[$window]",
        ("$window = 5m here: the console runs this query over each burn-rate window and the SLO's window",),
    )
    assert rendered["logs.entity"] == RenderedQuery(
        "logs.entity",
        "logql",
        '{pod="placeholder-1"} | json',
        '{pod="$entity"} | json',
        ("$entity = placeholder-1 here: the console fills in the row's",),
    )
    assert rendered["traces.service"].text == "placeholder"
    assert rendered["traces.service"].notes == (
        "$entity_type = placeholder here: the console fills in the row's",
    )
    assert rendered["red.api.rate"].notes == ()
    assert rendered["traces.service"].language == "template"
    assert rendered["red.api.rate"].text == "api_rate"


def test_run_time_placeholders_are_only_for_the_queries_that_have_them() -> None:
    # $entity means something only in the per-entity log selector and the trace service: a health
    # query naming it is a mistake, not "placeholder-1"; $window only in SLO queries.
    for health_up in ('up{pod="$entity"}', "up[$window]"):
        pack = make_pack(health={"entity": {"type_label": "job", "instance_label": "i"}, "up": health_up})
        with pytest.raises(UnknownVariable):
            render_pack(pack)


def test_render_pack_keeps_an_unset_required_variable_as_its_name_and_overrides_win() -> None:
    pack = make_pack(
        variables={"ns": {"example": "prod"}, "job": "api"},
        saturation={"s": 'x{namespace="$ns", job="$job", w="$window"}'},
    )
    # $window outside an SLO is not given a placeholder: unknown, said so.
    with pytest.raises(UnknownVariable, match=r"\$window"):
        render_pack(pack)
    pack = make_pack(variables={"ns": {"example": "prod"}, "job": "api"}, saturation={"s": 'x{n="$ns"} $job'})
    assert [q.text for q in render_pack(pack)] == ['x{n="$ns"} api']
    assert [q.text for q in render_pack(pack, {"ns": "eu", "job": "db"})] == ['x{n="eu"} db']


def test_required_placeholders_are_the_example_or_else_the_name() -> None:
    pack = make_pack(variables={"ns": {"example": "prod-eu"}, "team": {"description": "owner"}, "job": "api"})
    assert required_placeholders(pack) == {"ns": "prod-eu", "team": "team"}


def test_render_keeps_the_query_as_written_beside_its_expansion() -> None:
    query = PackQuery("health.up", ("health", "up", "query"), "promql", 'up{job="$job"}')
    assert render(query, {"job": "api"}) == RenderedQuery(
        "health.up", "promql", 'up{job="api"}', 'up{job="$job"}'
    )


def test_the_builtin_variables_and_their_defaults() -> None:
    assert builtin_values() == {
        "rate_window": "1m",
        "refresh_interval": "5s",
        "scrape_interval": "15s",
        "range": "1h",
    }
    assert builtin_values(30, 10, "6h") == {
        "rate_window": "2m",
        "refresh_interval": "10s",
        "scrape_interval": "30s",
        "range": "6h",
    }
