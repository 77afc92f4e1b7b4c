"""A command line that names a command is parsed with that command's module alone: the same
namespace, the same errors and the same help as with every command registered.

Importing every command module at start was a good part of a one-shot command's cost
(benchmarks/snapshot_vs_curl.py); these tests hold the lazily built parser to the full one on
every command, with the shared flags before, after and in both places, and on the command lines
that need the full parser (help, the version, unknown commands, top-level errors).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from typing import Any

import pytest

from opsconsole.cli import build_parser, command_modules, command_named
from opsconsole.shared_flags import SHARED_FLAGS, leaves

from .test_cli_flags import OTHER, _required, _words

FULL = build_parser()
LEAVES = list(leaves(FULL))


def _outcome(argv: list[str], *, lazy: bool) -> tuple[Any, ...]:
    """What parsing ``argv`` gives: the namespace (the command as its function's name), or the
    exit code and what was printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parser = build_parser(argv=argv) if lazy else FULL
            args = vars(parser.parse_args(argv))
        except SystemExit as exited:
            return ("exit", exited.code, out.getvalue(), err.getvalue())
    func = args.pop("func", None)
    return ("parsed", getattr(func, "__module__", None), getattr(func, "__qualname__", None), args)


def _command_lines() -> list[list[str]]:
    lines: list[list[str]] = [[], ["--help"], ["-h"], ["--version"], ["no-such-command"]]
    lines += [["--prometheus"], ["--read-only"], ["--context", "snapshot"], ["--json", "snapshot"]]
    for leaf in LEAVES:
        words = _required(leaf)
        lines += [words, [*words, "--help"], [*words, "--no-such-flag"]]
        # What follows the command is that command's alone; what comes before it is read by
        # both parsers, and decides which command it is.
        lines += [[*_words(flag), *words] for flag in SHARED_FLAGS]
        if leaf.path in ("snapshot", "silence add"):
            lines += [[*_words(flag), *words, *_words(flag, OTHER)] for flag in SHARED_FLAGS]
    # A flag's value that is a command's name is still a value (here a context named "snapshot").
    lines += [["--context", "silence", "snapshot", "--json"], ["--pack", "check", "console"]]
    return lines


@pytest.mark.parametrize("argv", _command_lines(), ids=lambda argv: " ".join(argv) or "(none)")
def test_the_parser_of_one_command_reads_a_command_line_as_the_full_parser_does(argv: list[str]) -> None:
    assert _outcome(argv, lazy=True) == _outcome(argv, lazy=False)


def test_a_command_line_that_names_a_command_is_read_with_that_command_alone() -> None:
    assert command_named(["snapshot", "--json"]) == "snapshot"
    assert command_named(["--prometheus", "http://p:9090", "--read-only", "silence", "list"]) == "silence"
    assert command_named(["--context", "snapshot", "check"]) == "check"  # a value, then the command
    assert command_named(["--prometheus", "http://p:9090"]) == "console"  # no command runs the console
    for argv in (["--help"], ["--version"], ["bogus"], ["--prometheus"], ["--json", "snapshot"]):
        assert command_named(argv) is None, argv  # these need every command registered
    parser = build_parser(argv=["snapshot", "--json"])
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    assert list(commands.choices) == ["snapshot"]  # type: ignore[attr-defined]
    assert len(command_modules()) > 5  # the full parser has them all (else this proves nothing)


def test_every_command_is_read_with_the_module_that_registers_it_alone() -> None:
    """``ack`` lives in silence.py: its command line gets that module, not the full parser."""
    for leaf in LEAVES:
        words = _required(leaf)
        module = command_named(words)
        assert module is not None, words
        parser = build_parser(argv=words)
        (commands,) = [a for a in parser._actions if a.dest == "command"]
        assert words[0] in commands.choices, words  # type: ignore[attr-defined]
        assert len(commands.choices) <= 2, (words, list(commands.choices))  # type: ignore[attr-defined]
    assert command_named(["ack", "abc123", "--duration", "1h"]) == "silence"


def test_a_one_shot_command_imports_no_other_command_module() -> None:
    """``snapshot --help`` parses with its own module alone."""
    code = (
        "import sys\n"
        "from opsconsole.cli import main\n"
        "try:\n"
        "    main(['snapshot', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('opsconsole.commands.'))), "
        "file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "usage: opsconsole snapshot" in done.stdout
    assert done.stderr.split() == ["opsconsole.commands.snapshot"]
