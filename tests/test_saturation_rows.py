"""The saturation pane's rows from its queries' answers: one row per series (none for a single
value), named by the legend when it tells the series apart and by every label when it does not,
each value with its unit, level and query, worst first, and every query that returned nothing said."""

from __future__ import annotations

import math

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.packs.schema import Query
from opsconsole.refresh.saturation_rows import saturation_rows

NOW = 1_795_320_000.0


def vector(*samples: tuple[dict[str, str], float]) -> QueryResult:
    return QueryResult.model_validate(
        {"result_type": "vector", "vector": [{"metric": m, "value": [NOW, str(v)]} for m, v in samples]}
    )


def scalar(value: float) -> QueryResult:
    return QueryResult.model_validate({"result_type": "scalar", "scalar": [NOW, str(value)]})


POOL = Query.model_validate(
    {
        "query": "pool_in_use / pool_size",
        "display": "DB pool",
        "unit": "ratio",
        "legend": ["instance", "shard"],
        "thresholds": {"warn": 0.8, "crit": 0.95},
    }
)
CACHE = Query.model_validate({"query": "cache_bytes", "unit": "bytes", "thresholds": {"warn": 2e9}})


def shown(out: object) -> list[tuple[str, str, str, float | None, str, str, str]]:
    return [
        (r.name, r.display, r.series, r.value.value, r.value.text, r.value.level, r.value.query_id)
        for r in out.rows  # type: ignore[attr-defined]
    ]


def test_one_series_is_one_row_without_a_series_name_and_shows_its_figure() -> None:
    out = saturation_rows(
        {"pool": POOL}, {"saturation.pool": vector(({"instance": "db:9187", "shard": "a"}, 0.85))}
    )
    assert shown(out) == [("pool", "DB pool", "", 0.85, "85.0%", "warn", "saturation.pool")]
    assert (out.queries, out.empty, out.notes) == (1, [], [])


def test_a_scalar_answer_is_one_row_and_a_nan_scalar_is_no_data() -> None:
    out = saturation_rows(
        {"cache": CACHE, "pool": POOL},
        {"saturation.cache": scalar(3e9), "saturation.pool": scalar(math.nan)},
    )
    # No display in the pack: the query's name is shown.
    assert shown(out) == [("cache", "cache", "", 3e9, "2.8 GiB", "warn", "saturation.cache")]
    assert out.empty == ["saturation.pool"]
    assert out.queries == 2


def test_a_scalar_row_does_not_end_the_other_queries_rows() -> None:
    out = saturation_rows(
        {"cache": CACHE, "pool": POOL},
        {"saturation.cache": scalar(1e9), "saturation.pool": vector(({"instance": "db:1"}, 0.99))},
    )
    assert [(r.name, r.value.level) for r in out.rows] == [("pool", "crit"), ("cache", "ok")]
    assert out.empty == []


def test_series_the_legend_tells_apart_are_named_by_its_labels_in_its_order() -> None:
    out = saturation_rows(
        {"pool": POOL},
        {
            "saturation.pool": vector(
                ({"__name__": "x", "instance": "db:1", "shard": "a", "pod": "p1"}, 0.5),
                ({"instance": "db:2", "pod": "p2"}, 0.6),  # no shard label: named by the instance
            )
        },
    )
    assert sorted(r.series for r in out.rows) == ["db:1 a", "db:2"]


def test_series_named_by_every_label_leave_out_the_metric_name() -> None:
    spec = Query.model_validate({"query": "pool_in_use", "legend": ["instance"]})
    out = saturation_rows(
        {"pool": spec},
        {
            "saturation.pool": vector(
                ({"__name__": "pool_in_use", "instance": "db:1", "pool": "main"}, 3),
                ({"__name__": "pool_in_use", "instance": "db:1", "pool": "replica"}, 4),
            )
        },
    )
    assert [r.series for r in out.rows] == ["instance=db:1, pool=main", "instance=db:1, pool=replica"]
    assert [r.value.text for r in out.rows] == ["3", "4"]


def test_rows_are_worst_first_then_in_the_packs_order_then_by_series_and_nan_is_no_row() -> None:
    plain = Query.model_validate({"query": "conns"})
    out = saturation_rows(
        {"conns": plain, "pool": POOL, "cache": CACHE},
        {
            "saturation.conns": vector(({"instance": "b"}, 7), ({"instance": "a"}, 9)),
            "saturation.pool": vector(
                ({"instance": "db:1"}, 0.5),
                ({"instance": "db:2"}, 0.9),
                ({"instance": "db:3"}, 0.97),  # crit before warn whatever their names
                ({"instance": "db:4"}, math.nan),
            ),
            "saturation.cache": vector(({"instance": "c"}, 2.5e9), ({"instance": "d"}, 1e9)),
        },
    )
    assert [(r.name, r.series, r.value.level) for r in out.rows] == [
        ("pool", "db:3", "crit"),
        ("pool", "db:2", "warn"),
        ("cache", "instance=c", "warn"),
        ("pool", "db:1", "ok"),
        ("cache", "instance=d", "ok"),
        ("conns", "instance=a", "none"),
        ("conns", "instance=b", "none"),
    ]
    assert out.empty == []


def test_a_query_with_no_series_or_only_nan_is_said_empty() -> None:
    out = saturation_rows(
        {"pool": POOL, "cache": CACHE},
        {"saturation.pool": vector(), "saturation.cache": vector(({"instance": "c"}, math.nan))},
    )
    assert out.rows == []
    assert (out.queries, out.empty) == (2, ["saturation.pool", "saturation.cache"])
