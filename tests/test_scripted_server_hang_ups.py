"""The scripted loopback server is quiet when a client gives up, and loud about anything else.

Tests make clients give up on purpose (a deadline shorter than the scripted delay); the standard
library's server printed a traceback for each into the test run's output, where a real failure
would hide among them.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from urllib.parse import urlsplit

import pytest

from tests.support.loopback_http import Received, Reply, ScriptedServer, scripted_server


def _hang_up_before_the_answer(server: ScriptedServer, within: float = 30.0) -> None:
    """Send a request, wait until the server has it, then reset the connection (SO_LINGER 0).

    Then wait for the thread that handles it to end (the server does not join it; on loopback it
    ends a moment after its scripted delay). That is any thread started from here on: threads an
    earlier test left behind are not waited for, and no thread name is relied on.
    """
    before = set(threading.enumerate())
    parts = urlsplit(server.url)
    deadline = time.monotonic() + within
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as raw:
        raw.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        while not server.received:
            assert time.monotonic() < deadline, "the request never reached the scripted server"
            time.sleep(0.01)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    while any(thread not in before for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "a request thread of the scripted server never ended"
        time.sleep(0.01)


def test_a_client_that_hung_up_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    # The delay lets the reset arrive before the server writes its answer.
    with scripted_server(lambda r: Reply(200, "x" * 65_536, delay=0.2)) as server:
        _hang_up_before_the_answer(server)
    err = capfd.readouterr().err
    assert "Traceback" not in err, err


def test_a_handler_that_fails_is_still_reported(capfd: pytest.CaptureFixture[str]) -> None:
    def broken(request: Received) -> Reply:
        raise ValueError("the handler itself is wrong")

    with scripted_server(broken) as server:
        _hang_up_before_the_answer(server)
    err = capfd.readouterr().err
    assert "ValueError: the handler itself is wrong" in err, err
