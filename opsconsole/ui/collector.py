"""Keep the cycle collector's full passes short in a console that runs for days.

A full collection walks every tracked object. Once the console is up, most of those (modules,
widgets, pydantic schemas, the first board) live for the whole session, and walking them again
and again is what made full collections take 100-200 ms: a visible stall, every second or two
while a busy log tail churns memory. Moving what exists after start-up into the permanent
generation leaves the collector only what came later. The price: anything alive then that later
dies inside a reference cycle (the first context's clients after a context switch) is never
reclaimed. That is a one-off cost, bounded by what existed at start-up.
"""

from __future__ import annotations

import gc

_settled = False


def settle_after_startup() -> None:
    """Collect once, then exempt every surviving object from later collections. Once per process:
    objects of a later app (tests run many) stay collectable."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
