"""The cycle collector around a command's start-up.

Starting a command allocates a few hundred thousand objects that live as long as the process:
modules, classes, pydantic's schemas, the parsed packs, the widgets and the first board. None of
it is garbage, yet each of the collector's passes walks what was allocated since the last, and
the full passes walk it all. During start-up that was about a tenth of a ``snapshot``'s CPU (0.07
s of 0.7 s, see docs/performance.md); in a console running for days, full passes of 100 to
200 ms, a visible stall every second or two while a busy log tail churns memory.

So:

* the installed commands (:mod:`opsconsole.entry_points`) turn the collector off before they
  import anything (:func:`hold_during_start_up`); a one-shot command usually ends with it off,
  its few cycles going with the process;
* start-up is over (:func:`settle`) when a console or wallboard has shown its first board, or at
  the latest :data:`HOLD_SECONDS` after the hold: one collection of what start-up left, then the
  survivors are frozen (:func:`gc.freeze`) so later passes skip them, and the collector is on again.

The price of freezing: anything alive then that later dies inside a reference cycle (the first
context's clients after a context switch) is never reclaimed; a one-off cost, bounded by what
existed at start-up. Library callers of :func:`opsconsole.cli.main` (the tests among them) keep
their own collector on: only the entry points hold it, and only the first app of a process settles.
"""

from __future__ import annotations

import gc
import threading

# Longer than a console's start on a busy machine (2 to 4 s), short enough that nothing piles up.
HOLD_SECONDS = 5.0

_lock = threading.Lock()
_held = False
_settled = False


def hold_during_start_up(seconds: float = HOLD_SECONDS) -> None:
    """Turn the cycle collector off now; :func:`settle` turns it on again, after ``seconds`` at the latest."""
    global _held
    with _lock:
        if _held or _settled or not gc.isenabled():
            return  # already held or past start-up, or the embedding program runs without the collector
        _held = True
        gc.disable()
    timer = threading.Timer(seconds, settle)
    timer.daemon = True  # a one-shot command exits without waiting for it
    timer.name = "opsconsole-collector-settle"
    timer.start()


def settle() -> None:
    """Start-up is over: collect what it left and freeze the survivors (once per process), and turn
    the collector on again if :func:`hold_during_start_up` held it."""
    global _held, _settled
    with _lock:
        if not _settled:
            _settled = True
            gc.collect()
            gc.freeze()
        if _held:
            _held = False
            gc.enable()
