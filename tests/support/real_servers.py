"""Start real Prometheus and Alertmanager on loopback for tests, in each release the suite knows.

Two releases: Debian 12's packages (Prometheus 2.42, Alertmanager 0.25) and the current ones built
from the Go module proxy (``opsconsole/server_builds.py``). The test command
(`python3 -m opsconsole.devenv test`) installs the first and builds the second; a missing binary is a
test failure with instructions, never a skip.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import httpx

from opsconsole import server_builds
from tests.support.http_client import http_client

_Server = TypeVar("_Server")

Role = Literal["prometheus", "promtool", "alertmanager", "amtool"]


def require_binary(name: str) -> str:
    """Path of ``name`` or a failure that says how to get it."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(
            f"{name} is not installed: run the suite with `python3 -m opsconsole.devenv test`, "
            "which installs Debian's prometheus and prometheus-alertmanager packages"
        )
    return path


@functools.cache
def _reported_version(binary: str) -> str:
    """What ``binary --version`` says its version is (``2.42.0`` from ``version 2.42.0+ds``)."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "missing"
    match = re.search(r"version (\d+\.\d+\.\d+)", out.stdout + out.stderr)
    return match[1] if match else "unknown"


@dataclass(frozen=True)
class ServerRelease:
    """A Prometheus and an Alertmanager the suite runs together, and where their binaries come from."""

    name: str
    built: bool  # True: built into the test-server cache; False: Debian's packages on PATH

    def binary(self, role: Role) -> str:
        """Path of the ``role`` binary, or a failure that says how to get it."""
        if self.built:
            prometheus = role in ("prometheus", "promtool")
            server = server_builds.PROMETHEUS if prometheus else server_builds.ALERTMANAGER
            try:
                return str(server_builds.binary_path(server, role))
            except server_builds.BuildError as exc:
                raise RuntimeError(str(exc)) from None
        return require_binary("prometheus-alertmanager" if role == "alertmanager" else role)

    def version(self, role: Literal["prometheus", "alertmanager"]) -> str:
        """The version the server reports (Debian's packaging suffix dropped)."""
        if self.built:
            return (server_builds.PROMETHEUS if role == "prometheus" else server_builds.ALERTMANAGER).version
        path = shutil.which("prometheus-alertmanager" if role == "alertmanager" else role)
        return _reported_version(path) if path else "missing"

    @property
    def test_id(self) -> str:
        """How tests that run against this release are told apart: ``prom3.16.0-am0.35.0``."""
        return f"prom{self.version('prometheus')}-am{self.version('alertmanager')}"


DEBIAN = ServerRelease("debian", built=False)
CURRENT = ServerRelease("current", built=True)
RELEASES = (DEBIAN, CURRENT)
# Tests that do not ask for every release (pytest.mark.every_release) run against the one users run today.
DEFAULT_RELEASE = CURRENT


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PortTaken(RuntimeError):
    """The server exited because its port was taken: by another test process, between
    :func:`free_port` finding it free and the server binding it."""


PORT_ATTEMPTS = 3


def on_free_ports(start: Callable[[], _Server], *, chosen: bool = False) -> _Server:
    """``start()``, again (on ports picked anew) when the server found one taken; not when the
    caller chose the port, which is then simply taken."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        try:
            return start()
        except PortTaken:
            if chosen or attempt == PORT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def wait_ready(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    timeout: float = 30.0,
    client: httpx.Client | None = None,
) -> None:
    """Poll ``url`` until it answers 200 (through ``client``, e.g. one trusting a test CA); fail
    with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    # The process's one client (see http_client): httpx.get at each poll, ten a second, made a
    # client and its SSL context every time and cost most of a core while the server started.
    client = client or http_client()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            told = log.read_text(errors="replace")[-3000:]
            failure = PortTaken if "address already in use" in told.lower() else RuntimeError
            raise failure(f"server exited with {process.returncode}:\n{told}")
        with contextlib.suppress(httpx.HTTPError):
            if client.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class RunningServer:
    """A server process on loopback."""

    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, object] = field(default_factory=dict)
    version: str = ""  # as the server reports it

    def stop(self) -> None:
        """Terminate, then kill if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class RunningAlertmanager(RunningServer):
    """An Alertmanager plus an ``amtool`` (of the same release) bound to it."""

    amtool_binary: str = ""

    def amtool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``amtool --alertmanager.url=<this> ARGS``."""
        cmd = [self.amtool_binary or require_binary("amtool"), f"--alertmanager.url={self.url}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=30)


ALERTMANAGER_CONFIG = """\
route:
  receiver: nowhere
  group_by: [alertname, severity]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: nowhere
    webhook_configs:
      - url: http://127.0.0.1:9/nowhere
        send_resolved: false
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [inhibit_group]
"""


def start_alertmanager(
    tmp: Path,
    config: str = ALERTMANAGER_CONFIG,
    *,
    cluster_peers: Sequence[str] = (),
    cluster_port: int | None = None,
    release: ServerRelease = DEFAULT_RELEASE,
) -> RunningAlertmanager:
    """Start ``release``'s Alertmanager on a free loopback port; clustering off unless peers are given."""
    return on_free_ports(
        lambda: _start_alertmanager(tmp, config, cluster_peers, cluster_port, release),
        chosen=cluster_port is not None,
    )


def _start_alertmanager(
    tmp: Path, config: str, cluster_peers: Sequence[str], cluster_port: int | None, release: ServerRelease
) -> RunningAlertmanager:
    binary = release.binary("alertmanager")
    amtool = release.binary("amtool")
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "alertmanager.yml").write_text(config)
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    log = tmp / "alertmanager.log"
    args = [
        binary,
        f"--config.file={tmp / 'alertmanager.yml'}",
        f"--storage.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    if cluster_port is None and not cluster_peers:
        args.append("--cluster.listen-address=")
    else:
        args.append(f"--cluster.listen-address=127.0.0.1:{cluster_port or free_port()}")
        args += [f"--cluster.peer={p}" for p in cluster_peers]
        args += [
            "--cluster.settle-timeout=2s",
            "--cluster.pushpull-interval=2s",
            "--cluster.gossip-interval=50ms",
        ]
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    server = RunningAlertmanager(
        f"http://127.0.0.1:{port}",
        port,
        data,
        process,
        log,
        version=release.version("alertmanager"),
        amtool_binary=amtool,
    )
    try:
        wait_ready(f"{server.url}/-/ready", process, log)
    except Exception:
        server.stop()
        raise
    return server


TEST_RULES = """\
groups:
  - name: opsconsole-tests
    interval: 1s
    rules:
      - alert: OpsconsoleTestAlwaysFiring
        expr: vector(1)
        labels:
          severity: warning
          team: opsconsole
        annotations:
          summary: Always firing, for tests
          runbook_url: https://runbooks.example/always-firing
      - alert: OpsconsoleTestTargetDown
        expr: up{job="test-target"} == 0
        labels:
          severity: critical
      - record: job:opsconsole_test_requests:rate1m
        expr: sum by (job) (rate(opsconsole_test_requests_total[1m]))
"""


def prometheus_config(
    scrape_targets: Sequence[str], alertmanager_url: str | None, rules_file: Path | None
) -> str:
    """A minimal prometheus.yml: 1s scrape/eval, our rules, our Alertmanager."""
    lines = ["global:", "  scrape_interval: 1s", "  evaluation_interval: 1s"]
    if rules_file is not None:
        lines += ["rule_files:", f"  - {rules_file}"]
    if alertmanager_url is not None:
        host = alertmanager_url.removeprefix("http://")
        lines += ["alerting:", "  alertmanagers:", "    - static_configs:", f"        - targets: ['{host}']"]
    lines += ["scrape_configs:", "  - job_name: test-target", "    static_configs:"]
    lines += [f"      - targets: ['{t}']" for t in scrape_targets] or ["      - targets: []"]
    return "\n".join(lines) + "\n"


def start_prometheus(
    tmp: Path,
    config: str,
    *,
    rules: str | None = None,
    extra_args: Sequence[str] = (),
    storage: Path | None = None,
    release: ServerRelease = DEFAULT_RELEASE,
    port: int | None = None,
    web_config: str | None = None,
    ready_client: httpx.Client | None = None,
) -> RunningServer:
    """Start ``release``'s Prometheus on a free loopback port (or ``port``); ``{rules}`` in ``config``
    becomes the rules path. ``web_config`` (its ``--web.config.file``) with ``tls_server_config``
    makes it serve https, polled until ready through ``ready_client``."""
    chosen = port
    return on_free_ports(
        lambda: _start_prometheus(
            tmp, config, rules, extra_args, storage, release, chosen or free_port(), web_config, ready_client
        ),
        chosen=chosen is not None,
    )


def _start_prometheus(
    tmp: Path,
    config: str,
    rules: str | None,
    extra_args: Sequence[str],
    storage: Path | None,
    release: ServerRelease,
    port: int,
    web_config: str | None,
    ready_client: httpx.Client | None,
) -> RunningServer:
    binary = release.binary("prometheus")
    tmp.mkdir(parents=True, exist_ok=True)
    rules_path = tmp / "rules.yml"
    if rules is not None:
        rules_path.write_text(rules)
    (tmp / "prometheus.yml").write_text(config.replace("{rules}", str(rules_path)))
    data = storage or (tmp / "data")
    data.mkdir(parents=True, exist_ok=True)
    log = tmp / "prometheus.log"
    args = [
        binary,
        f"--config.file={tmp / 'prometheus.yml'}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
        # Resend firing alerts every second: the first send can happen before the notifier has
        # discovered Alertmanager, and the default 1m resend would stall the tests.
        "--rules.alert.resend-delay=1s",
        *extra_args,
    ]
    scheme = "http"
    if web_config is not None:
        (tmp / "web.yml").write_text(web_config)
        args.append(f"--web.config.file={tmp / 'web.yml'}")
        scheme = "https" if "tls_server_config" in web_config else "http"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    server = RunningServer(
        f"{scheme}://127.0.0.1:{port}", port, data, process, log, version=release.version("prometheus")
    )
    try:
        wait_ready(f"{server.url}/-/ready", process, log, client=ready_client)
    except Exception:
        server.stop()
        raise
    return server


def start_self_watching_stack(tmp: Path) -> tuple[RunningServer, RunningServer]:
    """Alertmanager and a Prometheus that scrapes it and itself, with the test rules (the stack the
    benchmarks watch). Prometheus' own port is known only once it runs, hence a file_sd job whose
    file is written then. Returns (prometheus, alertmanager); the caller stops both."""
    import json

    alertmanager = start_alertmanager(tmp / "alertmanager")
    targets = tmp / "prometheus-self.json"
    targets.write_text("[]")
    config = prometheus_config([alertmanager.url.removeprefix("http://")], alertmanager.url, Path("{rules}"))
    config += f"  - job_name: prometheus\n    file_sd_configs:\n      - files: ['{targets}']\n"
    config += "        refresh_interval: 1s\n"
    try:
        prometheus = start_prometheus(tmp / "prometheus", config, rules=TEST_RULES)
    except BaseException:
        alertmanager.stop()
        raise
    targets.write_text(json.dumps([{"targets": [prometheus.url.removeprefix("http://")]}]))
    return prometheus, alertmanager


@contextlib.contextmanager
def running(server: RunningServer) -> Iterator[RunningServer]:
    """Stop ``server`` when the block ends."""
    try:
        yield server
    finally:
        server.stop()


def wait_until(
    predicate: object, timeout: float = 20.0, interval: float = 0.25, what: str = "condition"
) -> None:
    """Poll ``predicate()`` until truthy."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:  # keep polling through transient errors, report the last one
            last = exc
        if last and not isinstance(last, Exception):
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def wait_for_answer_3s_ago(prometheus_url: str, query: str) -> None:
    """Wait until ``query`` has data 3 s in the past: two scrapes of a target scraped every second,
    so every sample up to then is in and an instant query there is final."""

    def answered() -> bool:
        params = {"query": query, "time": f"{time.time() - 3:.3f}"}
        body = http_client().get(f"{prometheus_url}/api/v1/query", params=params).json()
        return bool(body["data"]["result"])

    wait_until(answered, timeout=30, what="two scrapes of the test target, 3 s ago")
