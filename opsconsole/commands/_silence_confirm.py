"""Asking before a silence that mutes too much, or several silences at once, is sent from the command
line: ``--force`` confirms, a terminal is asked to type the count, a script without ``--force`` is
refused (nobody is there to ask)."""

from __future__ import annotations

import sys
from typing import TextIO

from opsconsole.core.silence_blast_radius import BlastRadius


class BlastRadiusRefused(Exception):
    """Nothing was sent: the silence mutes too much and nobody confirmed it."""


def confirm_blast_radius(
    radius: BlastRadius, *, force: bool, stdin: TextIO | None = None, stderr: TextIO | None = None
) -> None:
    """Return when sending is confirmed; :class:`BlastRadiusRefused` when it is not.

    ``--force`` confirms. At a terminal, typing the number of alerts it mutes confirms. With no
    terminal (a script, a pipe) and no ``--force``, it is refused: nobody is there to ask.
    """
    if not radius.needs_confirmation:
        return
    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    why = "; ".join(radius.reasons())
    if force:
        print(f"opsconsole: --force: sending although {why}", file=stderr)
        return
    listing = f"It mutes {radius.count} of {radius.total} alerts: {radius.names()}."
    if stdin.isatty():
        print(f"opsconsole: careful: {why}.\n{listing}", file=stderr)
        print(f"Type {radius.count} to send it, anything else cancels: ", end="", file=stderr, flush=True)
        if stdin.readline().strip() == str(radius.count):
            return
        raise BlastRadiusRefused("not confirmed; nothing was sent")
    raise BlastRadiusRefused(
        f"refused, nothing was sent: {why}. {listing} Narrow the matchers, or pass --force to send it "
        "anyway (at a terminal you would be asked to type the count)"
    )


def confirm_bulk(
    what: str,
    count: int,
    muted: list[str],
    *,
    force: bool,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
) -> None:
    """Several silences changed at once: say what they mute now, and have the count typed (or --force)."""
    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    names = ", ".join(sorted(set(muted))) or "no alert"
    listing = f"{what} {count} silences, which mute {len(muted)} alerts now: {names}."
    if force:
        print(f"opsconsole: --force: {listing}", file=stderr)
        return
    if stdin.isatty():
        print(f"opsconsole: {listing}", file=stderr)
        print(f"Type {count} to go on, anything else cancels: ", end="", file=stderr, flush=True)
        if stdin.readline().strip() == str(count):
            return
        raise BlastRadiusRefused("not confirmed; nothing was sent")
    raise BlastRadiusRefused(f"refused, nothing was sent: {listing} Pass --force to do it without a terminal")
