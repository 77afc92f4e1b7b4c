"""Query efficiency: HTTP requests per refresh for each built-in pack, before and after de-duplication.

    python benchmarks/requests_per_refresh.py

Each pack refreshes against the demo stack through counting proxies (one per backend), so the
figures are requests that really left the process. "asked" is what the panes asked for before
identical queries were merged; "sent" is what the Prometheus client sent. The first refresh also
runs one-off discovery (recording rules, SLO data coverage); the steady state is the second and
later refreshes, which is what a console left open pays every interval. The demo plays
Progressive Framework and FreeAgentics as the seeds describe them, serves the standard exporters
the kubernetes, otel-http and meta packs read, and sets the namespace the kubernetes pack
requires, as ``opsconsole demo`` does.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opsconsole.backends.alertmanager import AlertmanagerClient  # noqa: E402
from opsconsole.backends.loki import LokiClient  # noqa: E402
from opsconsole.backends.prometheus import PrometheusClient  # noqa: E402
from opsconsole.config import EndpointSettings  # noqa: E402
from opsconsole.demo.stack import BackgroundStack, DemoStack  # noqa: E402
from opsconsole.demo.world import NAMESPACE  # noqa: E402
from opsconsole.packs.loader import load_packs  # noqa: E402
from opsconsole.refresh.backends_set import BackendSet  # noqa: E402
from opsconsole.refresh.service import RefreshService  # noqa: E402
from opsconsole.resources import builtin_queries_dir  # noqa: E402
from tests.support.fault_proxy import fault_proxy  # noqa: E402 - a counting proxy when left "ok"

KINDS = ("prometheus", "alertmanager", "loki")


async def measure(pack_name: str, urls: dict[str, str], proxies: dict[str, object]) -> dict[str, float]:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs[pack_name].pack
    backends = BackendSet(
        prometheus=PrometheusClient(EndpointSettings(url=urls["prometheus"])),
        alertmanagers=[AlertmanagerClient(EndpointSettings(url=urls["alertmanager"]))],
        loki=LokiClient(EndpointSettings(url=urls["loki"])),
    )
    overrides = {"namespace": NAMESPACE}  # what the demo's context sets
    service = RefreshService("bench", pack, backends, overrides=overrides, clock=time.time)
    figures: dict[str, float] = {}
    try:
        for label in ("first", "steady"):
            before = {k: proxies[k].requests for k in KINDS}  # type: ignore[attr-defined]
            await service.refresh()
            for kind in KINDS:
                figures[f"{label}_{kind}"] = proxies[kind].requests - before[kind]  # type: ignore[attr-defined]
            figures[f"{label}_asked"] = service.stats.asked
            figures[f"{label}_sent"] = service.stats.sent
    finally:
        await backends.aclose()
    return figures


def main() -> int:
    stack = BackgroundStack(DemoStack(lead_in=300))
    demo = stack.start()
    packs = sorted(load_packs([(builtin_queries_dir(), "builtin")]).packs)
    lines = []
    try:
        with (
            fault_proxy(demo.prometheus) as prometheus,
            fault_proxy(demo.alertmanager) as alertmanager,
            fault_proxy(demo.loki) as loki,
        ):
            proxies = {"prometheus": prometheus, "alertmanager": alertmanager, "loki": loki}
            urls = {kind: proxy.url for kind, proxy in proxies.items()}
            for name in packs:
                f = asyncio.run(measure(name, urls, proxies))
                total = sum(f[f"steady_{k}"] for k in KINDS)
                print(
                    f"  {name:22} steady: {total:3.0f} requests (prometheus {f['steady_prometheus']:.0f}: "
                    f"{f['steady_asked']:.0f} asked -> {f['steady_sent']:.0f} sent; alertmanager "
                    f"{f['steady_alertmanager']:.0f}; loki {f['steady_loki']:.0f}) · first refresh "
                    f"{sum(f[f'first_{k}'] for k in KINDS):.0f}",
                    flush=True,
                )
                others = f["steady_alertmanager"] + f["steady_loki"]
                lines.append(f"{name}={f['steady_asked']:.0f}->{f['steady_sent']:.0f}+{others:.0f}")
    finally:
        stack.stop()
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    print(
        f"requests_per_refresh {datetime.now(UTC):%Y-%m-%d} steady state, prometheus asked->sent + others: "
        f"{' '.join(lines)}; machine: {machine}, {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
