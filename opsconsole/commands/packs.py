"""``opsconsole packs list | show NAME | validate PATH... | render NAME``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from opsconsole.config import ConfigError, Overrides, load_config, resolve_context
from opsconsole.packs.loader import PackSet, load_packs
from opsconsole.packs.render import render_pack
from opsconsole.packs.search_path import pack_dirs
from opsconsole.shared_flags import add_shared


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
        "render", parents=[shared], help="print every query of a pack, variables expanded"
    )
    render.add_argument("name")
    add_shared(render, "context", "var")  # the context's variables apply first, then --var
    render.set_defaults(func=run_render)


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
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    ok = [p for p in result.packs.values() if p.source.path.resolve() in wanted]
    for loaded in ok:
        print(f"ok: {loaded.source.path}: pack '{loaded.name}'")
    missing = [p for p in args.paths if not p.exists()]
    for path in missing:
        print(f"error: {path}: file not found", file=sys.stderr)
    return 1 if errors or missing or not ok else 0


def run_render(args: argparse.Namespace) -> int:
    """Print every expanded query with its id."""
    config, path = load_config(args.config)
    # The context in force, as for every command (--context > OPSCONSOLE_CONTEXT > current_context).
    context = resolve_context(config, Overrides(context=args.context), config_path=path)
    overrides: dict[str, str] = dict(context.settings.variables)
    overrides.update(parse_vars(args.var))
    result = _load(args, overrides=overrides)
    loaded = result.packs.get(args.name)
    if loaded is None:
        _report(result)
        print(f"no valid pack named {args.name!r}", file=sys.stderr)
        return 1
    for query in render_pack(loaded.pack, overrides):
        print(f"# {query.id} ({query.language})")
        print(query.text)
    return 0
