"""SLOs found in a real Prometheus: Sloth and Pyrra recording rules, and pack queries answered by a
recording rule instead of raw series.

The Sloth and Pyrra rules below have the names and labels those tools generate, with constant
expressions so every figure has a closed-form answer; the real Prometheus evaluates them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.config import EndpointSettings
from opsconsole.core.dashboard import Dashboard
from opsconsole.core.promql_text import canonical
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.query_union import PART_LABEL
from opsconsole.refresh.service import RefreshService
from tests.support.http_client import http_client
from tests.support.real_servers import RunningServer, start_prometheus, wait_until

SLOTH_ERROR_RATIOS = {
    "5m": 0.02,
    "30m": 0.012,
    "1h": 0.016,
    "2h": 0.004,
    "6h": 0.003,
    "1d": 0.002,
    "3d": 0.001,
}
SLOTH_PERIOD_RATIO = 0.0005  # over 30d, objective 99.9% → half the budget spent
PYRRA_ERROR_RATIOS = {"5m": 0.1, "30m": 0.08, "1h": 0.05, "2h": 0.01, "6h": 0.075, "1d": 0.01, "4d": 0.005}


def _sloth_rules() -> str:
    labels = "sloth_id: checkout-availability, sloth_service: checkout, sloth_slo: availability"
    rules = [
        f"- record: slo:sli_error:ratio_rate{w}\n  expr: vector({r})\n"
        f"  labels: {{{labels}, sloth_window: {w}}}"
        for w, r in {**SLOTH_ERROR_RATIOS, "30d": SLOTH_PERIOD_RATIO}.items()
    ]
    rules += [
        f"- record: slo:objective:ratio\n  expr: vector(0.999)\n  labels: {{{labels}}}",
        f"- record: slo:time_period:days\n  expr: vector(30)\n  labels: {{{labels}}}",
    ]
    return "\n".join(rules)


def _pyrra_rules() -> str:
    rules = [
        f'- record: http_requests:burnrate{w}\n  expr: vector({r})\n  labels: {{slo: "api-errors"}}'
        for w, r in PYRRA_ERROR_RATIOS.items()
    ]
    rules += [
        '- record: pyrra_objective\n  expr: vector(0.99)\n  labels: {slo: "api-errors"}',
        '- record: pyrra_window\n  expr: vector(2419200)\n  labels: {slo: "api-errors"}',
        '- record: pyrra_availability\n  expr: vector(0.996)\n  labels: {slo: "api-errors"}',
    ]
    return "\n".join(rules)


RAW = "sum(rate(prometheus_http_requests_total[5m]))"
RULES = f"""\
groups:
- name: sloth-slo-sli-recordings-checkout-availability
  interval: 1s
  rules:
{_sloth_rules()}
- name: api-errors
  interval: 1s
  rules:
{_pyrra_rules()}
- name: reuse
  interval: 1s
  rules:
  - record: prometheus:http_requests:rate5m
    expr: {RAW}
"""
RULES = (
    RULES.replace("\n- record", "\n  - record")
    .replace("\n  expr", "\n    expr")
    .replace("\n  labels", "\n    labels")
)

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: selfwatch}
slos:
  prometheus-api:
    objective: 0.99
    window: 1h
    ratio:
      good: sum(rate(prometheus_http_requests_total{code="200"}[$window]))
      total: sum(rate(prometheus_http_requests_total[$window]))
  checkout-recorded:
    objective: 0.999
    window: 30d
    error_ratio: slo:sli_error:ratio_rate$window{sloth_id="checkout-availability"}
"""


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("discovery")
    config = (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"  query_log_file: {tmp / 'queries.log'}\n"
        "rule_files: ['{rules}']\n"
        "scrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:PORT']\n"
    )
    server = start_prometheus(tmp, config, rules=RULES)
    # The scrape target is the server itself: rewrite the port now that it is known, and reload.
    (tmp / "prometheus.yml").write_text(
        config.replace("{rules}", str(tmp / "rules.yml")).replace("PORT", str(server.port))
    )
    http_client().post(f"{server.url}/-/reload", timeout=10).raise_for_status()
    server.extra["query_log"] = tmp / "queries.log"

    def ready() -> bool:
        answer = http_client().get(
            f"{server.url}/api/v1/query", params={"query": "prometheus:http_requests:rate5m"}
        )
        vector = answer.json()["data"]["result"]
        sloth = http_client().get(f"{server.url}/api/v1/query", params={"query": "slo:time_period:days"})
        return bool(vector) and float(vector[0]["value"][1]) > 0 and bool(sloth.json()["data"]["result"])

    wait_until(ready, timeout=60, what="recording rules evaluated over two scrapes")
    try:
        yield server
    finally:
        server.stop()


async def _refresh(server: RunningServer, tmp_path: Path) -> tuple[RefreshService, Dashboard]:
    (tmp_path / "selfwatch.yaml").write_text(PACK)
    packs = load_packs([(tmp_path, "user")])
    assert not packs.errors, packs.errors
    backends = BackendSet(prometheus=PrometheusClient(EndpointSettings(url=server.url, timeout=30)))
    service = RefreshService("discovery", packs.packs["selfwatch"].pack, backends)
    try:
        board = await service.refresh()
    finally:
        await backends.aclose()
    return service, board


async def test_sloth_slos_are_discovered_with_their_recorded_burn_rates(
    prometheus: RunningServer, tmp_path: Path
) -> None:
    _, board = await _refresh(prometheus, tmp_path)
    row = next(r for r in board.slos if r.source == "sloth")
    assert row.name == "sloth/checkout-availability"
    assert row.display == "checkout availability"
    assert (row.objective, row.window) == (pytest.approx(0.999), "30d")
    for window, ratio in SLOTH_ERROR_RATIOS.items():
        assert row.figures.burn_rates[window] == pytest.approx(ratio / 0.001), window
    assert row.figures.consumed == pytest.approx(0.5)
    # 1h at 16x and 5m at 20x are both above 14.4: page.
    assert row.figures.status == "page"
    assert row.figures.firing_rule is not None
    assert (row.figures.firing_rule.long, row.figures.firing_rule.short) == ("1h", "5m")
    assert (
        "error_ratio [30d]",
        'slo:sli_error:ratio_rate30d{sloth_id="checkout-availability"}',
    ) in row.queries


async def test_pyrra_slos_use_pyrra_windows_and_factors(prometheus: RunningServer, tmp_path: Path) -> None:
    _, board = await _refresh(prometheus, tmp_path)
    row = next(r for r in board.slos if r.source == "pyrra")
    assert (row.name, row.objective, row.window) == ("pyrra/api-errors", pytest.approx(0.99), "28d")
    assert list(row.figures.burn_rates) == list(PYRRA_ERROR_RATIOS)
    for window, ratio in PYRRA_ERROR_RATIOS.items():
        assert row.figures.burn_rates[window] == pytest.approx(ratio / 0.01), window
    assert row.figures.consumed == pytest.approx(0.004 / 0.01)
    assert [(r.long, r.short, r.factor) for r in row.rules] == [
        ("1h", "5m", 14.0),
        ("6h", "30m", 7.0),
        ("1d", "2h", 2.0),
        ("4d", "6h", 1.0),
    ]
    # 1h burns 5x (not above 14); 6h burns 7.5x and 30m 8x, both above 7: the second page rule.
    assert row.figures.status == "page"
    assert row.figures.firing_rule is not None
    assert (row.figures.firing_rule.long, row.figures.firing_rule.short) == ("6h", "30m")


async def test_a_pack_query_a_recording_rule_computes_is_sent_as_the_rule(
    prometheus: RunningServer, tmp_path: Path
) -> None:
    log: Path = prometheus.extra["query_log"]  # type: ignore[assignment]
    logged_before = len(log.read_text().splitlines()) if log.exists() else 0
    service, board = await _refresh(prometheus, tmp_path)
    assert service.stats.reused == 1
    row = next(r for r in board.slos if r.name == "prometheus-api")
    assert row.figures.burn_rates["5m"] is not None

    def queries() -> list[str]:
        entries = [json.loads(line) for line in log.read_text().splitlines()[logged_before:]]
        # Only what came over the API: Prometheus 3 also logs its own rule evaluations. The SLO
        # pane's values arrive in union requests (see query_union): each part counts as sent.
        texts = [e["params"]["query"] for e in entries if "httpRequest" in e]
        union_part = re.compile(rf'label_replace\(\n(.*?)\n, "{PART_LABEL}", "\d+", "", ""\)', re.S)
        return [part for text in texts for part in (union_part.findall(text) or [text])]

    wait_until(lambda: "prometheus:http_requests:rate5m" in queries(), timeout=10, what="query log")
    sent = queries()
    assert not [q for q in sent if canonical(q) == canonical(RAW)]
    # Other windows have no rule and go to the raw series.
    assert any(canonical(q) == canonical(RAW.replace("5m", "1h")) for q in sent)
