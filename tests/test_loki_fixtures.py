"""The Loki client, tail and refresh against answers shaped like Loki's own (tests/fixtures/loki/).

The fixtures follow the cases of Loki's Apache-2.0 serialisation tests (``pkg/util/marshal``,
``pkg/loghttp``): ``warnings`` next to ``status`` on streams, vector and matrix answers; the full
``stats`` object; ``categorize-labels`` values with an empty, structured-metadata or parsed third
element; the push form of that element; tail frames with ``dropped_entries`` and encoding flags.
Loki's warnings must reach the log pane's border, the full-screen tail's status line, the
detail screen and ``snapshot --json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream, parse_tail_frame
from opsconsole.commands.snapshot import as_json, as_text
from opsconsole.config import EndpointSettings
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.packs.loader import load_packs
from opsconsole.packs.schema import LogFields
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.log_tail import LogTail, TailRequest
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from tests.support.loopback_http import Received, Reply, scripted_server

FIXTURES = Path(__file__).parent / "fixtures" / "loki"
WARNING = (
    "query was split at the max_query_length limit: the lines before 2026-12-01T00:00:00Z were not searched"
)
T = 1797004800123000000


def body(name: str) -> str:
    return (FIXTURES / name).read_text()


def serving(name: str) -> Any:
    return scripted_server(lambda request: Reply(200, body(name)))


async def test_streams_carry_loki_warnings_and_stats() -> None:
    with serving("query-range-streams-warnings.json") as server:
        result = await LokiClient(EndpointSettings(url=server.url)).query_range('{app=~".+"}', 0, T * 2)
    assert result.warnings == [WARNING]
    assert [e.ts_ns for e in result.entries] == [1797004800523400001, 1797004800300000000, T]
    assert result.exec_time == 0.0132 and result.bytes_processed == 131_072


async def test_metric_answers_carry_warnings_too() -> None:
    with serving("query-vector-warnings.json") as server:
        vector = await LokiClient(EndpointSettings(url=server.url)).query('sum(rate({app=~".+"}[5m]))')
    assert vector.warnings == [WARNING, "this query hit the per-tenant series limit; results may be partial"]
    assert [s.values for s in vector.series] == [
        [(1797004800.123, 0.013333333333333334)],
        [(1797004800.123, 3.45)],
    ]
    with serving("query-range-matrix-warnings.json") as server:
        matrix = await LokiClient(EndpointSettings(url=server.url)).query_range("x", 0, T, step=60)
    assert matrix.warnings == [WARNING] and len(matrix.series[0].values) == 2
    with serving("query-scalar.json") as server:
        scalar = await LokiClient(EndpointSettings(url=server.url)).query("vector(42)")
    assert scalar.result_type == "scalar" and scalar.series[0].values == [(1797004800.123, 42.0)]
    assert scalar.warnings == []


async def test_categorized_labels_keep_metadata_and_parsed_apart_from_the_stream() -> None:
    with serving("query-range-categorized.json") as server:
        result = await LokiClient(EndpointSettings(url=server.url)).query_range(
            "x", 0, T * 2, direction="forward"
        )
    accepted, queued, timeout = result.entries
    assert accepted.labels == {"app": "planner", "namespace": "agents"}
    assert (accepted.structured_metadata, accepted.parsed) == ({}, {})
    assert queued.structured_metadata == {"trace_id": "7c3d9a1e5b2f48a0b1c2d3e4f5061728", "pod": "planner-0"}
    assert timeout.parsed == {"level": "error", "msg": "plan timeout"}


async def test_the_push_form_of_metadata_is_structured_metadata() -> None:
    with serving("query-range-push-form-metadata.json") as server:
        result = await LokiClient(EndpointSettings(url=server.url)).query_range("x", 0, T * 2)
    assert result.entries[0].structured_metadata == {"trace_id": "7c3d9a1e5b2f48a0b1c2d3e4f5061728"}


def test_tail_frames_plain_and_categorized() -> None:
    plain = parse_tail_frame(body("tail-frame.json"))
    assert [e.line for e in plain.entries] == ["plan accepted", "plan queued"] and plain.dropped == 1
    categorized = parse_tail_frame(body("tail-frame-categorized.json"))
    assert categorized.dropped == 1
    assert categorized.entries[1].structured_metadata == {"trace_id": "7c3d9a1e5b2f48a0b1c2d3e4f5061728"}
    assert categorized.entries[2].parsed == {"msg": "timeout"}


async def test_the_tails_status_line_says_what_loki_warned_about() -> None:
    with serving("query-range-streams-warnings.json") as server:
        tail = LogTail(
            LokiClient(EndpointSettings(url=server.url)),
            TailRequest('{app=~".+"}'),
            LogFields(),
            LogBuffer(100),
            clock=lambda: T / 1e9,
            live=False,
        )
        await tail.run()
    assert tail.warnings == [WARNING]
    assert f"△ Loki: {WARNING}" in tail.describe()
    assert "⚠" not in tail.describe()  # a warning, not a failure: the pane is not marked failed


async def test_polling_the_tail_keeps_the_warnings_of_the_pages_read() -> None:
    with serving("query-range-streams-warnings.json") as server:
        stream = LokiTailStream(
            LokiClient(EndpointSettings(url=server.url)),
            "x",
            start_ns=T - 1,
            use_websocket=False,
            clock=lambda: T / 1e9 + 10,
        )
        batch = await anext(aiter(stream))
    assert len(batch.entries) == 3
    assert stream.status.warnings == [WARNING]


async def test_snapshot_and_detail_carry_loki_warnings() -> None:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack

    def handler(request: Received) -> Reply:
        assert urlsplit(request.path).path == "/loki/api/v1/query_range"
        return Reply(200, body("query-range-streams-warnings.json"))

    with scripted_server(handler) as server:
        service = RefreshService(
            "ctx", pack, BackendSet(loki=LokiClient(EndpointSettings(url=server.url))), clock=lambda: T / 1e9
        )
        try:
            board = await service.refresh()
            detail = await service.detail(group=None, labels={"agent_type": "planner"}, entity="planner-0")
        finally:
            await service.backends.aclose()
    assert board.pane_status("logs").warnings == (WARNING,)
    assert as_json(board)["status"]["logs"]["warnings"] == [WARNING]
    assert f"  △ {WARNING}" in as_text(board).splitlines()
    assert f"logs: Loki warns: {WARNING}" in detail.errors
    assert json.dumps(as_json(board))  # plain JSON all the way down
