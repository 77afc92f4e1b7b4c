"""Single values asked in one union request answer exactly what each query answers alone.

Against a real Prometheus: every part's value from the union equals the same query asked alone at
the same instant; a part with several series, and a union the server refuses (a scalar part), are
asked alone. Without a server: an unreachable Prometheus fails every part at once, a refused union
is not sent again for the parts to blame.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.config import EndpointSettings
from opsconsole.core.promql_text import canonical
from opsconsole.refresh.query_batch import UNION_PARTS, QueryBatch
from opsconsole.refresh.query_union import PART_LABEL, lone_value, split_union, union_text
from tests.support.fake_prometheus import FakePrometheus, vector_at_one
from tests.support.real_servers import RunningServer, wait_for_answer_3s_ago

ONE_SERIES = [
    "sum(rate(opsconsole_test_requests_total[1m]))",
    'sum(opsconsole_test_requests_total{status="error"}) / sum(opsconsole_test_requests_total)',
    'sum(opsconsole_test_requests_total{status="no such status"})',  # no series: None
    "sum(opsconsole_test_in_flight) # a comment to the end of the text",
    "0 * sum(opsconsole_test_in_flight) / 0",  # NaN: no data
    "opsconsole_test_in_flight",  # keeps its metric name
    "histogram_quantile(0.5, sum by (le) (rate(opsconsole_test_latency_seconds_bucket[1m]))) or vector(0)",
]
SEVERAL_SERIES = "opsconsole_test_requests_total"  # one series per status
SCALAR = "scalar(sum(opsconsole_test_in_flight))"  # label_replace refuses a scalar


async def _alone(prometheus: PrometheusClient, texts: list[str], at: float) -> list[float | None]:
    return [lone_value(await prometheus.query(text, at)) for text in texts]


async def _united(batch: QueryBatch, texts: list[str], at: float) -> list[float | None]:
    asked = [batch.instant_value(text, at) for text in texts]
    values = [await value for value in asked]
    await batch.drain()
    return values


@pytest.mark.real_backend
async def test_union_answers_equal_each_query_asked_alone_on_real_prometheus(
    real_prometheus: RunningServer,
) -> None:
    wait_for_answer_3s_ago(real_prometheus.url, ONE_SERIES[0])
    prometheus = PrometheusClient(EndpointSettings(url=real_prometheus.url))
    at = round(time.time() - 3, 3)  # every sample up to `at` is in: the target is scraped every 1s
    try:
        texts = [*ONE_SERIES, SEVERAL_SERIES]
        expected = await _alone(prometheus, texts, at)
        assert expected[0] is not None
        assert expected[1] == pytest.approx(5 / 105)
        assert expected[2] is None and expected[4] is None and expected[5] == 3.0
        assert expected[7] is not None  # the last of the two statuses' series
        alone: set[str] = set()
        batch = QueryBatch(prometheus, alone=alone)
        assert await _united(batch, texts, at) == expected
        assert batch.asked == len(texts)
        assert batch.sent == 2  # the union, and the part with two series alone
        assert alone == {SEVERAL_SERIES}

        # A scalar part makes the server refuse the union: every part is then asked alone, the
        # scalar goes alone from then on, and the next refresh unites the others again.
        texts = [*ONE_SERIES, SCALAR]
        expected = await _alone(prometheus, texts, at)
        assert expected[-1] == 3.0
        batch = QueryBatch(prometheus, alone=alone)
        assert await _united(batch, texts, at) == expected
        assert batch.sent == 1 + len(texts)
        assert alone == {SEVERAL_SERIES, SCALAR}
        batch = QueryBatch(prometheus, alone=alone)
        assert await _united(batch, texts, at) == expected
        assert batch.sent == 2
    finally:
        await prometheus.aclose()


def test_an_unreachable_prometheus_fails_every_part_with_one_request() -> None:
    refused = BackendError("prometheus", FailureKind.CONNECTION_REFUSED, "connection refused")
    fake = FakePrometheus(lambda promql: refused)

    async def run() -> list[Any]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        asked = [batch.instant_value(f"sum(x{{n='{n}'}})", 1.0) for n in range(5)]
        return await asyncio.gather(*asked, return_exceptions=True)

    assert asyncio.run(run()) == [refused] * 5
    assert len(fake.asked) == 1 and PART_LABEL in fake.asked[0]


def test_a_union_answer_is_split_by_part_and_a_part_with_several_series_is_asked_alone() -> None:
    texts = ["sum(a)", "sum(b)", "c", "sum(d)"]

    def answer(promql: str) -> QueryResult | BaseException:
        if promql == union_text(texts):
            return vector_at_one(
                ({PART_LABEL: "1"}, 2.0),
                ({PART_LABEL: "0"}, 1.0),
                ({PART_LABEL: "2", "x": "1"}, 30.0),
                ({PART_LABEL: "2", "x": "2"}, 31.0),
                ({PART_LABEL: "3"}, math.nan),
            )
        if promql == "c":
            return vector_at_one(({"x": "2"}, 31.0), ({"x": "1"}, 30.0))  # alone, in its own order
        return BackendError("prometheus", FailureKind.BAD_REQUEST, f"unexpected {promql!r}")

    fake = FakePrometheus(answer)
    alone: set[str] = set()

    async def run() -> list[Any]:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        return await _united(batch, texts, 1.0)

    assert asyncio.run(run()) == [1.0, 2.0, 30.0, None]
    assert fake.asked == [union_text(texts), "c"]
    assert alone == {"c"}


def test_a_refused_union_sends_its_parts_alone_and_blames_only_the_refused_part() -> None:
    bad = BackendError("prometheus", FailureKind.BAD_REQUEST, "parse error")

    def answer(promql: str) -> QueryResult | BaseException:
        if PART_LABEL in promql:
            return (
                bad
                if "broken" in promql
                else vector_at_one(({PART_LABEL: "0"}, 1.0), ({PART_LABEL: "1"}, 2.0))
            )
        return bad if promql == "broken(" else vector_at_one(({}, {"sum(a)": 1.0, "sum(b)": 2.0}[promql]))

    fake = FakePrometheus(answer)
    alone: set[str] = set()

    async def refresh(texts: list[str]) -> list[Any]:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        asked = [batch.instant_value(text, 1.0) for text in texts]
        out = await asyncio.gather(*asked, return_exceptions=True)
        await batch.drain()
        return out

    assert asyncio.run(refresh(["sum(a)", "broken(", "sum(b)"])) == [1.0, bad, 2.0]
    assert alone == {"broken("}
    fake.asked.clear()
    assert asyncio.run(refresh(["sum(a)", "broken(", "sum(b)"])) == [1.0, bad, 2.0]
    assert sorted(fake.asked) == sorted(["broken(", union_text(["sum(a)", "sum(b)"])])


def test_values_go_out_in_unions_of_a_few_parts_each() -> None:
    """Prometheus evaluates a query's parts one after another: 20 values are three unions that run
    side by side, not one that takes as long as all of them."""
    texts = [f"sum(x{{n='{n}'}})" for n in range(20)]

    def answer(promql: str) -> QueryResult:
        marks = [int(m) for m in re.findall(rf'"{PART_LABEL}", "(\d+)"', promql)]
        parts = [texts.index(t) for t in texts if f"\n{t}\n" in promql]
        return vector_at_one(*(({PART_LABEL: str(i)}, float(n)) for i, n in zip(marks, parts, strict=True)))

    fake = FakePrometheus(answer)

    async def run() -> tuple[list[Any], int]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        return await _united(batch, texts, 1.0), batch.sent

    values, sent = asyncio.run(run())
    assert values == [float(n) for n in range(20)]
    assert sorted(promql.count(PART_LABEL) for promql in fake.asked) == [4, UNION_PARTS, UNION_PARTS]
    assert sent == 3  # the refresh's figures: three requests


def test_a_union_that_times_out_is_asked_part_by_part_and_the_refresh_goes_on() -> None:
    slow = BackendError("prometheus", FailureKind.TIMEOUT, "timeout: no answer within 10s")

    def answer(promql: str) -> QueryResult | BaseException:
        return slow if PART_LABEL in promql else vector_at_one(({}, {"sum(a)": 1.0, "sum(b)": 2.0}[promql]))

    fake = FakePrometheus(answer)
    alone: set[str] = set()

    async def run() -> tuple[list[Any], BackendError | None]:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        values = await _united(batch, ["sum(a)", "sum(b)"], 1.0)
        return values, batch.unreachable

    assert asyncio.run(run()) == ([1.0, 2.0], None)
    assert alone == {"sum(a)", "sum(b)"}  # too slow together: asked alone from now on


def test_the_union_sent_is_one_promql_expression_even_with_a_comment_in_a_part() -> None:
    texts = ["sum(a)", "sum(b) # to the end of the line", "c"]
    parsed = canonical(union_text(texts))
    assert parsed is not None  # what a Prometheus would refuse, every part asked alone, is not sent
    assert [f'"{PART_LABEL}", "{i}"' in parsed for i in range(3)] == [True, True, True]


def test_a_scalar_answer_is_its_number() -> None:
    assert lone_value(QueryResult(result_type="scalar", scalar=(1.0, 7.5))) == 7.5


def test_an_answer_that_is_not_the_unions_is_not_split() -> None:
    marked = vector_at_one(({PART_LABEL: "0"}, 1.0), ({PART_LABEL: "1"}, 2.0))
    assert [lone_value(part) for part in split_union(marked, 2) or []] == [1.0, 2.0]
    # A series without a part's mark, with a mark that is no index, or marked past the parts:
    # none is a part's answer, so the parts are asked alone rather than read from it.
    for metric in ({}, {PART_LABEL: "x"}, {PART_LABEL: "2"}):
        odd = vector_at_one(({PART_LABEL: "0"}, 1.0), (metric, 2.0))
        assert split_union(odd, 2) is None, metric


class _TimedPrometheus:
    """Answers each instant query with one series whose value is the instant asked, after a turn
    of the event loop (so requests are still running when the panes ask again); records
    (text, instant) and can fail a text with ``fail``."""

    def __init__(self, fail: dict[str, BaseException] | None = None) -> None:
        self.asked: list[tuple[str, float]] = []
        self.fail = fail or {}

    async def query(self, promql: str, at: float) -> QueryResult:
        self.asked.append((promql, at))
        await asyncio.sleep(0)
        for text, error in self.fail.items():
            if text in promql:
                raise error
        if promql.startswith("label_replace("):  # a union: each part's series, marked
            parts = promql.count(PART_LABEL)
            return vector_at_one(*(({PART_LABEL: str(i)}, at) for i in range(parts)))
        return vector_at_one(({}, at))


async def _unions_done(batch: QueryBatch) -> None:
    """Let the unions asked in this turn go out and finish, and their parts' numbers settle
    (one turn each), without waiting on the parts themselves: a part left unsettled shows as
    not done rather than as a test that never ends."""
    await asyncio.sleep(0)  # the unions are sent
    await batch.drain()
    await asyncio.sleep(0)  # the numbers read from the parts' answers


AT = 1_700_000_000.1234  # a refresh's instant: time.time(), to the tenth of a millisecond


def test_one_query_asked_alone_by_several_panes_is_sent_once_and_counted_per_pane() -> None:
    fake = _TimedPrometheus()

    async def refresh() -> tuple[list[Any], QueryBatch]:
        batch = QueryBatch(fake, alone={"a", "b"})  # type: ignore[arg-type]
        asked = [
            batch.instant("a", AT),
            batch.instant_value("a", AT),  # the same question as a number: the same request
            batch.instant("b", AT),  # another text alone: its own request and answer
            batch.instant("a", AT - 60),  # another instant: its own request
        ]
        got = await asyncio.gather(*asked)
        await batch.drain()
        return got, batch

    got, batch = asyncio.run(refresh())
    assert [lone_value(got[0]), got[1], lone_value(got[2]), lone_value(got[3])] == [AT, AT, AT, AT - 60]
    assert sorted(fake.asked) == sorted([("a", AT), ("b", AT), ("a", AT - 60)])
    assert (batch.asked, batch.sent) == (4, 3)


def test_a_text_asked_alone_then_as_a_number_is_one_request() -> None:
    fake = _TimedPrometheus()

    async def refresh() -> tuple[float | None, QueryBatch]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        first = batch.instant("a", AT)
        await asyncio.sleep(0)  # the union of one part goes alone
        second = await batch.instant_value("a", AT)
        await first
        await batch.drain()
        return second, batch

    value, batch = asyncio.run(refresh())
    assert value == AT
    assert fake.asked == [("a", AT)]
    assert (batch.asked, batch.sent) == (2, 1)


def test_a_value_asked_by_itself_at_its_instant_is_not_kept_out_of_the_next_union() -> None:
    fake = _TimedPrometheus()
    alone: set[str] = set()

    async def refresh() -> float | None:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        value = await batch.instant_value("sum(a)", AT)
        await batch.drain()
        return value

    assert asyncio.run(refresh()) == AT
    assert fake.asked == [("sum(a)", AT)]
    assert alone == set()


def test_a_union_asked_as_a_number_and_as_a_vector_is_read_as_a_number() -> None:
    texts = ["sum(a)", "b"]

    def answer(promql: str) -> QueryResult:
        if promql == union_text(texts):  # b has two series in the union
            return vector_at_one(
                ({PART_LABEL: "0"}, 1.0),
                ({PART_LABEL: "1", "x": "1"}, 2.0),
                ({PART_LABEL: "1", "x": "2"}, 3.0),
            )
        return vector_at_one(({"x": "2"}, 3.0), ({"x": "1"}, 2.0))

    fake = FakePrometheus(answer)

    async def refresh() -> tuple[list[Any], int]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        got = await asyncio.gather(
            batch.instant_value("sum(a)", 1.0), batch.instant_value("b", 1.0), batch.instant("b", 1.0)
        )
        await batch.drain()
        return got, batch.sent

    (total, value, vector), sent = asyncio.run(refresh())
    assert sent == 2  # the union is one request, b alone the other
    assert total == 1.0
    assert value == 2.0  # the last series of b asked alone, not of the union's order
    assert len(vector.vector) == 3 - 1  # b's two series
    assert fake.asked == [union_text(texts), "b"]


def test_a_union_that_fails_unexpectedly_fails_each_of_its_parts_and_leaves_none_waiting() -> None:
    fake = _TimedPrometheus(fail={"label_replace(": ValueError("not a Prometheus answer")})

    async def refresh() -> list[Any]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        asked = [batch.instant_value("sum(a)", AT), batch.instant("sum(b)", AT)]
        await _unions_done(batch)
        assert all(future.done() for future in asked)  # type: ignore[attr-defined]
        return await asyncio.gather(*asked, return_exceptions=True)

    got = asyncio.run(refresh())
    assert [type(g).__name__ for g in got] == ["ValueError", "ValueError"]


def test_a_slow_union_on_a_server_that_then_went_down_blames_no_part() -> None:
    slow = BackendError("prometheus", FailureKind.TIMEOUT, "timeout: no answer within 10s")
    down = BackendError("prometheus", FailureKind.CONNECTION_REFUSED, "connection refused")

    class Failing(_TimedPrometheus):
        async def query(self, promql: str, at: float) -> QueryResult:
            self.asked.append((promql, at))
            await asyncio.sleep(0)
            raise slow if promql.startswith("label_replace(") else down

    fake, alone = Failing(), set[str]()

    async def refresh() -> list[Any]:
        batch = QueryBatch(fake, alone=alone)  # type: ignore[arg-type]
        asked = [batch.instant_value("sum(a)", AT), batch.instant_value("sum(b)", AT)]
        await batch.drain()
        return await asyncio.gather(*asked, return_exceptions=True)

    got = asyncio.run(refresh())
    assert [g.kind for g in got] == [FailureKind.CONNECTION_REFUSED] * 2
    assert alone == set()  # neither part is to blame: both go in a union again next refresh


def test_a_part_whose_pane_gave_up_does_not_keep_the_others_from_their_answers() -> None:
    fake = _TimedPrometheus()

    async def refresh() -> list[Any]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        abandoned = batch.instant("sum(a)", AT)
        rest = [batch.instant_value(text, AT) for text in ("sum(b)", "sum(c)")]
        abandoned.cancel()  # type: ignore[attr-defined]
        await _unions_done(batch)
        assert all(future.done() for future in rest)  # type: ignore[attr-defined]
        return await asyncio.gather(*rest)

    assert asyncio.run(refresh()) == [AT, AT]


def test_a_text_already_asked_alone_in_this_refresh_is_not_asked_again_in_a_union() -> None:
    fake = _TimedPrometheus()

    async def refresh() -> list[float | None]:
        batch = QueryBatch(fake)  # type: ignore[arg-type]
        await batch.instant("sum(a)", AT)  # the only question at its instant: asked alone
        later = await asyncio.gather(batch.instant_value("sum(a)", AT), batch.instant_value("sum(b)", AT))
        await batch.drain()
        return later

    assert asyncio.run(refresh()) == [AT, AT]
    assert fake.asked == [("sum(a)", AT), ("sum(b)", AT)]  # b alone too: a was answered already


@pytest.mark.parametrize(
    "kind", [FailureKind.CONNECTION_REFUSED, FailureKind.TIMEOUT, FailureKind.DNS, FailureKind.NETWORK]
)
def test_once_a_question_finds_the_server_unreachable_the_rest_of_the_refresh_fails_at_once(
    kind: FailureKind,
) -> None:
    down = BackendError("prometheus", kind, "it failed")
    fake = FakePrometheus(lambda promql: down)

    async def refresh() -> list[Any]:
        batch = QueryBatch(fake, alone={"a", "b"})  # type: ignore[arg-type]
        first = await asyncio.gather(batch.instant("a", 1.0), return_exceptions=True)
        second = await asyncio.gather(batch.instant("b", 1.0), return_exceptions=True)
        await batch.drain()
        return [*first, *second]

    got = asyncio.run(refresh())
    assert got == [down, down]
    assert fake.asked == ["a"]  # b was never sent


def test_a_refused_question_does_not_stop_the_others() -> None:
    refused = BackendError("prometheus", FailureKind.BAD_REQUEST, "400: parse error")
    fake = FakePrometheus(lambda promql: refused if promql == "a" else vector_at_one(({}, 1.0)))

    async def refresh() -> list[Any]:
        batch = QueryBatch(fake, alone={"a", "b"})  # type: ignore[arg-type]
        first = await asyncio.gather(batch.instant("a", 1.0), return_exceptions=True)
        second = await batch.instant_value("b", 1.0)
        await batch.drain()
        return [*first, second]

    assert asyncio.run(refresh()) == [refused, 1.0]
    assert fake.asked == ["a", "b"]
