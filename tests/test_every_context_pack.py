"""``--pack`` means the same in every view of every context: ``opsconsole overview``, the console's
``:ctx *`` and the wallboard's contexts page each refresh every context on the pack given (and its
``--var``), else on each context's own. ``:ctx *`` and the contexts page used each context's own
pack whatever ``--pack`` said, while taking ``--var``: the same command line showed other rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.cli import build_parser, resolve_from_args
from opsconsole.commands._every_context import overview_service
from opsconsole.commands.console import console_setup
from opsconsole.core.wallboard_figures import PAGES
from opsconsole.launch import wallboard_options
from opsconsole.refresh.context_overview import ContextOverviewService
from opsconsole.refresh.session import load_pack_set

CONFIG = """\
current_context: prod
contexts:
  prod:
    prometheus: {url: "http://127.0.0.1:9"}
    pack: progressive-framework
  staging:
    prometheus: {url: "http://127.0.0.1:9"}
    pack: freeagentics
"""


@pytest.fixture
def two_contexts(isolated_home: Path) -> Path:
    config = isolated_home / ".config" / "opsconsole" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(CONFIG)
    return config


def _packs_of(overview: ContextOverviewService) -> dict[str, str]:
    return {c.name: overview.make_service(c).pack.metadata.name for c in overview.contexts}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--pack", "otel-http"], {"prod": "otel-http", "staging": "otel-http"}),
        ([], {"prod": "progressive-framework", "staging": "freeagentics"}),
    ],
    ids=["--pack", "each its own"],
)
def test_every_view_of_every_context_takes_the_same_pack(
    two_contexts: Path, flags: list[str], expected: dict[str, str]
) -> None:
    _, overview = overview_service(build_parser().parse_args(["overview", *flags]))
    assert _packs_of(overview) == expected

    console = console_setup(build_parser().parse_args(flags))
    assert console.make_overview is not None
    assert _packs_of(console.make_overview()) == expected, ":ctx *"

    args = build_parser().parse_args(["wallboard", *flags])
    args.read_only = True
    context = resolve_from_args(args)
    pack = flags[1] if flags else None
    board = wallboard_options(
        context, load_pack_set(context), pack=pack, variables={}, theme=None, pages=PAGES, rotate_seconds=30
    )
    assert board.make_overview is not None
    assert _packs_of(board.make_overview()) == expected, "the wallboard's contexts page"
