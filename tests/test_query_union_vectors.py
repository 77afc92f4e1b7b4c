"""The RED, health and saturation panes' instant vectors asked in unions, read back part by part.

Against a real Prometheus: every vector part's series from the union (labels and values) equal
the same query asked alone at the same instant, next to single values in the same request, and
parts whose series carry the very same labels keep their own values. Without a server: each part
gets exactly its own series whatever order the union lists them in, a vector part of several
series is never asked alone, and the health and RED rows do not depend on the order of the
series in an answer (a union's read-back lists them in its own order).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Mapping, Sequence

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.config import EndpointSettings
from opsconsole.packs.schema import RedGroup
from opsconsole.refresh.health_rows import health_rows
from opsconsole.refresh.query_batch import UNION_PARTS, QueryBatch
from opsconsole.refresh.query_union import PART_LABEL, lone_value, union_text
from opsconsole.refresh.red_rows import red_group_rows
from tests.support.fake_prometheus import FakePrometheus, vector_at_one
from tests.support.health_results import HEALTH, NOW
from tests.support.real_servers import RunningServer, wait_for_answer_3s_ago

VECTORS = [
    "opsconsole_test_requests_total",  # one series per status, with its metric name
    "opsconsole_test_requests_total * 10",  # the same label sets without the name: other values
    "sum by (status) (rate(opsconsole_test_requests_total[1m]))",
    "histogram_quantile(0.99, sum by (le, job) (rate(opsconsole_test_latency_seconds_bucket[1m])))",
    "opsconsole_test_latency_seconds_bucket",  # one series per bucket
    'up{job="no such job"}',  # no series
    "up # every target",
]
VALUE = 'sum(opsconsole_test_requests_total{status="error"})'


def _series(result: QueryResult) -> list[tuple[tuple[tuple[str, str], ...], str]]:
    """An answer's series as comparable (labels, value) pairs, in label order (the value as its
    repr, so NaN, "no data", equals NaN)."""
    return sorted((tuple(sorted(s.metric.items())), repr(s.value)) for s in result.vector)


@pytest.mark.real_backend
async def test_vector_parts_of_a_union_equal_each_query_asked_alone_on_real_prometheus(
    real_prometheus: RunningServer,
) -> None:
    wait_for_answer_3s_ago(real_prometheus.url, VECTORS[3])
    prometheus = PrometheusClient(EndpointSettings(url=real_prometheus.url))
    at = round(time.time() - 3, 3)  # every sample up to `at` is in: the target is scraped every 1s
    try:
        expected = [_series(await prometheus.query(text, at)) for text in VECTORS]
        expected_value = lone_value(await prometheus.query(VALUE, at))
        assert len(expected[0]) == 2 and len(expected[4]) == 5 and expected[5] == []
        # Told apart from the first part by their values only.
        assert [float(v) for _, v in expected[1]] == [10 * float(v) for _, v in expected[0]]
        assert expected_value == 5.0

        alone: set[str] = set()
        batch = QueryBatch(prometheus, alone=alone)
        asked = [batch.instant(text, at) for text in VECTORS]
        value = batch.instant_value(VALUE, at)
        got = [_series(await answer) for answer in asked]
        assert await value == expected_value
        await batch.drain()
        assert got == expected
        assert len(VECTORS) + 1 == UNION_PARTS and batch.sent == 1  # all of them in one request
        assert alone == set()  # the vectors of several series stay in unions
    finally:
        await prometheus.aclose()


def test_each_part_gets_its_own_series_whatever_order_the_union_lists_them_in() -> None:
    texts = ["up", "up * 10", "rate(x[1m])"]
    a, b = {"instance": "a"}, {"instance": "b"}

    def answer(promql: str) -> QueryResult | BaseException:
        if promql == union_text(texts):  # the parts' series interleaved, the same labels in each part
            return vector_at_one(
                ({**b, PART_LABEL: "1"}, 10.0),
                ({**a, PART_LABEL: "0"}, 1.0),
                ({**a, PART_LABEL: "2"}, 0.5),
                ({**a, PART_LABEL: "1"}, 0.0),
                ({**b, PART_LABEL: "0"}, 1.0),
            )
        return BackendError("prometheus", FailureKind.BAD_REQUEST, f"unexpected {promql!r}")

    fake = FakePrometheus(answer)
    alone: set[str] = set()

    async def run() -> list[QueryResult]:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        asked = [batch.instant(text, 1.0) for text in texts]
        return [await answer for answer in asked]

    up, up10, rate = asyncio.run(run())
    assert _series(up) == [((("instance", "a"),), "1.0"), ((("instance", "b"),), "1.0")]
    assert _series(up10) == [((("instance", "a"),), "0.0"), ((("instance", "b"),), "10.0")]
    assert _series(rate) == [((("instance", "a"),), "0.5")]
    assert fake.asked == [union_text(texts)]  # several series in a vector part: nothing asked alone
    assert alone == set()


def test_a_refused_union_blames_the_scalar_not_the_vector_of_several_series() -> None:
    texts = ["up", "scalar(sum(up))"]
    two = vector_at_one(({"instance": "a"}, 1.0), ({"instance": "b"}, 0.0))
    bad = BackendError("prometheus", FailureKind.BAD_REQUEST, "expected type instant vector, got scalar")

    def answer(promql: str) -> QueryResult | BaseException:
        if PART_LABEL in promql:
            return bad if "scalar" in promql else vector_at_one(({"instance": "a", PART_LABEL: "0"}, 1.0))
        if promql == "up":
            return two
        return QueryResult.model_validate({"result_type": "scalar", "scalar": [1.0, "1"]})

    fake = FakePrometheus(answer)
    alone: set[str] = set()

    async def refresh() -> list[QueryResult]:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        asked = [batch.instant(text, 1.0) for text in texts]
        out = [await answer for answer in asked]
        await batch.drain()
        return out

    up, scalar = asyncio.run(refresh())
    assert _series(up) == _series(two) and scalar.scalar == (1.0, 1.0)
    assert alone == {"scalar(sum(up))"}
    fake.asked.clear()
    asyncio.run(refresh())
    assert sorted(fake.asked) == ["scalar(sum(up))", "up"]  # alone, not in a union of one


def _permutations(samples: Sequence[tuple[Mapping[str, str], float]]) -> list[QueryResult]:
    return [vector_at_one(*order) for order in itertools.permutations(samples)]


def test_health_rows_do_not_depend_on_the_order_of_the_series_in_an_answer() -> None:
    up = [
        ({"agent_type": "npa", "kubernetes_pod_name": "npa-1", "job": "npa"}, 1.0),
        ({"agent_type": "npa", "kubernetes_pod_name": "npa-1", "job": "agents"}, 0.0),  # a namesake
        ({"agent_type": "wpa", "instance": "10.0.0.2:8090"}, 1.0),
    ]
    health = [  # an entity with no up series, named twice with two types; two entities shared
        ({"agent_type": "cache", "instance": "c:1"}, 0.9),
        ({"job": "cache-exporter", "instance": "c:1"}, 0.4),
        ({"agent_type": "wpa", "instance": "10.0.0.2:8090", "shard": "1"}, 0.7),
        ({"agent_type": "wpa", "instance": "10.0.0.2:8090", "shard": "2"}, 0.6),
    ]
    empty = QueryResult.model_validate({"result_type": "matrix", "matrix": []})
    outputs = set()
    for up_answer in _permutations(up):
        for health_answer in _permutations(health):
            instant = {
                "health.up": up_answer,
                "health.health": health_answer,
                "health.signals.memory": vector_at_one(),
            }
            out = health_rows(HEALTH, instant, dict.fromkeys(instant, empty), [NOW])
            outputs.add(repr((out.rows, out.notes, out.empty)))
    assert len(outputs) == 1


def test_red_rows_do_not_depend_on_the_order_of_the_series_in_an_answer() -> None:
    group = RedGroup.model_validate(
        {
            "by": ["route"],
            "rate": "rate",
            "errors": "errors",
            "duration": {"histogram": "latency_seconds"},
        }
    )
    rate = [
        ({"route": "/a", "pod": "1"}, 5.0),
        ({"route": "/a", "pod": "2"}, 7.0),
        ({"route": "/b", "pod": "1"}, 2.0),
        ({"route": "/b", "pod": "2"}, 3.0),
    ]
    errors = [({"route": "/b", "pod": "1"}, 0.1), ({"route": "/b", "pod": "2"}, 0.3), ({"route": "/a"}, 0.0)]
    start, step = NOW - 30, 15.0
    history = [({"route": "/a", "pod": "1"}, [1.0, 2.0, 3.0]), ({"route": "/a", "pod": "2"}, [4.0, 5.0, 6.0])]
    outputs = set()
    for rate_answer in _permutations(rate):
        for errors_answer in _permutations(errors):
            for ranged_order in itertools.permutations(history):
                ranged = QueryResult.model_validate(
                    {
                        "result_type": "matrix",
                        "matrix": [
                            {
                                "metric": m,
                                "values": [[start + i * step, str(v)] for i, v in enumerate(points)],
                            }
                            for m, points in ranged_order
                        ],
                    }
                )
                instant = {"rate": rate_answer, "errors": errors_answer}
                instant |= {part: vector_at_one() for part in ("p50", "p95", "p99")}
                out = red_group_rows("routes", group, instant, {"rate": ranged}, (start, NOW, step))
                outputs.add(repr((out.rows, out.notes, out.empty)))
    assert len(outputs) == 1
