"""CPU per Prometheus query: prometheus-api-client on requests (in threads) against httpx (async).

    python benchmarks/http_stack_cost.py [--queries 300] [--runs 3]

The console sends every Prometheus query through prometheus-api-client on a requests session,
each call on a worker thread, 8 at a time at most; the other three clients use httpx's async
client. This starts Prometheus on loopback (the test fixtures' launcher, a temporary data
directory), then sends the same instant query ``--queries`` times, 8 at a time, each way, and
prints the medians over ``--runs`` of the process CPU per query and the wall time per query.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import requests
import requests.adapters
from prometheus_api_client import PrometheusConnect
from startup_figures import machine  # next to this script, on the path when run as one

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.real_servers import prometheus_config, start_prometheus  # noqa: E402 - after the path is set

QUERY = "sum by (handler) (rate(prometheus_http_requests_total[1m]))"
AT_ONCE = 8


async def _measure(one: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    gate = asyncio.Semaphore(AT_ONCE)

    async def gated() -> None:
        async with gate:
            await one()

    await gated()  # connections opened before the clock starts
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(gated() for _ in range(count)))
    return (time.process_time() - cpu) / count, (time.perf_counter() - wall) / count


async def with_httpx(url: str, count: int) -> tuple[float, float]:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=AT_ONCE)) as client:

        async def one() -> None:
            response = await client.get(f"{url}/api/v1/query", params={"query": QUERY})
            response.json()

        return await _measure(one, count)


async def with_prometheus_api_client(url: str, count: int) -> tuple[float, float]:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=AT_ONCE))
    api = PrometheusConnect(url=url, session=session)

    async def one() -> None:
        await asyncio.to_thread(api.custom_query, QUERY)

    return await _measure(one, count)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[tuple[float, float]]] = {"prometheus-api-client": [], "httpx": []}
    with tempfile.TemporaryDirectory(prefix="opsconsole-bench-") as tmp:
        prometheus = start_prometheus(Path(tmp) / "prometheus", prometheus_config([], None, None))
        try:
            for _ in range(args.runs):  # interleaved, so both see the same machine
                figures["prometheus-api-client"].append(
                    asyncio.run(with_prometheus_api_client(prometheus.url, args.queries))
                )
                figures["httpx"].append(asyncio.run(with_httpx(prometheus.url, args.queries)))
        finally:
            prometheus.stop()
    parts = []
    for name, runs in figures.items():
        cpu = statistics.median(c for c, _ in runs) * 1000
        wall = statistics.median(w for _, w in runs) * 1000
        parts.append(f"{name}: cpu={cpu:.2f}ms/query wall={wall:.2f}ms/query")
    load = f"{os.getloadavg()[0]:.2f}"
    print(
        f"http_stack_cost runs={args.runs} queries={args.queries} "
        + " ".join(parts)
        + f" load={load} machine: {machine()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
