"""`opsconsole packs render` prints what the console sends: `$rate_window` derived from the scrape
intervals of the context's Prometheus (the test Prometheus scrapes every second: 6s at a 5s refresh),
and where there is no Prometheus to ask, the value it assumed, why, and how to set it. It printed
`[1m]` (four of an assumed 15s scrape) whatever the server, and said nothing of it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.cli import main
from opsconsole.config import EndpointSettings
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from tests.support.real_servers import RunningServer

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: windows}
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="test-target"}
red:
  groups:
    api:
      by: [job]
      rate: sum by (job) (rate(opsconsole_test_requests_total[$rate_window]))
      errors: sum by (job) (rate(opsconsole_test_requests_total{status="error"}[$rate_window]))
      duration: {histogram: opsconsole_test_latency_seconds}
slos:
  ok:
    objective: 0.99
    ratio:
      total: sum(rate(opsconsole_test_requests_total[$window]))
      bad: sum(rate(opsconsole_test_requests_total{status="error"}[$window]))
"""


def _rendered(out: str) -> dict[str, tuple[list[str], str]]:
    """Query id -> (its notes, its text), from render's output."""
    found: dict[str, tuple[list[str], str]] = {}
    current = ""
    notes: list[str] = []
    for line in out.splitlines():
        if line.startswith("# ") and line.endswith(" (promql)"):
            current, notes = line[2:].split(" ")[0], []
        elif line.startswith("# ") and current:
            notes.append(line[2:])
        elif current:
            found[current] = (notes, line)
    return found


def test_render_prints_the_rate_window_the_console_sends(
    tmp_path: Path, real_prometheus: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "windows.yaml"
    path.write_text(PACK)

    async def console_texts() -> dict[str, str]:
        pack = load_packs([], [path]).packs["windows"].pack
        client = PrometheusClient(EndpointSettings(url=real_prometheus.url))
        console = RefreshService("t", pack, BackendSet(prometheus=client))
        try:
            await console.refresh()
            return console.query_texts()
        finally:
            await console.backends.aclose()

    shown = asyncio.run(console_texts())
    assert main(["packs", "render", "windows", "--pack", str(path), "--prometheus", real_prometheus.url]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        f"# $rate_window as the console sends it on {real_prometheus.url} (context default) for a "
        "pane's figure, at a 5s refresh; a chart over a range uses its step instead"
    )
    rendered = _rendered(out)
    for query_id in ("red.api.rate", "red.api.errors", "red.api.p50", "red.api.p95", "red.api.p99"):
        notes, text = rendered[query_id]
        assert text == shown[query_id], query_id
        assert notes == [
            "$rate_window = 6s: 5s step + 1s, the largest scrape interval on the server "
            "(from /api/v1/status/config)"
        ], query_id
    assert "[6s]" in rendered["red.api.rate"][1]
    # $window is a placeholder the console replaces: said so.
    notes, text = rendered["slos.ok.total"]
    assert text.endswith("[5m]))")
    assert notes == [
        "$window = 5m here: the console runs this query over each burn-rate window and the SLO's window"
    ]
    assert rendered["health.up"] == ([], 'up{job="test-target"}')


def test_without_a_prometheus_render_says_the_window_it_assumed_and_how_to_set_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "windows.yaml"
    path.write_text(PACK)
    assert main(["packs", "render", "windows", "--pack", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "# no Prometheus in context default: $rate_window is derived from Prometheus' default scrape "
        "interval (1m); --prometheus URL renders what the console sends there, --var scrape_interval=15s "
        "(or --var rate_window=1m) sets it"
    )
    notes, text = _rendered(out)["red.api.rate"]
    assert text == "sum by (job) (rate(opsconsole_test_requests_total[4m]))"
    assert notes == [
        "$rate_window = 4m: 4 × 1m, the scrape interval (Prometheus' default, assumed: no Prometheus in "
        "context default; set --var scrape_interval=… if yours differs)"
    ]
    # Set by a variable: that is what is sent, and said.
    assert main(["packs", "render", "windows", "--pack", str(path), "--var", "scrape_interval=15s"]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0] == "# $rate_window as set by --var or the context's variables (scrape_interval)"
    )
    notes, text = _rendered(out)["red.api.rate"]
    assert text == "sum by (job) (rate(opsconsole_test_requests_total[1m]))"
    assert notes == ["$rate_window = 1m: 4 × 15s, the scrape interval (set by the scrape_interval variable)"]


def test_a_prometheus_that_does_not_answer_is_said_with_the_window_assumed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "windows.yaml"
    path.write_text(PACK)
    assert (
        main(["packs", "render", "windows", "--pack", str(path), "--prometheus", "http://127.0.0.1:9"]) == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "# http://127.0.0.1:9 did not say its scrape intervals (/api/v1/status/config: connection "
        "refused): $rate_window is derived from Prometheus' default scrape interval (1m), as the console "
        "does for a server that does not say; --var scrape_interval=15s (or --var rate_window=1m) sets it"
    )
    assert _rendered(out)["red.api.rate"][1] == "sum by (job) (rate(opsconsole_test_requests_total[4m]))"
