"""The cycle collector held off while a command starts.

Starting a command allocates a few hundred thousand objects that live as long as the process:
modules, classes, pydantic's schemas, the parsed packs. None of it is garbage, yet each of the
collector's passes meanwhile walks what was allocated since the last, and the full passes walk it
all: about a tenth of a ``snapshot``'s CPU (0.07 s of 0.7 s, see the README's benchmarks).

So the installed commands (:mod:`opsconsole.entry_points`) turn the collector off before they
import anything, and a timer turns it back on once, :data:`HOLD_SECONDS` later: it collects what
start-up left behind, then freezes the survivors (:func:`gc.freeze`) so later passes skip them.
A one-shot command usually ends before that and its few cycles go with the process; a console or
a wallboard is then running with the collector on, as any Python program.

Library callers of :func:`opsconsole.cli.main` (the tests among them) keep their own collector
as it is: only the entry points hold it.
"""

from __future__ import annotations

import gc
import threading

# Longer than a console's start on a busy machine (2 to 4 s), short enough that nothing piles up.
HOLD_SECONDS = 5.0

_lock = threading.Lock()
_held = False


def hold_during_start_up(seconds: float = HOLD_SECONDS) -> None:
    """Turn the cycle collector off now and back on (see :func:`resume`) after ``seconds``."""
    global _held
    with _lock:
        if _held or not gc.isenabled():
            return  # already held, or the embedding program runs without the collector
        _held = True
        gc.disable()
    timer = threading.Timer(seconds, resume)
    timer.daemon = True  # a one-shot command exits without waiting for it
    timer.name = "opsconsole-collector-resume"
    timer.start()


def resume() -> None:
    """Collect what start-up left, freeze the survivors and turn the collector on (once)."""
    global _held
    with _lock:
        if not _held:
            return
        _held = False
        gc.collect()
        gc.freeze()
        gc.enable()
