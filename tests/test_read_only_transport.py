"""Read-only at the transport: GET, and a form POST to a listed query endpoint; nothing else.

Long PromQL and LogQL (over 6,000 characters) go out as a form POST in every mode, so read-only mode
shows the same numbers and lines as read-write mode; every other non-GET request (HEAD and OPTIONS
included) is refused inside the process, on both HTTP stacks, before anything is sent.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from opsconsole.backends.errors import ReadOnlyViolation
from opsconsole.backends.loki import LokiClient
from opsconsole.backends.prometheus import MAX_GET_QUERY_CHARS, PrometheusClient
from opsconsole.backends.transport import (
    READ_ONLY_POSTS,
    BackendHttp,
    RetryPolicy,
    build_requests_session,
    is_read,
)
from opsconsole.config import EndpointSettings
from tests.support.loopback_http import Received, Reply, ScriptedServer, scripted_server
from tests.support.real_servers import RunningServer

LOKI_STREAMS = (Path(__file__).parent / "fixtures" / "loki" / "query-range-streams-warnings.json").read_text()
LOKI_VECTOR = (Path(__file__).parent / "fixtures" / "loki" / "query-vector-warnings.json").read_text()
PROM_OK = '{"status":"success","data":{"resultType":"vector","result":[]}}'
NO_RETRY = RetryPolicy(attempts=1)
CHANGES = ("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
# Ways to dress a mutating endpoint up as a query endpoint.
DISGUISED = (
    "api/v1/admin/tsdb/delete_series",
    "api/v1/query/../admin/tsdb/delete_series",
    "api/v1/query%2F..%2Fadmin%2Ftsdb%2Fdelete_series",
    "api/v1/query/",
    "API/V1/QUERY",
    "prefix/api/v1/query",
)


def long_promql() -> str:
    alternatives = "|".join(f"job-{i:05d}" for i in range(700))
    query = f'sum by (job) (up{{job=~"test-target|{alternatives}"}})'
    assert len(query) > MAX_GET_QUERY_CHARS
    return query


def test_the_read_only_posts_are_exactly_the_query_endpoints() -> None:
    """Adding an endpoint here lets read-only mode send a POST to it: it must only ever read."""
    assert dict(READ_ONLY_POSTS) == {
        "prometheus": {"api/v1/query", "api/v1/query_range", "api/v1/series", "api/v1/labels"},
        "loki": {"loki/api/v1/query", "loki/api/v1/query_range"},
    }


@pytest.mark.parametrize("method", CHANGES)
def test_only_get_and_listed_posts_are_reads(method: str) -> None:
    assert is_read("prometheus", "GET", "api/v2/silences")
    assert is_read("prometheus", "get", "anything")
    assert not is_read("alertmanager", method, "api/v2/silences")
    assert not is_read("alertmanager", method, "api/v1/query"), "the list is per backend"
    for path in DISGUISED:
        assert not is_read("prometheus", method, path), path
    assert is_read("prometheus", "POST", "api/v1/query_range")
    assert is_read("loki", "POST", "/loki/api/v1/query_range")
    assert not is_read("prometheus", method if method != "POST" else "PUT", "api/v1/query")


def _form(server: ScriptedServer) -> list[tuple[str, str, dict[str, list[str]]]]:
    return [(r.method, r.path, parse_qs(r.body.decode())) for r in server.received]


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
async def test_long_promql_goes_as_a_form_post_in_every_mode(read_only: bool) -> None:
    query = long_promql()
    with scripted_server(lambda r: Reply(200, PROM_OK)) as server:
        client = PrometheusClient(EndpointSettings(url=server.url, timeout=5), read_only=read_only)
        try:
            await client.query(query, at=1000.0)
            await client.query_range(query, 1000.0, 1600.0, 60)
        finally:
            await client.aclose()
        sent = _form(server)
    assert [(method, path) for method, path, _ in sent] == [
        ("POST", "/api/v1/query"),
        ("POST", "/api/v1/query_range"),
    ]
    assert all(form["query"] == [query] for _, _, form in sent)
    assert sent[1][2]["step"] == ["60"]


def long_logql() -> str:
    alternatives = "|".join(f"agent-{i:05d}" for i in range(700))
    query = f'{{namespace="agents"}} |~ "planner|{alternatives}" | json | level="error"'
    assert len(query) > MAX_GET_QUERY_CHARS
    return query


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
async def test_long_logql_goes_as_a_form_post_in_every_mode_and_short_logql_as_a_get(read_only: bool) -> None:
    """A proxy in front of Loki cuts or refuses a URL this long; the query endpoints take the form."""
    query = long_logql()
    metric = f"sum(count_over_time({query} [5m]))"

    def answer(request: Received) -> Reply:
        return Reply(200, LOKI_VECTOR if request.path.endswith("/query") else LOKI_STREAMS)

    with scripted_server(answer) as server:
        client = LokiClient(EndpointSettings(url=server.url, timeout=5), read_only=read_only)
        try:
            lines = await client.query_range(query, 1000, 2000, limit=50, direction="forward")
            vector = await client.query(metric, at_ns=2000)
            await client.query_range('{namespace="agents"}', 1000, 2000)
        finally:
            await client.http.aclose()
        sent = _form(server)
        short = urlsplit(server.received[2].path)
    assert [(method, path) for method, path, _ in sent[:2]] == [
        ("POST", "/loki/api/v1/query_range"),
        ("POST", "/loki/api/v1/query"),
    ]
    assert (sent[2][0], short.path) == ("GET", "/loki/api/v1/query_range"), "a short query stays in the URL"
    assert parse_qs(short.query)["query"] == ['{namespace="agents"}']
    assert sent[0][2] == {
        "query": [query],
        "start": ["1000"],
        "end": ["2000"],
        "limit": ["50"],
        "direction": ["forward"],
    }
    assert sent[1][2] == {"query": [metric], "time": ["2000"]}
    assert len(lines.entries) == 3 and lines.warnings, "the answer to a POST is read as a GET's"
    assert len(vector.series) == 2


async def test_long_promql_through_the_kube_api_server_proxy_prefix() -> None:
    """The endpoint URL has a path prefix: the allow-list applies to what follows it."""
    with scripted_server(lambda r: Reply(200, PROM_OK)) as server:
        prefix = "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy"
        client = PrometheusClient(EndpointSettings(url=server.url + prefix, timeout=5), read_only=True)
        try:
            await client.query(long_promql())
        finally:
            await client.aclose()
        assert [(r.method, r.path) for r in server.received] == [("POST", f"{prefix}/api/v1/query")]


@pytest.mark.real_backend
async def test_real_prometheus_answers_a_long_query_in_read_only_mode(real_prometheus: RunningServer) -> None:
    client = PrometheusClient(EndpointSettings(url=real_prometheus.url, timeout=10), read_only=True)
    try:
        result = await client.query(long_promql())
    finally:
        await client.aclose()
    assert [s.metric.get("job") for s in result.vector] == ["test-target"]


@pytest.mark.parametrize("method", CHANGES)
def test_requests_stack_refuses_every_change_before_sending(method: str) -> None:
    with scripted_server(lambda r: Reply(200, PROM_OK)) as server:
        endpoint = EndpointSettings(url=server.url, timeout=5)
        session, _ = build_requests_session("prometheus", endpoint, read_only=True, retry=NO_RETRY)
        for path in ("api/v2/silences", *DISGUISED):
            with pytest.raises(ReadOnlyViolation):
                session.request(method, f"{server.url}/{path}", data={"query": "up"}, timeout=5)
        assert server.received == []
        session.post(f"{server.url}/api/v1/query", data={"query": "up"}, timeout=5)
        session.get(f"{server.url}/api/v1/query", params={"query": "up"}, timeout=5)
        assert [(r.method, r.path.split("?")[0]) for r in server.received] == [
            ("POST", "/api/v1/query"),
            ("GET", "/api/v1/query"),
        ]


@pytest.mark.parametrize("method", CHANGES)
async def test_httpx_stack_refuses_every_change_before_sending(method: str) -> None:
    with scripted_server(lambda r: Reply(200, "{}")) as server:
        for backend in ("alertmanager", "loki", "jaeger"):
            http = BackendHttp(backend, EndpointSettings(url=server.url, timeout=5), read_only=True)
            try:
                for path in ("api/v2/silences", "loki/api/v1/push", *DISGUISED):
                    with pytest.raises(ReadOnlyViolation):
                        await http.request(method, path, form={"query": "up"})
                    with pytest.raises(ReadOnlyViolation):  # the guard in the transport, below request()
                        await http.client.request(method, path, data={"query": "up"})
            finally:
                await http.aclose()
        assert server.received == []


async def test_httpx_stack_sends_loki_query_posts_in_read_only_mode() -> None:
    with scripted_server(lambda r: Reply(200, "{}")) as server:
        http = BackendHttp("loki", EndpointSettings(url=server.url, timeout=5), read_only=True)
        try:
            await http.request("POST", "loki/api/v1/query_range", form={"query": '{job="x"}'})
            await http.client.post("loki/api/v1/query", data={"query": '{job="x"}'})
        finally:
            await http.aclose()
        assert [(r.method, r.path) for r in server.received] == [
            ("POST", "/loki/api/v1/query_range"),
            ("POST", "/loki/api/v1/query"),
        ]
