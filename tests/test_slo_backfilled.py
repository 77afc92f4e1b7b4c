"""SLO figures against a real Prometheus holding a known history (backfilled with promtool).

Three days of request counters at 10 req/s: 0.05% errors throughout, then 2% errors in the last
hour. Every figure the console shows for a 99.9%/3d SLO has a closed-form answer, which differs by a
minute between Prometheus 2 and 3: samples sit exactly on the window's edges, and Prometheus 3's
left-open range selectors leave out the one on the far edge.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.core.slo import coverage_note
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from tests.support.real_servers import RELEASES, RunningServer, ServerRelease, start_prometheus

STEP = 60
DAYS = 3
RATE = 10.0
BASE_ERRORS = 0.0005
INCIDENT_ERRORS = 0.02
# Whole minutes, in the past (backfilled blocks must not reach into the head block's future).
END = (1_795_000_000 // 3600) * 3600 - 7200
START = END - DAYS * 86400

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: backfilled}
slos:
  availability:
    objective: 0.999
    window: 3d
    ratio:
      bad: sum(rate(slo_requests_total{code="500"}[$window]))
      total: sum(rate(slo_requests_total[$window]))
  monthly:
    objective: 0.999
    window: 30d
    ratio:
      bad: sum(rate(slo_requests_total{code="500"}[$window]))
      total: sum(rate(slo_requests_total[$window]))
"""


def _error_ratio(t: float) -> float:
    return INCIDENT_ERRORS if t > END - 3600 else BASE_ERRORS


def _openmetrics() -> str:
    lines = ["# TYPE slo_requests counter"]
    good = bad = 0.0
    samples_good, samples_bad = [], []
    for t in range(START, END + 1, STEP):
        if t > START:
            ratio = _error_ratio(t)
            bad += RATE * STEP * ratio
            good += RATE * STEP * (1 - ratio)
        samples_good.append(f'slo_requests_total{{code="200"}} {good} {t}')
        samples_bad.append(f'slo_requests_total{{code="500"}} {bad} {t}')
    return "\n".join([*lines, *samples_good, *samples_bad, "# EOF", ""])


@pytest.fixture(scope="module", params=RELEASES, ids=[r.test_id for r in RELEASES])
def backfilled(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[RunningServer]:
    release: ServerRelease = request.param
    tmp = tmp_path_factory.mktemp("backfill")
    source = tmp / "history.om"
    source.write_text(_openmetrics())
    data = tmp / "data"
    subprocess.run(
        [
            release.binary("promtool"),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            str(source),
            str(data),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    server = start_prometheus(
        tmp / "prom",
        "global:\n  scrape_interval: 1h\nscrape_configs: []\n",
        storage=data,
        extra_args=["--storage.tsdb.retention.time=3650d"],
        release=release,
    )
    try:
        yield server
    finally:
        server.stop()


def _burn(hours_at_incident: float, hours: float, *, left_open: bool = False) -> float:
    """Burn rate over the last ``hours``, of which the last ``hours_at_incident`` at the incident ratio.

    With a left-open range the sample on the window's far edge is not read, so the rate covers one
    scrape step less (and that step, the oldest, is the one left out).
    """
    if left_open:
        hours -= STEP / 3600
        hours_at_incident = min(hours_at_incident, hours)
    ratio = (hours_at_incident * INCIDENT_ERRORS + (hours - hours_at_incident) * BASE_ERRORS) / hours
    return ratio / 0.001


async def test_every_slo_figure_matches_the_closed_form(backfilled: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "backfilled.yaml").write_text(PACK)
    packs = load_packs([(tmp_path, "user")])
    assert not packs.errors, packs.errors
    backends = BackendSet(prometheus=PrometheusClient(EndpointSettings(url=backfilled.url, timeout=60)))
    service = RefreshService("backfill", packs.packs["backfilled"].pack, backends, clock=lambda: float(END))
    try:
        board = await service.refresh()
    finally:
        await backends.aclose()
    assert board.pane_status("slo").error is None, board.pane_status("slo").error
    row = next(r for r in board.slos if r.name == "availability")
    figures = row.figures
    assert figures.data_seconds is None  # the 3d window is fully covered
    left_open = int(backfilled.version.split(".")[0]) >= 3
    expected = {
        "5m": _burn(5 / 60, 5 / 60, left_open=left_open),
        "30m": _burn(0.5, 0.5, left_open=left_open),
        "1h": _burn(1, 1, left_open=left_open),
        "2h": _burn(1, 2, left_open=left_open),
        "6h": _burn(1, 6, left_open=left_open),
        "1d": _burn(1, 24, left_open=left_open),
        "3d": _burn(1, 72, left_open=left_open),
    }
    for window, burn in expected.items():
        assert figures.burn_rates[window] == pytest.approx(burn, rel=1e-3), window
    assert figures.consumed == pytest.approx(_burn(1, 72, left_open=left_open) * 1.0, rel=1e-3)
    assert figures.remaining == pytest.approx(1 - _burn(1, 72, left_open=left_open), rel=1e-3)
    assert figures.status == "page"  # 1h and 5m both burn 20x > 14.4
    assert figures.firing_rule is not None
    assert (figures.firing_rule.long, figures.firing_rule.short) == ("1h", "5m")
    budget_seconds = 0.001 * DAYS * 86400
    assert figures.budget_seconds == pytest.approx(budget_seconds)
    assert figures.exhaustion_1h == pytest.approx(
        (1 - _burn(1, 72, left_open=left_open)) * DAYS * 86400 / 20, rel=1e-3
    )


async def test_a_window_longer_than_the_data_says_how_much_data_it_covers(
    backfilled: RunningServer, tmp_path: Path
) -> None:
    (tmp_path / "backfilled.yaml").write_text(PACK)
    packs = load_packs([(tmp_path, "user")])
    backends = BackendSet(prometheus=PrometheusClient(EndpointSettings(url=backfilled.url, timeout=60)))
    service = RefreshService("backfill", packs.packs["backfilled"].pack, backends, clock=lambda: float(END))
    try:
        board = await service.refresh()
    finally:
        await backends.aclose()
    row = next(r for r in board.slos if r.name == "monthly")
    # Data began at START: 3 days of a 30-day window, found to within 30d / 48 / 48 (~19 min).
    assert row.figures.data_seconds == pytest.approx(DAYS * 86400, abs=30 * 86400 / 48 / 48)
    assert row.figures.partial_window
    assert coverage_note(row.figures.data_seconds, row.figures.window_seconds) == (
        "window covers only the last 3.0d of data"
    )
    # The figures themselves are those of the data there is: the same errors over the same events.
    assert row.figures.consumed == pytest.approx(_burn(1, 72), rel=1e-3)


async def test_the_budget_chart_is_the_windows_budget_as_it_was_spent(
    backfilled: RunningServer, tmp_path: Path
) -> None:
    (tmp_path / "backfilled.yaml").write_text(PACK)
    packs = load_packs([(tmp_path, "user")])
    backends = BackendSet(prometheus=PrometheusClient(EndpointSettings(url=backfilled.url, timeout=60)))
    service = RefreshService("backfill", packs.packs["backfilled"].pack, backends, clock=lambda: float(END))
    try:
        history = await service.slo_history("availability", points=72)
    finally:
        await backends.aclose()
    assert history.error == ""
    assert history.kind == "burndown"
    assert len(history.times) == 72
    assert history.times[-1] == END
    allowed = 0.001 * RATE * DAYS * 86400
    for index in (0, 35, 70):  # hours of 0.05% errors only
        spent = RATE * 3600 * (index + 1) * BASE_ERRORS
        assert history.remaining[index] == pytest.approx(1 - spent / allowed, rel=1e-6), index
    assert history.remaining[-1] == pytest.approx(1 - _burn(1, 72), rel=1e-6)
