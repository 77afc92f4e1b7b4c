"""Retries, Retry-After and the one overall deadline, on both HTTP stacks.

The httpx stack (Alertmanager, Loki, Jaeger) and the requests stack under prometheus-api-client
must both end every call within the endpoint's ``timeout``, honour ``Retry-After`` only up to
the policy's cap, and retry reads on connect errors, 429 and 5xx. Every time bound below comes
from the fault under test: the server asks for an hour or trickles for a minute, the client is
given a few seconds.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.backends.prometheus import PrometheusClient
from opsconsole.backends.transport import DEFAULT_RETRY, BackendHttp, RetryPolicy, retry_after_seconds
from opsconsole.config import EndpointSettings
from opsconsole.packs.loader import load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.service import RefreshService
from opsconsole.resources import builtin_queries_dir
from tests.support.loopback_http import Reply, scripted_server
from tests.support.machine_lag import machine_lag
from tests.support.real_servers import free_port

PROM_OK = '{"status":"success","data":{"resultType":"vector","result":[]}}'
# Far longer than any deadline below, yet short enough that a client ignoring the cap (the bug
# this guards against) fails the test in a minute rather than hanging the suite for an hour.
A_MINUTE = {"Content-Type": "text/plain", "Retry-After": "60"}
# Time for a client to notice its deadline has passed, on top of what a loaded machine delays this
# process (measured by machine_lag while the call runs, not guessed).
GRACE = 0.5
# Only against a hang: a client ignoring its deadline altogether meets the minute-long faults here.
HANG_GUARD = 20.0

Call = Callable[[str, float, RetryPolicy], Awaitable[Any]]


async def _bounded(call: Awaitable[Any], timeout: float) -> Any:
    """The call, failing the test (instead of hanging it) if it outlives its deadline."""
    try:
        return await asyncio.wait_for(call, timeout + HANG_GUARD)
    except TimeoutError:
        raise AssertionError(f"the call outlived its {timeout}s deadline") from None


async def via_httpx(url: str, timeout: float, retry: RetryPolicy) -> Any:
    client = BackendHttp("loki", EndpointSettings(url=url, timeout=timeout), retry=retry)
    try:
        return await _bounded(client.get_json("loki/api/v1/labels"), timeout)
    finally:
        await client.aclose()


async def via_requests(url: str, timeout: float, retry: RetryPolicy) -> Any:
    client = PrometheusClient(EndpointSettings(url=url, timeout=timeout), retry=retry)
    try:
        return await _bounded(client.query("up"), timeout)
    finally:
        await client.aclose()


BOTH = pytest.mark.parametrize("call", [via_httpx, via_requests], ids=["httpx", "requests"])


# -- the policy itself ---------------------------------------------------------------------------


def test_default_policy_retries_with_growing_jittered_nonzero_waits() -> None:
    policy = DEFAULT_RETRY
    assert policy.attempts >= 2
    assert {429, 500, 502, 503, 504} <= policy.statuses
    assert not {400, 401, 403, 404} & policy.statuses
    lowest = [policy.backoff(n, draw=lambda: 1.0 - 1e-9) for n in (1, 2)]
    highest = [policy.backoff(n, draw=lambda: 0.0) for n in (1, 2)]
    assert all(w > 0 for w in lowest), "a retry without a pause hammers a struggling server"
    assert highest[1] > highest[0], "waits grow from one retry to the next"
    assert lowest[0] < highest[0], "jitter spreads clients that failed together"
    assert max(policy.backoff(n) for n in range(1, 30)) <= policy.max_backoff


def test_wait_before_gives_up_when_out_of_attempts_time_or_patience() -> None:
    policy = RetryPolicy(attempts=3, backoff_factor=0.1, max_backoff=1.0, jitter=0.0, max_retry_after=4.0)
    assert policy.wait_before(1, remaining=10) == pytest.approx(0.1)
    assert policy.wait_before(2, remaining=10) == pytest.approx(0.2)
    assert policy.wait_before(3, remaining=10) is None, "three attempts means two retries"
    assert policy.wait_before(1, remaining=0.05) is None, "the wait would outlast the deadline"
    assert policy.wait_before(1, remaining=10, retry_after="3") == pytest.approx(3.0)
    assert policy.wait_before(1, remaining=10, retry_after="4") == pytest.approx(4.0), "the cap is inclusive"
    assert policy.wait_before(1, remaining=10, retry_after="5") is None, "longer than the cap: give up now"
    assert policy.wait_before(1, remaining=2.5, retry_after="3") is None, "honoured, but past the deadline"
    assert policy.wait_before(1, remaining=10, retry_after="soon") == pytest.approx(0.1), (
        "unreadable: ignored"
    )


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds("120", now.timestamp()) == 120
    assert retry_after_seconds(later, now.timestamp()) == pytest.approx(90)
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now.timestamp()) == 0
    assert retry_after_seconds("in a while", now.timestamp()) is None


@pytest.mark.parametrize("bad", [{"attempts": 0}, {"jitter": 1.0}, {"jitter": -0.1}])
def test_nonsense_policies_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)


# -- both stacks against misbehaving servers -----------------------------------------------------


@BOTH
async def test_a_long_retry_after_is_shown_at_once_as_rate_limited(call: Call) -> None:
    """A proxy asking for a long pause must not freeze a pane: one request, then "429: rate limited"."""
    with scripted_server(lambda r: Reply(429, "slow down", A_MINUTE)) as server:
        started = time.monotonic()
        with pytest.raises(BackendError) as err:
            await call(server.url, 5.0, DEFAULT_RETRY)
        elapsed = time.monotonic() - started
        assert len(server.received) == 1
    assert elapsed < DEFAULT_RETRY.max_retry_after, "no waiting at all: the pause asked for is beyond the cap"
    assert err.value.kind is FailureKind.RATE_LIMITED
    assert err.value.diagnosis == "429: rate limited, the server asks for a pause of 1m"


@BOTH
async def test_a_short_retry_after_is_honoured(call: Call) -> None:
    answers = iter([Reply(429, "wait", {"Retry-After": "1"}), Reply(200, PROM_OK)])
    policy = RetryPolicy(attempts=2, backoff_factor=0.01, jitter=0.0)
    with scripted_server(lambda r: next(answers)) as server:
        started = time.monotonic()
        await call(server.url, 5.0, policy)
        elapsed = time.monotonic() - started
        assert len(server.received) == 2
    assert elapsed >= 1.0, "the retry waited as long as the server asked"


@BOTH
async def test_retries_stop_when_the_next_wait_would_pass_the_deadline(call: Call) -> None:
    """Retry-After 2 with a 3.5 s deadline: one retry at 2 s, then the 429 is reported, not a
    timeout. Whether the retry fits depends on when the first 429 came back: on a loaded machine
    the first round trip alone took over a second, and then no retry fits, which is right too."""
    policy = RetryPolicy(attempts=10, backoff_factor=0.01, jitter=0.0)
    with scripted_server(lambda r: Reply(429, "busy", {"Retry-After": "2"})) as server:
        started = time.monotonic()
        with machine_lag() as lag, pytest.raises(BackendError) as err:
            await call(server.url, 3.5, policy)
        elapsed = time.monotonic() - started
        first = server.received[0].at - started  # the client heard the 429 after this
        tried = len(server.received)
    assert err.value.kind is FailureKind.RATE_LIMITED
    if first + 2.0 + lag.worst < 3.5:  # the retry fits, and the wait after it cannot (2 + 2 > 3.5)
        assert tried == 2
        assert elapsed >= 2.0
    elif first + 2.0 >= 3.5:  # not even one retry fits
        assert tried == 1
    else:  # too close to the deadline to say which the client saw
        assert tried in (1, 2)
    assert elapsed < 3.5 + GRACE + lag.worst


@BOTH
async def test_slow_failing_attempts_share_one_deadline(call: Call) -> None:
    """Each 503 takes 0.8 s; ten attempts would take 8 s, the deadline is 2 s."""
    policy = RetryPolicy(attempts=10, backoff_factor=0.01, jitter=0.0)
    with scripted_server(lambda r: Reply(503, "busy", {"Content-Type": "text/plain"}, delay=0.8)) as server:
        started = time.monotonic()
        with machine_lag() as lag, pytest.raises(BackendError) as err:
            await call(server.url, 2.0, policy)
        elapsed = time.monotonic() - started
        tried = len(server.received)
    assert elapsed < 2.0 + GRACE + lag.worst
    assert 2 <= tried <= 3
    assert err.value.kind in {FailureKind.SERVER_ERROR, FailureKind.TIMEOUT}


@contextmanager
def trickling_server(seconds: float) -> Iterator[str]:
    """Answers 200 at once, then sends its body one byte every 0.1 s for ``seconds``."""
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                size = int(seconds / 0.1)
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
                try:
                    conn.sendall(head.encode())
                    for _ in range(size):
                        if stop.wait(0.1):
                            return
                        conn.sendall(b" ")
                except OSError:
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()


@BOTH
async def test_a_body_trickling_in_does_not_outlast_the_deadline(call: Call) -> None:
    """Every read gets a byte well within the timeout, so only an overall deadline can stop it."""
    with trickling_server(60) as url:
        started = time.monotonic()
        with machine_lag() as lag, pytest.raises(BackendError) as err:
            await call(url, 1.5, DEFAULT_RETRY)
        elapsed = time.monotonic() - started
    assert err.value.kind is FailureKind.TIMEOUT
    assert err.value.diagnosis == "timeout: no answer within 1.5s"
    assert elapsed < 1.5 + GRACE + lag.worst


@BOTH
async def test_connection_refused_is_retried_until_the_server_is_up(call: Call) -> None:
    """The server starts listening 0.3 s after the first attempt was refused; the retry reaches it."""
    port = free_port()
    policy = RetryPolicy(attempts=3, backoff_factor=0.6, jitter=0.0)
    served: list[bytes] = []

    def late_server() -> None:
        time.sleep(0.3)
        with socket.create_server(("127.0.0.1", port)) as listener:
            conn, _ = listener.accept()
            with conn:
                served.append(conn.recv(65536))
                body = PROM_OK.encode()
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    thread = threading.Thread(target=late_server, daemon=True)
    thread.start()
    await call(f"http://127.0.0.1:{port}", 5.0, policy)
    thread.join(timeout=5)
    assert len(served) == 1


@BOTH
async def test_a_client_error_is_not_retried(call: Call) -> None:
    with scripted_server(lambda r: Reply(400, "bad", {"Content-Type": "text/plain"})) as server:
        with pytest.raises(BackendError):
            await call(server.url, 5.0, DEFAULT_RETRY)
        assert len(server.received) == 1


async def _refresh_behind(reply: Reply) -> tuple[Any, float]:
    """One refresh of the built-in pack against a server giving ``reply`` to everything; its time."""
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    with scripted_server(lambda r: reply) as server:
        prometheus = PrometheusClient(EndpointSettings(url=server.url, timeout=3.0))
        service = RefreshService("rate-limited", pack, BackendSet(prometheus=prometheus))
        started = time.monotonic()
        try:
            # Bounded by the pause asked for, which is what must not be waited out.
            board = await _bounded(service.refresh(), 30.0)
        finally:
            await service.backends.aclose()
        return board, time.monotonic() - started


async def test_the_panes_say_rate_limited_within_the_deadline() -> None:
    """The Prometheus panes of a refresh behind a proxy asking for a long pause: said at once.

    The same refresh against a 404, which is never retried, is the baseline: the machine's own
    speed (a loaded one makes a refresh of many requests take seconds) cancels out, and what is
    left is any waiting for the pause, a retry or a request's 3 s deadline."""
    _, baseline = await _refresh_behind(Reply(404, "no such page", {"Content-Type": "text/plain"}))
    board, elapsed = await _refresh_behind(Reply(429, "slow down", A_MINUTE))
    for pane in ("health", "red", "slo"):
        assert "prometheus: 429: rate limited" in (board.pane_status(pane).error or ""), pane
    assert elapsed < 2 * baseline + 1.5, (elapsed, baseline)
