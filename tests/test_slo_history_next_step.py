"""The SLO screen's budget chart offers "r tries again" only where asking again can help.

A context without Prometheus, a query the server refuses or credentials it rejects are not mended by
r: the chart says what to mend instead. Timeouts, 5xx and refused connections keep "r tries again".
"""

from __future__ import annotations

import asyncio
import math

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.dashboard import BudgetHistory
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.slo_screen import chart_title
from tests.support.health_results import NOW

PACK = QueryPack.model_validate(
    {
        "apiVersion": "opsconsole.dev/v1",
        "kind": "QueryPack",
        "metadata": {"name": "t"},
        "slos": {
            "avail": {
                "objective": 0.999,
                "window": "30d",
                "ratio": {"bad": 'sum(rate(x{code=~"5.."}[$window]))', "total": "sum(rate(x[$window]))"},
            }
        },
    }
)
WHAT = "budget left of the 30d window, as it was spent (%)"


class _FailingPrometheus:
    """A Prometheus whose range queries all fail with ``error``."""

    def __init__(self, error: BackendError) -> None:
        self.error = error

    async def query_range(self, promql: str, start: float, end: float, step: float) -> QueryResult:
        raise self.error


def _history(backends: BackendSet) -> BudgetHistory:
    service = RefreshService("t", PACK, backends, clock=lambda: NOW)
    return asyncio.run(service.slo_history("avail"))


def test_without_prometheus_it_says_to_configure_one_not_to_press_r() -> None:
    history = _history(BackendSet())
    assert not history.retry
    title = chart_title(WHAT, history)
    assert "r tries again" not in title
    assert title == (
        f"{WHAT}: prometheus: no Prometheus configured · "
        "set a prometheus url in the context's config (or --prometheus)"
    )


@pytest.mark.parametrize(
    ("kind", "diagnosis"),
    [
        (FailureKind.TIMEOUT, "timeout: no answer within 10s"),
        (FailureKind.SERVER_ERROR, "503: server error"),
        (FailureKind.CONNECTION_REFUSED, "connection refused"),
        (FailureKind.NETWORK, "connection reset"),
        (FailureKind.RATE_LIMITED, "429: rate limited"),
    ],
)
def test_a_failure_a_retry_can_mend_keeps_r_tries_again(kind: FailureKind, diagnosis: str) -> None:
    history = _history(BackendSet(prometheus=_FailingPrometheus(BackendError("prometheus", kind, diagnosis))))  # type: ignore[arg-type]
    assert history.retry
    assert chart_title(WHAT, history) == f"{WHAT}: prometheus: {diagnosis} · r tries again, esc goes back"


@pytest.mark.parametrize(
    ("kind", "diagnosis", "what_to_do"),
    [
        (FailureKind.BAD_REQUEST, "400: bad request", "`opsconsole packs doctor` shows which and why"),
        (FailureKind.AUTH, "401: token rejected", "check the context's prometheus auth"),
        (FailureKind.FORBIDDEN, "403: forbidden", "credentials need read access"),
        (FailureKind.NOT_FOUND, "404: is this a Prometheus URL?", "check the context's prometheus url"),
        (FailureKind.DNS, "no such host", "check the host in the context's prometheus url"),
        (FailureKind.TLS, "certificate verify failed", "tls settings"),
        (FailureKind.MALFORMED, "not JSON", "that is not a prometheus answer"),
    ],
)
def test_a_failure_a_retry_cannot_mend_says_what_to_do_instead(
    kind: FailureKind, diagnosis: str, what_to_do: str
) -> None:
    history = _history(BackendSet(prometheus=_FailingPrometheus(BackendError("prometheus", kind, diagnosis))))  # type: ignore[arg-type]
    assert not history.retry
    title = chart_title(WHAT, history)
    assert "r tries again" not in title
    assert title.startswith(f"{WHAT}: prometheus: {diagnosis} · ") and what_to_do in title, title


def test_an_slo_gone_since_the_screen_opened_says_how_to_see_the_current_ones() -> None:
    service = RefreshService(
        "t",
        PACK,
        BackendSet(prometheus=_FailingPrometheus(BackendError("prometheus", FailureKind.TIMEOUT, "x"))),
        clock=lambda: NOW,
    )  # type: ignore[arg-type]
    history = asyncio.run(service.slo_history("renamed"))
    assert not history.retry
    assert chart_title(WHAT, history) == f"{WHAT}: no SLO 'renamed' any more: esc, then :slo"


def test_a_loaded_history_is_titled_plainly_and_an_empty_one_says_no_data() -> None:
    assert chart_title(WHAT, BudgetHistory((1.0, 2.0), (1.0, 0.9), "burndown")) == WHAT
    assert chart_title(WHAT, BudgetHistory((1.0, 2.0), (None, None), "burndown")) == f"{WHAT}: no data"


class _RatioPrometheus:
    """Answers the budget chart's range queries: ``total`` 10 a step, ``bad`` from ``bad_at``
    (step index -> value, "NaN" included); no series at all for bad when ``bad_at`` is None."""

    def __init__(self, bad_at: dict[int, str] | None) -> None:
        self.bad_at = bad_at

    async def query_range(self, promql: str, start: float, end: float, step: float) -> QueryResult:
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        if "5.." not in promql:
            series = [{"metric": {}, "values": [[t, "10"] for t in times]}]
        elif self.bad_at is None:
            series = []  # no 5xx series: nothing failed
        else:
            values = [[t, self.bad_at.get(i, "0")] for i, t in enumerate(times)]
            series = [{"metric": {}, "values": values}]
        return QueryResult.model_validate({"result_type": "matrix", "matrix": series})


def test_a_window_without_error_series_keeps_its_whole_budget() -> None:
    history = _history(BackendSet(prometheus=_RatioPrometheus(None)))  # type: ignore[arg-type]
    assert not history.error
    assert len(history.times) > 1
    assert set(history.remaining) == {1.0}


def test_a_step_whose_errors_are_nan_spends_nothing_and_the_chart_goes_on() -> None:
    history = _history(BackendSet(prometheus=_RatioPrometheus({1: "NaN", 2: "0.001"})))  # type: ignore[arg-type]
    remaining = [r for r in history.remaining if r is not None]
    assert len(remaining) == len(history.times)
    assert remaining[:2] == [1.0, 1.0]
    assert remaining[2] < 1.0 and not math.isnan(remaining[-1])
