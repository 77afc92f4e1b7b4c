"""``opsconsole slo import``: OpenSLO v1 into a pack's slos section, or located refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.cli import main
from opsconsole.packs.loader import load_packs
from opsconsole.packs.openslo import OpenSloError, import_openslo

SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout", code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout"}
"""

SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
spec:
  service: checkout
  indicatorRef: checkout-errors
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 4w
      isRolling: true
  objectives:
    - displayName: Available
      target: 0.999
"""

INLINE = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: queue
spec:
  service: worker
  indicator:
    metadata: {name: queue-good}
    spec:
      ratioMetric:
        counter: false
        good: {metricSource: {type: prometheus, spec: {query: 'jobs_ok{queue="q"}'}}}
        total: {metricSource: {type: prometheus, spec: {query: 'jobs_seen{queue="q"}'}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  objectives:
    - {displayName: Gold, targetPercent: 99.5}
    - {displayName: Silver, target: 0.99}
"""


def test_an_slo_with_a_separate_sli_becomes_a_pack_slo() -> None:
    [slo] = import_openslo(SLI + "---\n" + SLO, "checkout.yaml")
    assert slo.name == "checkout-availability"
    assert slo.section == {
        "display": "Checkout availability",
        "objective": 0.999,
        "window": "28d",
        "ratio": {
            "bad": 'sum(rate(http_requests_total{job="checkout", code=~"5.."}[$window]))',
            "total": 'sum(rate(http_requests_total{job="checkout"}[$window]))',
        },
    }


def test_inline_gauge_sli_with_two_objectives_gives_two_slos() -> None:
    gold, silver = import_openslo(INLINE, "queue.yaml")
    assert (gold.name, gold.section["objective"], gold.section["display"]) == (
        "queue-gold",
        0.995,
        "queue: Gold",
    )
    assert silver.name == "queue-silver"
    assert gold.section["ratio"]["good"] == 'sum(sum_over_time(jobs_ok{queue="q"}[$window]))'
    assert gold.section["window"] == "7d"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("budgetingMethod: Occurrences", "budgetingMethod: Timeslices"),
            "x.yaml:27: spec.budgetingMethod: Timeslices",
        ),
        (("isRolling: true", "isRolling: false"), "x.yaml:29: spec.timeWindow.0: calendar windows"),
        (("duration: 4w", "duration: 1M"), "x.yaml:29: spec.timeWindow.0.duration: '1M' is not a rolling"),
        (("target: 0.999", "target: 99.9"), "x.yaml:33: spec.objectives.0.target: must be between 0 and 1"),
        (
            ("indicatorRef: checkout-errors", "indicatorRef: nope"),
            "x.yaml:26: spec.indicatorRef: no SLI named 'nope'",
        ),
        (
            ('query: http_requests_total{job="checkout"}', "query: sum(rate(http_requests_total[5m]))"),
            "x.yaml:17: spec.ratioMetric.total.metricSource.spec.query: must be a series selector",
        ),
        (
            (
                'type: Prometheus\n        spec:\n          query: http_requests_total{job="checkout"}',
                'type: Datadog\n        spec:\n          query: http_requests_total{job="checkout"}',
            ),
            "x.yaml:15: spec.ratioMetric.total.metricSource.type: only Prometheus",
        ),
    ],
)
def test_what_cannot_be_measured_exactly_is_refused_with_file_line_and_field(
    edit: tuple[str, str], expected: str
) -> None:
    text = (SLI + "---\n" + SLO).replace(*edit)
    with pytest.raises(OpenSloError) as caught:
        import_openslo(text, "x.yaml")
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_threshold_slis_are_refused() -> None:
    text = SLI.replace(
        "  ratioMetric:", "  thresholdMetric:\n    metricSource: {type: Prometheus}\n  ratioMetricX:"
    )
    with pytest.raises(
        OpenSloError, match=r"x.yaml:6: spec.thresholdMetric: threshold SLIs are not supported"
    ):
        import_openslo(text + "---\n" + SLO, "x.yaml")


def test_the_command_writes_a_section_a_pack_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "checkout.openslo.yaml"
    source.write_text(SLI + "---\n" + SLO + "---\n" + INLINE)
    assert main(["slo", "import", str(source)]) == 0
    section = capsys.readouterr().out
    packs_dir = tmp_path / "packs"
    packs_dir.mkdir()
    header = "apiVersion: opsconsole.dev/v1\nkind: QueryPack\nmetadata: {name: imported}\n"
    (packs_dir / "imported.yaml").write_text(header + section)
    packs = load_packs([(packs_dir, "user")])
    assert not packs.errors, packs.errors
    pack = packs.packs["imported"].pack
    assert sorted(pack.slos) == ["checkout-availability", "queue-gold", "queue-silver"]
    assert pack.slos["checkout-availability"].window == "28d"


def test_the_command_reports_problems_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text((SLI + "---\n" + SLO).replace("4w", "1Q"))
    out = tmp_path / "out.yaml"
    assert main(["slo", "import", str(source), "-o", str(out)]) == 2
    assert "bad.yaml:29: spec.timeWindow.0.duration" in capsys.readouterr().err
    assert not out.exists()
