"""`packs doctor` and `check` against a real Prometheus whose answers come back with one thing wrong
(through a proxy): a sample value of null, label lists of the wrong shape. Each is said, in the
report, and the command ends with its verdict, never a traceback. Before, pydantic let a TypeError
through the sample parser and the doctor let its metadata questions' errors through: 30 of 30
fuzzed answers ended `packs doctor` with a traceback, and `check` with two of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.cli import main
from opsconsole.refresh.pack_doctor import check_query
from opsconsole.refresh.selector_diagnosis import PromMetadata
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.real_servers import RunningServer, wait_for_answer_3s_ago

PACK = """\
apiVersion: opsconsole.dev/v1
kind: QueryPack
metadata: {name: shaky}
health:
  entity: {type_label: job, instance_label: instance}
  up: up{job="test-target", zone=~".*"}
red:
  groups:
    api:
      by: [job]
      rate: sum by (job) (rate(opsconsole_test_requests_total[$rate_window]))
      errors: sum by (job) (rate(opsconsole_test_requests_total{status="missing"}[$rate_window]))
      duration: {histogram: opsconsole_test_latency_seconds}
"""


@pytest.fixture
def proxied(real_prometheus: RunningServer) -> Iterator[FaultProxy]:
    wait_for_answer_3s_ago(real_prometheus.url, "opsconsole_test_requests_total")
    with fault_proxy(real_prometheus.url) as proxy:
        proxy.mode = "rewrite"
        yield proxy


def _config(tmp_path: Path, url: str) -> Path:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "shaky.yaml").write_text(PACK)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"current_context: lab\npacks_dir: {packs}\ncontexts:\n  lab:\n    pack: shaky\n"
        f"    prometheus: {{url: '{url}'}}\n"
    )
    return config


def _null_values(path: str, payload: Any) -> Any:
    if path.endswith("/api/v1/query") and payload.get("data", {}).get("resultType") == "vector":
        for series in payload["data"]["result"]:
            series["value"] = [series["value"][0], None]
    return payload


def _nested_label_lists(path: str, payload: Any) -> Any:
    if path.endswith("/api/v1/labels") or path.endswith("/values"):
        payload["data"] = [[name] for name in payload.get("data") or []]
    return payload


def test_a_null_sample_is_a_query_error_in_the_report(
    tmp_path: Path, proxied: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxied.rewrite = _null_values
    config = _config(tmp_path, proxied.url)
    assert main(["--config", str(config), "packs", "doctor"]) == 1  # no pane has data: failing
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    lines = out.out.splitlines()
    up = next(line for line in lines if "health.up" in line)
    assert up.startswith("  ✖ health.up: unexpected query result shape at vector.0: "), up
    assert "expected [timestamp, value] as numbers, got [" in up and up.endswith(", None]"), up
    # For `check` an answer Prometheus cannot have sent is a failing backend, said on its row.
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    [row] = [line for line in out.out.splitlines() if line.startswith("prometheus ")]
    assert "FAIL" in row and "expected [timestamp, value] as numbers, got [" in row
    assert row.endswith(", None]"), row


def test_label_lists_of_the_wrong_shape_leave_the_verdict_and_say_the_look_was_cut_short(
    tmp_path: Path, proxied: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxied.rewrite = _nested_label_lists
    config = _config(tmp_path, proxied.url)
    code = main(["--config", str(config), "packs", "doctor"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert code == 0, out.out  # health and RED have data: the answers decide, not the metadata
    lines = out.out.splitlines()
    # `zone=~".*"` accepts a missing label, so the doctor asks which labels `up` carries: that
    # question failed, and the report says so under the query, the query itself still answered.
    at = lines.index("  ✓ health.up")
    assert lines[at + 1].startswith("      the doctor could not finish looking at this query: ")
    assert "labels" in lines[at + 1]
    assert lines[at + 2] == (
        "      → run it again; if this comes back, something between here and Prometheus answers its "
        "metadata APIs in another shape (a proxy?)"
    )
    assert main(["--config", str(config), "check"]) == 0
    assert "Traceback" not in capsys.readouterr().err


class _SlowMetadata:
    """A Prometheus whose query answers (one series without `zone`) and whose labels API times out."""

    async def query(self, promql: str, at: float) -> QueryResult:
        return QueryResult.model_validate(
            {"result_type": "vector", "vector": [{"metric": {"job": "a"}, "timestamp": at, "value": 1.0}]}
        )

    async def labels(self, start: float, end: float, match: list[str]) -> list[str]:
        raise BackendError("prometheus", FailureKind.TIMEOUT, "timeout: no answer within 10s")


async def test_a_metadata_question_that_times_out_says_so_without_blaming_the_shape() -> None:
    meta = PromMetadata(_SlowMetadata(), 1_800_000_000.0)  # type: ignore[arg-type]
    text = 'up{job="a", zone=~".*"}'
    check = await check_query(meta, "health.up", text, text, {})
    assert check.has_data and check.error is None
    [finding] = check.findings
    assert finding.problem == (
        "the doctor could not finish looking at this query: timeout: no answer within 10s"
    )
    assert finding.fix == "run it again once `opsconsole check` says Prometheus answers"
