"""`opsconsole check` ends with one line on the context's pack: how many of its queries return data
here, and the panes that would be empty (the doctor says why)."""

from __future__ import annotations

import json

import pytest

from opsconsole.cli import main
from opsconsole.demo.stack import DemoUrls
from tests.support.real_servers import RunningServer


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
