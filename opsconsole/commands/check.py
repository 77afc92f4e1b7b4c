"""``opsconsole check``: is every configured backend reachable, which version, how fast, and why not."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import sys
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from opsconsole.backends.environment_proxy import UnusableProxy, proxy_for, shown
from opsconsole.backends.errors import BackendError
from opsconsole.backends.probe import BackendInfo
from opsconsole.config import BackendKind, ConfigError, EndpointSettings, ResolvedContext
from opsconsole.core.untrusted_text import excerpt

# kind -> (module, class), imported lazily: `check` stays fast and one broken client can't break the rest.
CLIENTS: dict[str, tuple[str, str]] = {
    "prometheus": ("opsconsole.backends.prometheus", "PrometheusClient"),
    "alertmanager": ("opsconsole.backends.alertmanager", "AlertmanagerClient"),
    "loki": ("opsconsole.backends.loki", "LokiClient"),
    "jaeger": ("opsconsole.backends.jaeger", "JaegerClient"),
}


class _Probeable(Protocol):
    async def probe(self) -> BackendInfo: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class CheckResult:
    """One line of the check report."""

    backend: str
    url: str
    ok: bool
    required: bool
    version: str | None
    latency_ms: float | None
    detail: str
    proxy: str | None = None  # the proxy the environment names for it, without credentials


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``check`` command."""
    parser = subparsers.add_parser(
        "check",
        parents=[common],
        help="check every configured backend: reachability, version, latency, diagnosis",
        description="Exit status is non-zero when a required backend fails (endpoints are required "
        "unless their config says `required: false`).",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def _client_for(kind: BackendKind, endpoint: EndpointSettings, read_only: bool) -> _Probeable:
    module_name, class_name = CLIENTS[kind]
    cls = getattr(importlib.import_module(module_name), class_name)
    client: _Probeable = cls(endpoint, read_only=read_only)
    return client


async def check_endpoint(kind: BackendKind, endpoint: EndpointSettings, read_only: bool) -> CheckResult:
    """Probe one endpoint; never raises. Says which proxy it went through: "connection refused"
    may be the proxy's answer."""
    try:
        proxy = proxy_for(endpoint.url)
    except UnusableProxy:
        proxy = None  # the probe says what is wrong with it
    result = await _probe(kind, endpoint, read_only)
    return replace(result, proxy=shown(proxy)) if proxy else result


async def _probe(kind: BackendKind, endpoint: EndpointSettings, read_only: bool) -> CheckResult:
    started = time.perf_counter()
    client: _Probeable | None = None
    try:
        client = _client_for(kind, endpoint, read_only)
        info = await asyncio.wait_for(client.probe(), timeout=endpoint.timeout * 2 + 1)
    except BackendError as exc:
        return CheckResult(kind, endpoint.url, False, endpoint.required, None, None, exc.message)
    except TimeoutError:
        detail = f"timeout: no answer within {endpoint.timeout:g}s"
        return CheckResult(kind, endpoint.url, False, endpoint.required, None, None, detail)
    except ConfigError as exc:
        return CheckResult(kind, endpoint.url, False, endpoint.required, None, None, f"config: {exc}")
    except Exception as exc:  # a bug must not hide the other backends' results
        detail = f"internal error: {type(exc).__name__}: {excerpt(str(exc), 200)}"
        return CheckResult(kind, endpoint.url, False, endpoint.required, None, None, detail)
    finally:
        if client is not None:
            # Closing must never mask the probe's result.
            with contextlib.suppress(Exception):
                await client.aclose()
    latency = (time.perf_counter() - started) * 1000
    version = excerpt(info.version, 60) if info.version else None
    return CheckResult(
        kind, endpoint.url, True, endpoint.required, version, latency, excerpt(info.summary, 200)
    )


async def check_context(resolved: ResolvedContext) -> list[CheckResult]:
    """Probe every endpoint of the context concurrently."""
    return list(
        await asyncio.gather(*(check_endpoint(k, e, resolved.read_only) for k, e in resolved.endpoints()))
    )


def _table(results: list[CheckResult]) -> str:
    rows = [("BACKEND", "URL", "STATUS", "VERSION", "LATENCY", "DETAIL")]
    for r in results:
        status = "ok" if r.ok else ("FAIL" if r.required else "fail (optional)")
        latency = f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "-"
        detail = f"{r.detail} (via proxy {r.proxy})" if r.proxy else r.detail
        rows.append((r.backend, r.url, status, r.version or "-", latency, detail))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5] for row in rows
    )


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when a required backend fails, 2 when nothing is configured."""
    from opsconsole.cli import resolve_from_args

    resolved = resolve_from_args(args)
    if not resolved.endpoints():
        print(
            "opsconsole check: no backends configured for context "
            f"'{resolved.name}'. Pass --prometheus URL / --alertmanager URL, set OPSCONSOLE_PROMETHEUS_URL, "
            "or add them to the config file (see `opsconsole config view`).",
            file=sys.stderr,
        )
        return 2
    results = asyncio.run(check_context(resolved))
    prometheus_ok = any(r.backend == "prometheus" and r.ok for r in results)
    summary = asyncio.run(pack_summary(resolved)) if prometheus_ok else None
    if args.json:
        report: dict[str, Any] = {"context": resolved.name, "results": [asdict(r) for r in results]}
        if summary is not None:
            report["pack"] = summary
        print(json.dumps(report, indent=2))
    else:
        print(f"context: {resolved.name}" + (" (read-only)" if resolved.read_only else ""))
        print(_table(results))
        if summary is not None:
            print(summary["line"])
    return 1 if any(r.required and not r.ok for r in results) else 0


async def pack_summary(resolved: ResolvedContext) -> dict[str, Any] | None:
    """One line on the context's pack: how many of its queries return data here (the full story
    is ``opsconsole packs doctor``). None when the pack cannot be loaded."""
    from opsconsole.refresh.backends_set import BackendSet
    from opsconsole.refresh.pack_doctor import diagnose
    from opsconsole.refresh.session import choose_pack, load_pack_set, wanted_pack

    try:
        packs = load_pack_set(resolved, only=wanted_pack(resolved))
        name = choose_pack(resolved, packs)
    except ConfigError:
        return None
    backends = BackendSet.for_context(resolved)
    if backends.prometheus is None:
        return None
    try:
        # The doctor's own checks, so both call the same pack failing (an alerts pane the
        # matchers leave empty, rows no series names); only the why of empty queries is left
        # to the doctor.
        report = await diagnose(
            packs.packs[name].pack,
            backends.prometheus,
            resolved.settings.variables,
            alertmanagers=backends.alertmanagers,
            loki=backends.loki,
            now=time.time(),
            explain=False,
            refresh_interval=resolved.config.refresh_interval,
        )
    finally:
        await backends.aclose()
    answered = sum(report.answered(c) for c in report.checks)
    problems = report.problems()
    line = f"pack {name}: {answered} of {len(report.checks)} queries return data"
    if problems:
        line += f"; failing: {', '.join(problems)}: run `opsconsole packs doctor` to see why"
    elif answered < len(report.checks):
        line += ": `opsconsole packs doctor` says why the others do not"
    return {
        "name": name,
        "queries": len(report.checks),
        "with_data": answered,
        "empty_panes": report.empty_panes(),
        "failed": report.failed,
        "problems": problems,
        "line": line,
    }
