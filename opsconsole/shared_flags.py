"""Flags that mean the same before or after the subcommand, defined once.

``opsconsole --read-only silence add …`` and ``opsconsole silence add … --read-only`` must do the
same thing. argparse cannot do that by itself: a subcommand's copy of a flag writes its default over
whatever the top level parsed (that is how ``--read-only`` before the subcommand used to be dropped).
So every shared flag is added twice from one definition: at the top level it stores into
``before__<dest>``, in a subcommand into ``<dest>``, both with no default (``argparse.SUPPRESS``), so
only what was actually typed is there. :func:`merge_positions` then puts one value into ``<dest>``:

- given in one position: that value;
- given in both with the same value: that value; with different values: an error (which one was
  meant cannot be guessed, and guessing wrong could mean the wrong cluster or a writable context);
- given before or after a subcommand that does not take it: an error naming the subcommand, in the
  same words in both positions (after it, argparse alone would say "unrecognized arguments"), never
  ignored; the same for a :class:`Mode` of a command that reads fewer of them (``snapshot --replay
  FILE`` asks no backend, so ``--prometheus`` there is refused naming ``snapshot --replay``);
- given nowhere: the flag's default.

Separate destinations (rather than merging two namespaces after the fact) keep "was it typed?"
exact: a value equal to the default is still seen as given.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BEFORE = "before__"
REFUSED = "refused__"
_SHARED_MARK = "opsconsole_shared_flag"
_REFUSED_MARK = "opsconsole_refused_flag"
_NOT_GIVEN = object()


@dataclass(frozen=True)
class SharedFlag:
    """One flag accepted before and after the subcommand."""

    option: str
    dest: str
    help: str
    metavar: str | None = None
    action: str = "store"  # store, append or store_true
    type: Callable[[str], Any] | None = None
    group: str = "backends"  # backends or view

    def default(self) -> Any:
        """The value when the flag is given nowhere."""
        return {"append": [], "store_true": False}.get(self.action)

    def same(self, before: Any, after: Any) -> bool:
        """Whether the two positions said the same thing (paths compared as files)."""
        if isinstance(before, Path) and isinstance(after, Path):
            return before.expanduser().resolve() == after.expanduser().resolve()
        return bool(before == after)

    def add_to(self, parser: argparse.ArgumentParser | Any, *, before: bool) -> argparse.Action:
        """Add this flag to ``parser`` (or an argument group) at one position."""
        kwargs: dict[str, Any] = {
            "dest": BEFORE + self.dest if before else self.dest,
            "default": argparse.SUPPRESS,
            "help": self.help,
            "action": self.action,
        }
        if self.metavar:
            kwargs["metavar"] = self.metavar
        if self.type is not None:
            kwargs["type"] = self.type
        action: argparse.Action = parser.add_argument(self.option, **kwargs)
        setattr(action, _SHARED_MARK, self.dest)
        return action


def symbol_set(text: str) -> str:
    """``--symbols``' value: ``auto``, ``unicode`` or ``ascii``; anything else is refused."""
    value = text.strip().lower()
    if value not in ("auto", "unicode", "ascii"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected auto, unicode or ascii")
    return value


SHARED_FLAGS: tuple[SharedFlag, ...] = (
    SharedFlag(
        "--config",
        "config",
        "config file (env OPSCONSOLE_CONFIG; default: XDG config dir)",
        "PATH",
        type=Path,
    ),
    SharedFlag("--context", "context", "context to use (env OPSCONSOLE_CONTEXT)", "NAME"),
    SharedFlag(
        "--prometheus", "prometheus", "Prometheus-compatible URL (env OPSCONSOLE_PROMETHEUS_URL)", "URL"
    ),
    SharedFlag(
        "--alertmanager",
        "alertmanager",
        "Alertmanager URL, repeatable for HA peers (env OPSCONSOLE_ALERTMANAGER_URL, comma-separated)",
        "URL",
        action="append",
    ),
    SharedFlag("--loki", "loki", "Loki URL (env OPSCONSOLE_LOKI_URL)", "URL"),
    SharedFlag("--jaeger", "jaeger", "Jaeger query URL (env OPSCONSOLE_JAEGER_URL)", "URL"),
    SharedFlag(
        "--read-only",
        "read_only",
        "refuse every mutating request (env OPSCONSOLE_READ_ONLY=1; a context's read_only: true)",
        action="store_true",
    ),
    SharedFlag("--pack", "pack", "query pack to show (default: the context's)", "NAME", group="view"),
    SharedFlag(
        "--var", "var", "override a pack variable, repeatable", "NAME=VALUE", action="append", group="view"
    ),
    SharedFlag("--theme", "theme", "dark, light, high-contrast, monochrome, or yours", "NAME", group="view"),
    SharedFlag(
        "--symbols",
        "symbols",
        "auto (by the locale), unicode or ascii marks (env OPSCONSOLE_SYMBOLS; config symbols:)",
        "SET",
        type=symbol_set,
        group="view",
    ),
)
BY_DEST = {flag.dest: flag for flag in SHARED_FLAGS}
BACKEND_DESTS = tuple(f.dest for f in SHARED_FLAGS if f.group == "backends")
GROUP_TITLE = "context and backends, before or after the command (flags > OPSCONSOLE_* env > config file)"


def add_shared(parser: argparse.ArgumentParser, *dests: str) -> None:
    """Give a subcommand these shared flags (their meaning and help come from :data:`SHARED_FLAGS`)."""
    for dest in dests:
        BY_DEST[dest].add_to(parser, before=False)


def backend_parent() -> argparse.ArgumentParser:
    """A parent parser with every backend flag, for ``parents=[…]`` of subcommands that talk to them."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group(GROUP_TITLE)
    for dest in BACKEND_DESTS:
        BY_DEST[dest].add_to(group, before=False)
    return common


def add_top_level(parser: argparse.ArgumentParser) -> None:
    """Every shared flag, accepted before the subcommand."""
    groups = {
        "backends": parser.add_argument_group(GROUP_TITLE),
        "view": parser.add_argument_group("what the console shows (before or after the command)"),
    }
    for flag in SHARED_FLAGS:
        flag.add_to(groups[flag.group], before=True)


@dataclass(frozen=True)
class Mode:
    """A way of running a command that reads fewer of its shared flags, chosen by one of the command's
    own arguments (``snapshot --replay FILE`` reads a recording and asks no backend). A shared flag the
    mode does not read is refused as one the command does not take, naming the mode."""

    dest: str  # the command's argument that chooses it: in force when given (not None, False or empty)
    shown: str  # how the refusal names it: ``--replay``
    accepts: frozenset[str]  # the shared flags it reads
    why: str = ""  # what the refusal adds: what it reads instead, or what to do

    def in_force(self, values: dict[str, Any]) -> bool:
        """Whether the parsed command line chose this mode."""
        return values.get(self.dest) not in (None, False, "", [])


def all_contexts_mode(*dests: str) -> Mode:
    """``--all-contexts``: every context of the config file, so neither ``--context`` nor a URL flag
    (one context's backends) means anything there; ``dests``: the shared flags it does read."""
    return Mode(
        "all_contexts", "--all-contexts", frozenset(dests), "it reads every context of the config file"
    )


def set_modes(parser: argparse.ArgumentParser, *modes: Mode) -> None:
    """Give a command its modes; the first one in force decides (in the order ``run`` tests them)."""
    parser.set_defaults(shared_modes=modes)


@dataclass(frozen=True)
class Leaf:
    """A runnable command (``silence add``) and the shared flags it takes."""

    path: str
    parser: argparse.ArgumentParser
    accepts: frozenset[str]
    # Option strings the command uses for a flag of its own (e.g. ``packs list --pack PATH``).
    own_options: dict[str, str] = field(default_factory=dict)


def _subparser_actions(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction[Any]]:
    return [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]


def leaves(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[Leaf]:
    """Every runnable command under ``parser``, depth first, in registration order."""
    subs = _subparser_actions(parser)
    if not subs:
        accepts = frozenset(
            getattr(a, _SHARED_MARK) for a in parser._actions if getattr(a, _SHARED_MARK, None) is not None
        )
        shared_options = {BY_DEST[d].option for d in accepts}
        own = {
            option: a.help or ""
            for a in parser._actions
            if getattr(a, _SHARED_MARK, None) is None and not getattr(a, _REFUSED_MARK, False)
            for option in a.option_strings
            if option in {f.option for f in SHARED_FLAGS} and option not in shared_options
        }
        yield Leaf(prefix.strip(), parser, accepts, own)
        return
    for action in subs:
        for name, child in action.choices.items():
            yield from leaves(child, f"{prefix} {name}")


def mark_leaves(parser: argparse.ArgumentParser) -> None:
    """Tell every command's namespace which command it is and which shared flags it takes."""
    for leaf in leaves(parser):
        leaf.parser.set_defaults(
            shared_command=leaf.path, shared_accepts=leaf.accepts, shared_own_options=leaf.own_options
        )
        _refuse_as_abbreviations(leaf)


def _refuse_as_abbreviations(leaf: Leaf) -> None:
    """argparse reads a word that begins one of a command's options as that option:
    ``overview --context prod`` would be ``--context-timeout prod`` ("invalid float value"), and
    ``overview --context 30`` a timeout, silently. A shared flag the command does not take, where
    it begins one of the command's options, is taken by a hidden option of its own name instead,
    which :func:`merge_positions` refuses in the usual words."""
    options = [o for a in leaf.parser._actions for o in a.option_strings]
    for flag in SHARED_FLAGS:
        if flag.dest in leaf.accepts or flag.option in options:
            continue
        if any(o.startswith(flag.option) for o in options):
            action = leaf.parser.add_argument(
                flag.option,
                dest=REFUSED + flag.dest,
                action="store_true" if flag.action == "store_true" else "store",
                default=argparse.SUPPRESS,
                help=argparse.SUPPRESS,
            )
            setattr(action, _REFUSED_MARK, True)


def merge_positions(
    args: argparse.Namespace,
    error: Callable[[str], Any],
    prog: str = "opsconsole",
    unrecognized: Sequence[str] = (),
) -> argparse.Namespace:
    """One value per shared flag (see the module docstring); ``error`` reports a conflict and exits.

    ``unrecognized``: the words the parser did not take; a shared flag among them came after a
    command that does not take it, and is refused as it would be before the command.
    """
    values = vars(args)
    accepts: frozenset[str] = values.pop("shared_accepts", frozenset())
    command: str = values.pop("shared_command", "")
    own: dict[str, str] = values.pop("shared_own_options", {})
    modes: tuple[Mode, ...] = values.pop("shared_modes", ())
    where = f"`{prog} {command}`" if command else f"`{prog}`"
    for word in unrecognized:
        after = _flag_named(word)
        if after is not None and after.dest not in accepts:
            error(f"{after.option} does not apply to {where}")
    for name in [n for n in values if n.startswith(REFUSED)]:
        values.pop(name)
        error(f"{BY_DEST[name.removeprefix(REFUSED)].option} does not apply to {where}")
    mode = next((m for m in modes if m.in_force(values)), None)
    for flag in SHARED_FLAGS:
        before = values.pop(BEFORE + flag.dest, _NOT_GIVEN)
        if flag.dest in accepts:
            after = values.get(flag.dest, _NOT_GIVEN)
            given = before is not _NOT_GIVEN or after is not _NOT_GIVEN
            if mode is not None and given and flag.dest not in mode.accepts:
                hint = f"; {mode.why}" if mode.why else ""
                error(f"{flag.option} does not apply to `{prog} {command} {mode.shown}`{hint}")
            if before is not _NOT_GIVEN and after is not _NOT_GIVEN and not flag.same(before, after):
                error(
                    f"{flag.option} was given before and after the command with different values "
                    f"({_shown(before)} and {_shown(after)}); give it once"
                )
            if after is _NOT_GIVEN:
                values[flag.dest] = flag.default() if before is _NOT_GIVEN else before
        else:
            if before is not _NOT_GIVEN:
                hint = ""
                if flag.option in own:
                    hint = f"; its own {flag.option} ({own[flag.option]}) goes after it"
                error(f"{flag.option} does not apply to {where}{hint}")
            values.setdefault(flag.dest, flag.default())
    return args


def _flag_named(word: str) -> SharedFlag | None:
    """The shared flag a command-line word names (``--symbols``, ``--symbols=ascii``, or an
    abbreviation of one flag only, as argparse reads them before the command)."""
    name = word.partition("=")[0]
    if not name.startswith("--"):
        return None
    named = [f for f in SHARED_FLAGS if f.option == name]
    named = named or [f for f in SHARED_FLAGS if f.option.startswith(name)]
    return named[0] if len(named) == 1 else None


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
