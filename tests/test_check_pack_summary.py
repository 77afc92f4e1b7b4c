"""`opsconsole check` ends with one line on the context's pack: how many of its queries return data
here, and the panes that would be empty (the doctor says why)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.cli import main
from opsconsole.demo.stack import DemoUrls
from tests.support.real_servers import RunningAlertmanager, RunningServer, wait_for_answer_3s_ago


def test_on_the_demo_every_query_of_the_pack_returns_data(
    live_demo: DemoUrls, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--prometheus", live_demo.prometheus])
    out = capsys.readouterr().out
    assert code == 0, out
    [line] = [line for line in out.splitlines() if line.startswith("pack ")]
    assert line == "pack progressive-framework: 35 of 35 queries return data"


def test_a_prometheus_the_pack_does_not_fit_is_told_to_run_the_doctor(
    real_prometheus: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--json", "--prometheus", real_prometheus.url])
    report = json.loads(capsys.readouterr().out)
    assert code == 0  # reachability is fine; the pack is the problem
    pack = report["pack"]
    assert pack["name"] == "progressive-framework" and pack["with_data"] == 0
    assert {"health", "red", "slo"} <= set(pack["empty_panes"])
    assert "run `opsconsole packs doctor`" in pack["line"]


UNNAMED = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: unnamed}
health:
  entity: {type_label: job, instance_label: pod}
  up: up{job="test-target"}
red:
  groups:
    api:
      by: [route]
      rate: sum by (route) (rate(opsconsole_test_requests_total[$rate_window]))
      errors: sum by (route) (rate(opsconsole_test_requests_total{status="error"}[$rate_window]))
      duration: {histogram: opsconsole_test_latency_seconds}
alerts:
  matchers: ['alertname="CheckoutDown"']
"""


def test_check_and_the_doctor_call_the_same_pack_failing(
    tmp_path: Path,
    real_prometheus: RunningServer,
    real_alertmanager: RunningAlertmanager,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The queries return data (the quantiles of a histogram nothing observes now are NaN), but no
    # series carries `pod` (the health pane has no row) nor `route` (RED is one row of
    # everything), and the matchers select none of the firing alerts: the doctor exits 1 on it,
    # and check said "pack unnamed: 3 of 6 queries return data: `opsconsole packs doctor` says why
    # the others do not", as if the rest were fine.
    wait_for_answer_3s_ago(real_prometheus.url, "opsconsole_test_requests_total")
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "unnamed.yaml").write_text(UNNAMED)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"current_context: lab\npacks_dir: {packs}\ncontexts:\n  lab:\n    pack: unnamed\n"
        f"    prometheus: {{url: '{real_prometheus.url}'}}\n"
        f"    alertmanagers: [{{url: '{real_alertmanager.url}'}}]\n"
    )
    assert main(["--config", str(config), "packs", "doctor", "--json"]) == 1
    doctor = json.loads(capsys.readouterr().out)
    assert main(["--config", str(config), "check", "--json"]) == 0  # the backends answer
    pack = json.loads(capsys.readouterr().out)["pack"]
    assert pack["empty_panes"] == doctor["empty_panes"] == ["health", "alerts"]
    assert pack["failed"] is True
    assert pack["problems"] == [
        "health (no series names a row)",
        "alerts (the pack's matchers select none of the firing alerts)",
        "red (one row of everything: a `by` label no series carries)",
    ]
    assert pack["line"] == (
        f"pack unnamed: {pack['with_data']} of {pack['queries']} queries return data; failing: "
        + ", ".join(pack["problems"])
        + ": run `opsconsole packs doctor` to see why"
    )
    assert main(["--config", str(config), "check"]) == 0
    assert pack["line"] in capsys.readouterr().out.splitlines()
