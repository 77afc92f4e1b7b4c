"""``opsconsole packs list | show NAME | validate PATH... | render NAME``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsconsole.config import ConfigError, load_config
from opsconsole.packs.loader import PackSet, load_packs
from opsconsole.packs.render import render_pack
from opsconsole.packs.search_path import pack_dirs
from opsconsole.shared_flags import add_shared

if TYPE_CHECKING:
    from collections.abc import Mapping

    from opsconsole.config import ResolvedContext
    from opsconsole.packs.rate_window import RateWindow
    from opsconsole.packs.schema import QueryPack
    from opsconsole.refresh.doctor_report import DoctorReport


def parse_vars(items: list[str]) -> dict[str, str]:
    """``k=v`` pairs from ``--var``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--var expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``packs`` command."""
    parser = subparsers.add_parser("packs", help="list, show, validate and render query packs")
    sub = parser.add_subparsers(dest="packs_command", metavar="ACTION", required=True)
    shared = argparse.ArgumentParser(add_help=False)
    add_shared(shared, "config")  # for packs_dir; the same --config as every command's
    shared.add_argument(
        "--pack", type=Path, action="append", default=[], metavar="PATH", help="extra pack file"
    )
    listing = sub.add_parser("list", parents=[shared], help="every pack on the search path and any errors")
    listing.set_defaults(func=run_list)
    show = sub.add_parser("show", parents=[shared], help="a pack's source file")
    show.add_argument("name")
    show.set_defaults(func=run_show)
    validate = sub.add_parser(
        "validate", parents=[shared], help="validate pack files (exit 1 on any error; for a team's CI)"
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    validate.set_defaults(func=run_validate)
    render = sub.add_parser(
        "render",
        parents=[shared],
        help="print every query of a pack as the console sends it ($rate_window from the context's "
        "Prometheus, or the value assumed and how to set it)",
    )
    render.add_argument("name")
    # The context's variables apply first, then --var; its Prometheus (or --prometheus) says the
    # scrape intervals $rate_window follows, as in the console.
    add_shared(render, "context", "prometheus", "var")
    render.set_defaults(func=run_render)
    doctor = sub.add_parser(
        "doctor",
        parents=[common],
        help="run a pack's queries against the live backends; for each that returns nothing, say why",
        description="Runs every query of the pack against the context's Prometheus (and its alert "
        "matchers and log selector against Alertmanager and Loki). For each query that returns "
        "nothing it says which metric, label or value is missing, what this Prometheus has "
        "instead, and the --var that fixes it. Exit 1 when a pane would be empty, or a matcher "
        "filters nothing because no series has its label.",
    )
    doctor.add_argument("--pack", metavar="NAME", help="pack to check (default: the context's)")
    doctor.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="override a pack variable"
    )
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.set_defaults(func=run_doctor)


def _load(
    args: argparse.Namespace, extra: list[Path] | None = None, overrides: dict[str, str] | None = None
) -> PackSet:
    config, _ = load_config(args.config)
    return load_packs(pack_dirs(config), [*args.pack, *(extra or [])], overrides)


def _report(result: PackSet) -> None:
    for notice in result.notices:
        print(f"note: {notice}", file=sys.stderr)
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    """List packs; exit 1 if any pack on the path is broken."""
    result = _load(args)
    for name, loaded in sorted(result.packs.items()):
        extends = f" (extends {loaded.pack.extends})" if loaded.pack.extends else ""
        print(f"{name:<24} {loaded.source.origin:<8} {loaded.source.path}{extends}")
        if loaded.pack.metadata.description:
            print(f"{'':<24} {loaded.pack.metadata.description}")
    _report(result)
    return 1 if result.errors else 0


def run_show(args: argparse.Namespace) -> int:
    """Print the pack's file."""
    result = _load(args)
    loaded = result.packs.get(args.name)
    if loaded is None:
        _report(result)
        print(
            f"no pack named {args.name!r} (known: {', '.join(sorted(result.packs)) or 'none'})",
            file=sys.stderr,
        )
        return 1
    print(f"# {loaded.source.path} ({loaded.source.origin})")
    print(loaded.source.path.read_text(encoding="utf-8"), end="")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    """Validate files (packs they extend are looked up on the search path)."""
    result = _load(args, extra=list(args.paths))
    wanted = {p.resolve() for p in args.paths}
    errors = [e for e in result.errors if Path(e.file).resolve() in wanted or not Path(e.file).exists()]
    ok = [p for p in result.packs.values() if p.source.path.resolve() in wanted]
    # A file whose pack a later one of the same name replaces was never validated: do it alone,
    # so that its errors are not lost and the exit code covers every file named.
    done = {p.source.path.resolve() for p in ok} | {Path(e.file).resolve() for e in errors}
    for path in args.paths:
        if path.exists() and path.resolve() not in done:
            alone = _load(args, extra=[path])
            errors += [e for e in alone.errors if Path(e.file).resolve() == path.resolve()]
            ok += [p for p in alone.packs.values() if p.source.path.resolve() == path.resolve()]
            done.add(path.resolve())
    for clash in result.clashes:
        # Which file wins the name, and how to keep both (the clash is the file's, whichever side).
        if any(clash.involves(path) for path in args.paths if path.exists()):
            print(f"note: {clash}", file=sys.stderr)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    for loaded in ok:
        print(f"ok: {loaded.source.path}: pack '{loaded.name}'")
    missing = [p for p in args.paths if not p.exists()]
    for path in missing:
        print(f"error: {path}: file not found", file=sys.stderr)
    return 1 if errors or missing or not ok else 0


def run_render(args: argparse.Namespace) -> int:
    """Print every expanded query with its id, ``$rate_window`` as the console would send it."""
    import asyncio

    from opsconsole.cli import resolve_from_args

    # The context in force, as for every command (--context > OPSCONSOLE_CONTEXT > current_context).
    context = resolve_from_args(args)
    overrides: dict[str, str] = dict(context.settings.variables)
    overrides.update(parse_vars(args.var))
    result = _load(args, overrides=overrides)
    loaded = result.packs.get(args.name)
    if loaded is None:
        _report(result)
        print(f"no valid pack named {args.name!r}", file=sys.stderr)
        return 1
    windows, basis = asyncio.run(console_windows(loaded.pack, overrides, context))
    rendered = render_pack(loaded.pack, overrides, windows)
    if any(query.notes and query.id in windows for query in rendered):
        print(f"# {basis}")
    for query in rendered:
        print(f"# {query.id} ({query.language})")
        for note in query.notes:
            print(f"# {note}")
        print(query.text)
    return 0


async def console_windows(
    pack: QueryPack, overrides: Mapping[str, str], context: ResolvedContext
) -> tuple[dict[str, RateWindow], str]:
    """Each PromQL query's ``$rate_window`` as the console derives it for a pane's figure, from
    the scrape intervals of the context's Prometheus (Prometheus' default 1m when there is none
    or it does not say), and a line on what they were derived from."""
    import time

    from opsconsole.core.durations import prometheus_duration
    from opsconsole.packs.render import ENTITY_PLACEHOLDERS, SLO_WINDOW_PLACEHOLDER, pack_queries
    from opsconsole.refresh.backends_set import BackendSet
    from opsconsole.refresh.queries import PackQueries
    from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache

    refresh = context.config.refresh_interval
    # A required variable nobody set stays `$name` in the text, as render_pack leaves it.
    unset = {name: f"${name}" for name, var in pack.variables.items() if var.default is None}
    texts = PackQueries(
        pack, {**unset, **overrides}, refresh_interval=refresh, scrape_intervals=ScrapeIntervalCache()
    )
    fixed = {"rate_window", "scrape_interval"} & set(overrides)
    if fixed:
        basis = f"$rate_window as set by --var or the context's variables ({', '.join(sorted(fixed))})"
    elif context.settings.prometheus is None:
        texts.assume_intervals(f"no Prometheus in context {context.name}")
        basis = (
            f"no Prometheus in context {context.name}: $rate_window is derived from Prometheus' default "
            "scrape interval (1m); --prometheus URL renders what the console sends there, "
            "--var scrape_interval=15s (or --var rate_window=1m) sets it"
        )
    else:
        url = context.settings.prometheus.url
        try:
            backends = BackendSet.for_context(context)
        except ConfigError as exc:
            texts.assume_intervals(f"{url}: {exc}")
        else:
            try:
                await texts.update_intervals_of(backends.prometheus, time.time())
            finally:
                await backends.aclose()
        problem = texts.intervals().problem
        if problem:
            basis = (
                f"{url} did not say its scrape intervals ({problem}): $rate_window is derived from "
                "Prometheus' default scrape interval (1m), as the console does for a server that "
                "does not say; --var scrape_interval=15s (or --var rate_window=1m) sets it"
            )
        else:
            basis = (
                f"$rate_window as the console sends it on {url} (context {context.name}) for a pane's "
                f"figure, at a {prometheus_duration(refresh)} refresh; a chart over a range uses its "
                "step instead"
            )
    windows = {}
    for query in pack_queries(pack):
        if query.language != "promql":
            continue
        extra = {"window": SLO_WINDOW_PLACEHOLDER} if "window" in query.runtime_variables else {}
        extra.update({k: v for k, v in ENTITY_PLACEHOLDERS.items() if k in query.runtime_variables})
        windows[query.id] = texts.rate_window(query.id, None, **extra)
    return windows, basis


def run_doctor(args: argparse.Namespace) -> int:
    """Diagnose the pack on the context's backends; exit 1 when a pane would be empty."""
    import asyncio
    import json
    import time
    from dataclasses import asdict

    from opsconsole.cli import resolve_from_args
    from opsconsole.refresh.backends_set import BackendSet
    from opsconsole.refresh.pack_doctor import diagnose
    from opsconsole.refresh.session import choose_pack, load_pack_set

    try:
        context = resolve_from_args(args)
        packs = load_pack_set(context)
        name = choose_pack(context, packs, args.pack)
        overrides = {**context.settings.variables, **parse_vars(args.var)}
    except ConfigError as exc:
        print(f"opsconsole packs doctor: {exc}", file=sys.stderr)
        return 2
    for clash in packs.clashes_of(name):
        # The pack diagnosed is the file that won the name: say which, and how to keep both.
        print(f"note: {clash}", file=sys.stderr)
    backends = BackendSet.for_context(context)
    prometheus = backends.prometheus
    if prometheus is None:
        print("opsconsole packs doctor: no Prometheus configured (--prometheus URL)", file=sys.stderr)
        return 2

    async def run() -> DoctorReport:
        assert prometheus is not None
        try:
            return await diagnose(
                packs.packs[name].pack,
                prometheus,
                overrides,
                alertmanagers=backends.alertmanagers,
                loki=backends.loki,
                now=time.time(),
                refresh_interval=context.config.refresh_interval,
            )
        finally:
            await backends.aclose()

    report = asyncio.run(run())
    if args.json:
        print(
            json.dumps(
                {**asdict(report), "empty_panes": report.empty_panes(), "fixes": report.fixes()}, indent=2
            )
        )
    else:
        print(doctor_text(report, prometheus.endpoint.url, context.name))
    return 1 if report.failed else 0


def doctor_text(report: DoctorReport, url: str, context: str) -> str:
    """The report for a terminal: per pane, each query's verdict and, when empty, why."""
    out = [f"pack {report.pack} on {url} (context {context})"]
    counts = report.pane_counts()
    for pane in ("health", "saturation", "red", "slo"):
        if pane not in counts:
            continue
        good, total = counts[pane]
        out.append("")
        out.append(f"{pane.upper()}: {good} of {total} queries return data")
        for check in (c for c in report.checks if c.pane == pane):
            if check.error:
                out.append(f"  ✖ {check.query_id}: {check.error}")
            elif check.has_data and check.names_no_row and check.pane == "health":
                out.append(f"  ✗ {check.query_id}: series, but none names a row")
            elif check.has_data:
                out.append(f"  ✓ {check.query_id}")
            elif report.answered(check):
                out.append(f"  ✓ {check.query_id}: no series (0 errors shown; fine if nothing failed yet)")
            else:
                out.append(f"  ✗ {check.query_id}: no data")
            for finding in check.findings:
                out.append(f"      {finding.problem}")
                if finding.fix:
                    out.append(f"      → {finding.fix}")
    out.append("")
    out.append("ALERTS: " + (report.alerts[0] if report.alerts else "no Alertmanager configured"))
    out += [f"  {line}" for line in report.alerts[1:]]
    out.append("")
    out.append("LOGS: " + (report.logs[0] if report.logs else "—"))
    out += [f"  {line}" for line in report.logs[1:]]
    fixes = [f for f in report.fixes() if f.startswith("--var")]
    empty = report.empty_panes()
    out.append("")
    if empty:
        out.append(f"panes that would be empty: {', '.join(empty)}")
    else:
        out.append("every pane has data")
    if report.unfiltered():
        out.append(
            "some queries select by a label no series has: they mix in what the pack means to leave out"
        )
    if report.merged_rows():
        out.append("some RED groups are split by a label no series carries: each shows one row of everything")
    if fixes:
        out.append(f"try: opsconsole --pack {report.pack} {' '.join(fixes)}")
    return "\n".join(out)
