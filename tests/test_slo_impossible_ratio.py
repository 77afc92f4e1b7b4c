"""An SLO whose error ratio is outside 0 to 1 (bad and total swapped, or counting different things)
is shown at the nearer end as before, and the pane says so: read from a real Prometheus."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from tests.support.http_client import http_client
from tests.support.real_servers import RunningServer, wait_until

# The scrape target's counters (tests/conftest.py): 100 ok and 5 error requests, never moved here.
# Their raw totals stand for a window's counts, so the figures do not wait for traffic.
PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: ratios, description: SLOs whose queries count the wrong things}
slos:
  sound:
    objective: 0.9
    window: 1h
    ratio:
      bad: sum(opsconsole_test_requests_total{status="error"})
      total: sum(opsconsole_test_requests_total)
  swapped:
    objective: 0.9
    window: 1h
    ratio:
      bad: sum(opsconsole_test_requests_total)
      total: sum(opsconsole_test_requests_total{status="error"})
  good-over-total:
    objective: 0.9
    window: 1h
    ratio:
      good: sum(opsconsole_test_requests_total)
      total: sum(opsconsole_test_requests_total{status="ok"})
  swapped-month:
    objective: 0.9
    window: 30d
    ratio:
      bad: sum(opsconsole_test_requests_total)
      total: sum(opsconsole_test_requests_total{status="error"})
"""


@pytest.mark.real_backend
async def test_an_slo_ratio_outside_zero_to_one_is_said_where_it_is_shown(
    tmp_path: Path, real_prometheus: RunningServer
) -> None:
    (tmp_path / "ratios.yaml").write_text(PACK)
    packs = load_packs([(tmp_path, "user")])
    assert not packs.errors, packs.errors

    def scraped() -> bool:
        answer = http_client().get(
            f"{real_prometheus.url}/api/v1/query",
            params={"query": 'sum(opsconsole_test_requests_total{status="error"})'},
            timeout=10,
        )
        return bool(answer.json()["data"]["result"])

    wait_until(scraped, timeout=30, what="a scrape of the test target")
    backends = BackendSet(prometheus=PrometheusClient(EndpointSettings(url=real_prometheus.url)))
    service = RefreshService("real", packs.packs["ratios"].pack, backends)
    try:
        board = await service.refresh()
        # A 30d window's ratio is kept for a minute (SloCache): the next refresh shows it again,
        # and must say again what is wrong with it, over the same window.
        again = await service.refresh()
    finally:
        await backends.aclose()
    figures = {row.name: row.figures for row in board.slos}
    assert figures["sound"].sli == pytest.approx(100 / 105)
    assert figures["swapped"].sli == 0.0  # every event bad, as before: the figure is not hidden
    assert figures["good-over-total"].sli == 1.0  # no event bad
    assert board.pane_status("slo").notes == (
        "swapped: over 1h, the error ratio is 21, shown as 1 (every event bad): the bad events "
        "outnumber the events; check what its queries count",
        "good-over-total: over 1h, the error ratio is -0.05, shown as 0: the good events outnumber "
        "the events; check what its queries count",
        "swapped-month: over 30d, the error ratio is 21, shown as 1 (every event bad): the bad "
        "events outnumber the events; check what its queries count",
    )
    assert again.pane_status("slo").notes == board.pane_status("slo").notes
    assert service.slo_pane.cache.slow_ratios, "the 30d ratio was not kept: the second refresh proved nothing"
