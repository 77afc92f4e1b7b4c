"""The real servers' fixtures when another process takes the port they were given (four test
processes pick free ports at once): a fresh port, not a failed fixture, unless the port was chosen."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import real_servers
from tests.support.real_servers import (
    PortTaken,
    free_port,
    prometheus_config,
    start_alertmanager,
    start_prometheus,
)

pytestmark = pytest.mark.real_backend


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def _first_the_taken_one(monkeypatch: pytest.MonkeyPatch, taken: int) -> list[int]:
    handed: list[int] = []

    def pick() -> int:
        handed.append(taken if not handed else free_port())
        return handed[-1]

    monkeypatch.setattr(real_servers, "free_port", pick)
    return handed


def test_prometheus_moves_to_another_port(
    tmp_path: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = _first_the_taken_one(monkeypatch, taken_port)
    server = start_prometheus(tmp_path, prometheus_config([], None, None))
    try:
        assert server.port != taken_port and server.port == handed[-1]
        assert server.process.poll() is None
    finally:
        server.stop()
    assert handed[0] == taken_port


def test_alertmanager_moves_to_another_port(
    tmp_path: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = _first_the_taken_one(monkeypatch, taken_port)
    server = start_alertmanager(tmp_path)
    try:
        assert server.port != taken_port and server.port == handed[-1]
    finally:
        server.stop()


def test_a_chosen_port_that_is_taken_fails_at_once_with_the_servers_words(
    tmp_path: Path, taken_port: int
) -> None:
    with pytest.raises(PortTaken, match="address already in use"):
        start_prometheus(tmp_path, prometheus_config([], None, None), port=taken_port)
