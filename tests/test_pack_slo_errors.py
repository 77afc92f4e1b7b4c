"""A pack's SLO durations are checked where they are written: a bad ``window`` or burn-rule
window names ``slos.NAME.window`` / ``slos.NAME.burn_rules.N.long|short`` and its line, and a label
rule given as one string is that one label, never its characters."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsconsole.packs.loader import load_packs
from opsconsole.packs.schema import EntitySpec, HistogramDuration

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata:
  name: p
health:
  entity: {type_label: job, instance_label: instance}
  up: up
slos:
  avail:
    objective: 0.999
    window: WINDOW
    error_ratio: 'sum(rate(errors[$window])) / sum(rate(requests[$window]))'
    burn_rules:
      - {long: 1h, short: 5m, factor: 14.4, severity: page}
      - {long: LONG, short: SHORT, factor: 6, severity: ticket}
"""


def errors(tmp_path: Path, window: str = "30d", long: str = "6h", short: str = "30m") -> list[str]:
    text = PACK.replace("WINDOW", window).replace("LONG", long).replace("SHORT", short)
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    result = load_packs([], [path])
    return [str(e).removeprefix(str(path)) for e in result.errors]


def test_good_durations_load(tmp_path: Path) -> None:
    assert errors(tmp_path) == []


def test_a_bad_slo_window_names_its_field_and_line(tmp_path: Path) -> None:
    assert errors(tmp_path, window="30days") == [
        ":11: slos.avail.window: not a duration: '30days' (expected e.g. 30s, 5m, 1h30m, 30d)"
    ]


def test_a_bad_burn_rule_window_names_the_rule_and_the_part(tmp_path: Path) -> None:
    assert errors(tmp_path, long="6 hours") == [
        ":15: slos.avail.burn_rules.1.long: not a duration: '6 hours' (expected e.g. 30s, 5m, 1h30m, 30d)"
    ]
    assert errors(tmp_path, short="half") == [
        ":15: slos.avail.burn_rules.1.short: not a duration: 'half' (expected e.g. 30s, 5m, 1h30m, 30d)"
    ]


def test_every_bad_duration_is_reported_not_only_the_first(tmp_path: Path) -> None:
    found = errors(tmp_path, window="x", long="y", short="z")
    assert [e.split(": ")[1] for e in found] == [
        "slos.avail.window",
        "slos.avail.burn_rules.1.long",
        "slos.avail.burn_rules.1.short",
    ]
    assert "avail" not in load_packs([], [tmp_path / "p.yaml"]).packs  # refused, not half-loaded


def test_a_label_rule_of_one_string_is_one_label() -> None:
    entity = EntitySpec(type_label="job", instance_label=["pod", "instance"])
    assert entity.type_labels == ("job",)
    assert entity.instance_labels == ("pod", "instance")
    assert HistogramDuration(histogram="http_request_duration_seconds").histograms == (
        "http_request_duration_seconds",
    )
    assert HistogramDuration(histogram=["a_seconds", "b_seconds"]).histograms == ("a_seconds", "b_seconds")
