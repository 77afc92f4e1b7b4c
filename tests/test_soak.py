"""Soak: refreshes back to back, each at the real refresh's cost, leave the console's memory flat.

The procedure is in ``tests/support/memory_soak.py``: a demo stack in its own process on a simulated clock,
the bounded buffers filled first (a simulated minute per refresh), then refreshes at the real 5 s
interval with the memory allocated in the console's process (one of its own) sampled after each. The
figure checked is the growth per refresh (a least-squares slope over the measured refreshes), not the
growth of the whole run, so a leak of tens of KiB per refresh (46 KiB per refresh is 0.8 GiB a day
at a 5 s refresh) fails here while the noise of a single sample does not;
``tests/test_soak_sees_a_leak.py`` checks that a leak of 20 KiB per refresh does fail it.
"""

from __future__ import annotations

from tests.support.memory_soak import LEAK_LIMIT_KIB, MEASURED, soak


def test_memory_is_flat_once_the_buffers_are_full() -> None:
    result = soak()
    assert len(result.samples) == MEASURED
    growth = result.growth_kib
    print(f"buffers full after {result.filled_after} refreshes; KiB every 5 refreshes: {result.shown()}")
    print(f"measured by {result.measure}")
    print(f"growth {growth:.2f} KiB per refresh")
    assert growth < LEAK_LIMIT_KIB, (growth, result.shown())
