"""``opsconsole slo import FILE``: an OpenSLO v1 file as a pack's ``slos`` section."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from opsconsole.core.located_yaml import YamlSyntaxError
from opsconsole.packs.openslo import OpenSloError, import_openslo
from opsconsole.packs.schema import Slo


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``slo`` command."""
    parser = subparsers.add_parser("slo", help="SLO tools: import OpenSLO")
    sub = parser.add_subparsers(dest="slo_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="convert an OpenSLO v1 file into a pack's slos: section",
        description="Print (or write) the pack section for every SLO in an OpenSLO v1 YAML file. "
        "Problems are reported as file:line: field: message and nothing is written.",
    )
    imp.add_argument("file", type=Path, help="OpenSLO YAML (SLO and SLI documents)")
    imp.add_argument("-o", "--output", type=Path, metavar="PATH", help="write here instead of stdout")
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Convert, validate against the pack schema, then print or write."""
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"opsconsole: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        imported = import_openslo(text, str(path))
    except (OpenSloError, YamlSyntaxError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    section = {}
    for slo in imported:
        Slo.model_validate(slo.section)  # the importer only builds valid sections; keep it honest
        section[slo.name] = slo.section
    out = io.StringIO()
    out.write(f"# Imported from {path.name} by `opsconsole slo import`: paste under a pack's top level.\n")
    from ruamel.yaml import YAML  # imported here: the other commands need none of it

    yaml = YAML()
    yaml.width = 4096  # keep each query on one line
    yaml.dump({"slos": section}, out)
    if args.output:
        args.output.write_text(out.getvalue(), encoding="utf-8")
        print(f"wrote {len(section)} SLO(s) to {args.output}")
    else:
        sys.stdout.write(out.getvalue())
    return 0
