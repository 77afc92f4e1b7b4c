"""Only opsconsole/ui/ may import textual; core/, packs/ and backends/ stay headless."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "opsconsole"
HEADLESS = ("core", "packs", "backends", "demo", "kube", "refresh", "mutations", "recording")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_ui_imports_textual() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "ui":
            continue
        bad = {n for n in _imports(path) if n == "textual" or n.startswith(("textual.", "textual_"))}
        if bad:
            offenders.append(f"{rel}: {sorted(bad)}")
    assert offenders == [], "textual imported outside opsconsole/ui/:\n" + "\n".join(offenders)


def test_core_does_not_import_io_layers() -> None:
    offenders = []
    for path in (PACKAGE / "core").rglob("*.py"):
        bad = {
            n
            for n in _imports(path)
            if n.split(".")[0] in {"httpx", "requests", "websockets", "prometheus_api_client"}
            # Nothing above core either: packs, refresh, mutations and the commands build on it.
            or n.startswith(
                (
                    "opsconsole.backends",
                    "opsconsole.ui",
                    "opsconsole.demo",
                    "opsconsole.packs",
                    "opsconsole.refresh",
                    "opsconsole.mutations",
                    "opsconsole.commands",
                    "opsconsole.launch",
                )
            )
        }
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert offenders == []


def test_headless_packages_load_without_textual() -> None:
    """Importing every headless module in a fresh interpreter must not pull textual in."""
    modules = []
    for sub in HEADLESS:
        for path in (PACKAGE / sub).rglob("*.py"):
            rel = path.relative_to(PACKAGE.parent).with_suffix("")
            modules.append(".".join(p for p in rel.parts if p != "__init__"))
    code = (
        "import importlib, sys\n"
        f"for m in {sorted(modules)!r}:\n"
        "    importlib.import_module(m)\n"
        "print(sorted(k for k in sys.modules if k == 'textual' or k.startswith('textual.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
