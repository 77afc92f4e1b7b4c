"""Start real Prometheus and Alertmanager (Debian packages) on loopback for tests.

The binaries are installed by the test command (`python3 -m opsconsole.devenv test`);
a missing binary is a test failure with instructions, never a skip.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def require_binary(name: str) -> str:
    """Path of ``name`` or a failure that says how to get it."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(
            f"{name} is not installed: run the suite with `python3 -m opsconsole.devenv test`, "
            "which installs Debian's prometheus and prometheus-alertmanager packages"
        )
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
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
    """An Alertmanager plus an ``amtool`` bound to it."""

    def amtool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``amtool --alertmanager.url=<this> ARGS``."""
        cmd = [require_binary("amtool"), f"--alertmanager.url={self.url}", *args]
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
) -> RunningAlertmanager:
    """Start ``prometheus-alertmanager`` on a free loopback port; clustering off unless peers are given."""
    binary = require_binary("prometheus-alertmanager")
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
    server = RunningAlertmanager(f"http://127.0.0.1:{port}", port, data, process, log)
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
    port: int | None = None,
) -> RunningServer:
    """Start ``prometheus`` on a free loopback port (or ``port``); ``{rules}`` in ``config`` becomes
    the rules path."""
    binary = require_binary("prometheus")
    port = port or free_port()
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
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    server = RunningServer(f"http://127.0.0.1:{port}", port, data, process, log)
    try:
        wait_ready(f"{server.url}/-/ready", process, log)
    except Exception:
        server.stop()
        raise
    return server


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
