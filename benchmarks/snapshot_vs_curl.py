"""``opsconsole snapshot --json`` against a shell script that fetches the same queries with curl.

    python benchmarks/snapshot_vs_curl.py [--runs 7] [--pack progressive-framework]

Starts Prometheus and Alertmanager on loopback (the test fixtures' launcher: the builds in
``$OPSCONSOLE_TEST_SERVERS_DIR``, temporary data directories), Prometheus scraping itself and
firing one alert to Alertmanager. One snapshot runs through a small recording proxy in front of
Prometheus; the benchmark writes a shell script that sends the very requests it saw with curl,
8 at a time (``xargs -P 8``), and asks Alertmanager for its alerts with amtool at the same time.
Then it times both, interleaved, ``--runs`` times each: wall clock and CPU (user + system of the
process and its children). Prints the medians, the ratio and the machine's load.

``--floors`` also times, in the same interleaved loop, what any Python snapshot on this stack pays
before its first request: the interpreter alone (``python -c pass``), ``import httpx`` alone, and
the libraries a snapshot cannot do without (asyncio, httpx, pydantic with one model class,
requests, PyYAML, promql-parser, platformdirs), imported in one process, and the same without
requests. Those two leave out httpx's command-line client, as opsconsole does (until 2026-12-01
they imported it: rich, click and pygments, some 60 ms that no snapshot pays).
"""

from __future__ import annotations

import argparse
import http.server
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from startup_figures import machine  # next to this script, on the path when run as one

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.real_servers import (  # noqa: E402 - the repository's own launcher, after the path is set
    CURRENT,
    start_self_watching_stack,
    wait_until,
)

PARALLEL = 8
# What a Python snapshot on this stack pays before its first request (see --floors). httpx imports
# its own command-line client (rich, click, pygments) when those are installed, as they are beside
# Textual; opsconsole puts a stand-in in its place, and so do the floors but "import httpx" alone.
_NO_HTTPX_CLI = "import sys, types\nsys.modules['httpx._main'] = types.ModuleType('httpx._main')\n"
FLOORS = {
    "python -c pass": "pass",
    "import httpx": "import httpx",
    "the libraries": (
        _NO_HTTPX_CLI + "import asyncio, httpx, requests, yaml, promql_parser, platformdirs\n"
        "from pydantic import BaseModel\n"
        "class Floor(BaseModel):\n    x: int\n"
    ),
    # The difference is what requests (prometheus-api-client's HTTP library) adds beside httpx.
    "the libraries but requests": (
        _NO_HTTPX_CLI + "import asyncio, httpx, yaml, promql_parser, platformdirs\n"
        "from pydantic import BaseModel\n"
        "class Floor(BaseModel):\n    x: int\n"
    ),
}


def recording_proxy(upstream: str, seen: list[tuple[str, str, bytes]]) -> http.server.ThreadingHTTPServer:
    """A loopback HTTP proxy to ``upstream`` that appends (method, path?query, body) of each request."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.command, self.path, body))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "accept-encoding")}
            response = httpx.request(
                self.command, upstream + self.path, content=body, headers=headers, timeout=30
            )
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in (
                    "transfer-encoding",
                    "connection",
                    "content-length",
                    "content-encoding",
                ):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            return

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def curl_script(
    requests: list[tuple[str, str, bytes]], prometheus: str, alertmanager: str, amtool: str
) -> str:
    """A POSIX shell script: every recorded request with curl, ``PARALLEL`` at a time, and amtool's alerts."""
    lines = []
    for method, path, body in requests:
        words = ["-sS", "-o", "/dev/null", "-X", method]
        if body:
            words += ["--data-binary", body.decode()]
        lines.append(" ".join(shlex.quote(w) for w in [*words, prometheus + path]))
    requests_file = "\n".join(lines) + "\n"
    return (
        "#!/bin/sh\nset -e\n"
        f"amtool alert query --alertmanager.url={shlex.quote(alertmanager)} -o json >/dev/null &\n"
        f"xargs -P {PARALLEL} -L 1 curl <<'EOF'\n{requests_file}EOF\n"
        "wait\n"
    ).replace("amtool", shlex.quote(amtool), 1)


def timed(
    command: list[str], env: dict[str, str], ok: tuple[int, ...], cwd: Path | None = None
) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the command and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        sys.exit(f"{command[:3]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pack", default="progressive-framework")
    parser.add_argument("--show-requests", action="store_true", help="print what the snapshot sent")
    parser.add_argument(
        "--floors", action="store_true", help="also time the interpreter and the libraries alone (see above)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="also time the snapshot of another checkout (e.g. `git archive main | tar -x -C DIR`), "
        "interleaved with this one's, so both see the same machine",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opsconsole-bench-") as tmp_name:
        tmp = Path(tmp_name)
        prometheus, alertmanager = start_self_watching_stack(tmp)
        seen: list[tuple[str, str, bytes]] = []
        proxy = recording_proxy(prometheus.url, seen)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:

            def alert_arrived() -> bool:
                alerts = httpx.get(f"{alertmanager.url}/api/v2/alerts").json()
                return any(a["labels"].get("alertname") == "OpsconsoleTestAlwaysFiring" for a in alerts)

            wait_until(alert_arrived, timeout=60, what="the alert in Alertmanager")
            # A pip-installed opsconsole has its bytecode compiled; a checkout gets it on the warm-up run.
            env = {
                **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                "XDG_CONFIG_HOME": str(tmp / "config"),
                "XDG_CACHE_HOME": str(tmp / "cache"),
                "XDG_STATE_HOME": str(tmp / "state"),
            }

            def snapshot(prometheus_url: str) -> list[str]:
                return [
                    sys.executable, "-m", "opsconsole", "snapshot", "--json", "--pack", args.pack,
                    "--prometheus", prometheus_url, "--alertmanager", alertmanager.url,
                ]  # fmt: skip

            # The snapshot's exit code is 3 when a pane's queries all came back empty: the
            # pack watches a system these servers are not, and the requests are the same.
            ok = (0, 1, 3)
            proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
            timed(snapshot(proxy_url), env, ok)
            proxy.shutdown()
            if args.show_requests:
                print("\n".join(f"{method} {path} {body.decode()}" for method, path, body in seen))
            script = tmp / "curl_amtool.sh"
            script.write_text(curl_script(seen, prometheus.url, alertmanager.url, CURRENT.binary("amtool")))
            shell = ["sh", str(script)]
            timed(shell, env, (0,))  # warm both once: the first run pays for the disk cache
            timed(snapshot(prometheus.url), env, ok)
            baseline_env = {**env, "PYTHONPATH": str(args.baseline)} if args.baseline else env
            if args.baseline:
                timed(snapshot(prometheus.url), baseline_env, ok, cwd=args.baseline)
            ours, theirs, base = [], [], []
            floors: dict[str, list[tuple[float, float]]] = {name: [] for name in FLOORS if args.floors}
            for _ in range(args.runs):
                ours.append(timed(snapshot(prometheus.url), env, ok))
                theirs.append(timed(shell, env, (0,)))
                if args.baseline:
                    base.append(timed(snapshot(prometheus.url), baseline_env, ok, cwd=args.baseline))
                for name, times in floors.items():
                    times.append(timed([sys.executable, "-c", FLOORS[name]], env, (0,)))
        finally:
            prometheus.stop()
            alertmanager.stop()
    wall = statistics.median(w for w, _ in ours)
    cpu = statistics.median(c for _, c in ours)
    shell_wall = statistics.median(w for w, _ in theirs)
    shell_cpu = statistics.median(c for _, c in theirs)
    print(
        f"snapshot_vs_curl runs={args.runs} pack={args.pack} requests={len(seen)} "
        f"snapshot_wall_median={wall:.3f}s cpu={cpu:.3f}s "
        f"(min {min(w for w, _ in ours):.3f}s, max {max(w for w, _ in ours):.3f}s) "
        f"curl+amtool_wall_median={shell_wall:.3f}s cpu={shell_cpu:.3f}s "
        f"ratio={wall / shell_wall:.1f}x load={os.getloadavg()[0]:.2f} machine: {machine()}"
    )
    if base:
        base_wall = statistics.median(w for w, _ in base)
        print(
            f"  baseline {args.baseline}: snapshot_wall_median={base_wall:.3f}s "
            f"cpu={statistics.median(c for _, c in base):.3f}s ratio={base_wall / shell_wall:.1f}x"
        )
        # Each pair ran back to back: their difference moves less with the machine's load than
        # either median does.
        saved = [b_cpu - cpu for (_, cpu), (_, b_cpu) in zip(ours, base, strict=True)]
        print(
            f"  baseline CPU beyond this version, run by run: median={statistics.median(saved):.3f}s "
            f"(min {min(saved):.3f}s, max {max(saved):.3f}s)"
        )
    for name, times in floors.items():
        print(
            f"  floor, {name}: wall_median={statistics.median(w for w, _ in times):.3f}s "
            f"cpu={statistics.median(c for _, c in times):.3f}s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
