"""A SOCKS5 proxy on loopback for tests: CONNECT only, with or without a username and password
(RFC 1928, RFC 1929). It records each tunnel's target and login, and resolves the names it is
asked for through ``hosts`` first, so a test can name a host only the proxy knows (``socks5h``)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class SocksProxy:
    """The running proxy: its URL's host and port, and what it was asked."""

    port: int
    hosts: dict[str, str]
    login: tuple[str, str] | None
    targets: list[str] = field(default_factory=list)  # "host:port" of each tunnel, as asked
    logins: list[tuple[str, str]] = field(default_factory=list)
    open_ends: set[asyncio.StreamWriter] = field(default_factory=set, repr=False)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError):
        writer.close()


async def _serve(proxy: SocksProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    proxy.open_ends.add(writer)
    try:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        wanted = 2 if proxy.login else 0
        if version != 5 or wanted not in methods:
            writer.write(b"\x05\xff")
            return
        writer.write(bytes([5, wanted]))
        if wanted == 2:
            _, size = await reader.readexactly(2)
            user = (await reader.readexactly(size)).decode()
            (size,) = await reader.readexactly(1)
            password = (await reader.readexactly(size)).decode()
            proxy.logins.append((user, password))
            if (user, password) != proxy.login:
                writer.write(b"\x01\x01")
                return
            writer.write(b"\x01\x00")
        _, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            (size,) = await reader.readexactly(1)
            host = (await reader.readexactly(size)).decode()
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        proxy.targets.append(f"{host}:{port}")
        if command != 1:
            writer.write(b"\x05\x07\x00\x01" + bytes(6))  # command not supported
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                proxy.hosts.get(host, host), port
            )
        except socket.gaierror:
            writer.write(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable: no such name here
            return
        except OSError:
            writer.write(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
            return
        proxy.open_ends.add(upstream_writer)
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()


@contextlib.contextmanager
def socks_proxy(
    hosts: dict[str, str] | None = None, login: tuple[str, str] | None = None
) -> Iterator[SocksProxy]:
    """Run a SOCKS5 proxy on a free loopback port for the block's duration."""
    loop = asyncio.new_event_loop()
    box: list[tuple[SocksProxy, asyncio.Server]] = []

    async def start() -> None:
        proxy = SocksProxy(0, dict(hosts or {}), login)
        server = await asyncio.start_server(lambda r, w: _serve(proxy, r, w), "127.0.0.1", 0)
        proxy.port = server.sockets[0].getsockname()[1]
        box.append((proxy, server))

    async def stop() -> None:
        proxy, server = box[0]
        server.close()
        for end in proxy.open_ends:  # each tunnel's pipes then end as a hung-up peer's do
            end.close()
        tunnels = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        await asyncio.wait(tunnels, timeout=10) if tunnels else None

    thread = threading.Thread(target=loop.run_forever, daemon=True, name="socks-proxy")
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield box[0][0]
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
