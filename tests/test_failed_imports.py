"""No import is tried again and again on the request path.

Python caches a module it found, never one it did not: ``import x`` of a missing module searches
every directory of ``sys.path`` each time. httpcore looks for sniffio that way whenever it sets up a
connection's lock (encode/httpcore#1103), and since anyio stopped depending on sniffio nothing
installed it: every new connection searched the path again (about 2 ms of CPU each; a test
process's 539 searches took a second of a UI test file). opsconsole depends on sniffio for that.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# A fresh interpreter: a loopback server, then fresh clients through opsconsole's own HTTP layer
# (its pooled async client, as the Alertmanager, Loki and Jaeger clients use it), each with a new
# connection; prints how often each module name was looked for on sys.path and not found.
_CHILD = textwrap.dedent(
    """
    import asyncio, collections, importlib.machinery, json

    missed = collections.Counter()
    find_spec = importlib.machinery.PathFinder.find_spec.__func__

    def counting(cls, name, path=None, target=None):
        spec = find_spec(cls, name, path, target)
        if spec is None:
            missed[name] += 1
        return spec

    importlib.machinery.PathFinder.find_spec = classmethod(counting)

    from opsconsole.backends.transport import BackendHttp
    from opsconsole.config import EndpointSettings

    REPLY = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: 2\\r\\n\\r\\n[]"

    async def answer(reader, writer):
        while await reader.readuntil(b"\\r\\n\\r\\n"):
            writer.write(REPLY)
            await writer.drain()

    async def main():
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        for _ in range(CONNECTIONS):
            http = BackendHttp("alertmanager", EndpointSettings(url=url))
            try:
                await http.get_json("/api/v2/alerts")
            finally:
                await http.aclose()
        server.close()

    asyncio.run(main())
    print(json.dumps(missed))
    """
)
CONNECTIONS = 12


def test_no_missing_module_is_looked_for_on_every_connection() -> None:
    child = f"CONNECTIONS = {CONNECTIONS}\n{_CHILD}"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    missed: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    # An optional module tried once when a library loads is fine; once per connection is not.
    per_connection = {name: times for name, times in missed.items() if times >= CONNECTIONS}
    assert per_connection == {}, missed
