"""Run one coroutine per context, concurrently with a bound, each with its own deadline.

A dead or slow context must never delay the others: each gets its own timeout, and its failure (the
exception, or :class:`ContextTimeout`) is returned in its place with how long it took, not raised.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")

DEFAULT_CONCURRENCY = 4


class ContextTimeout(Exception):
    """A context did not answer within its deadline."""


@dataclass(frozen=True)
class FanOutResult(Generic[K, T]):
    """One key's outcome: its value or its error, and when it finished (seconds after the start)."""

    key: K
    value: T | None
    error: BaseException | None
    took: float


async def fan_out(
    keys: Sequence[K],
    work: Callable[[K], Awaitable[T]],
    *,
    deadline: Callable[[K], float],
    limit: int = DEFAULT_CONCURRENCY,
    on_done: Callable[[FanOutResult[K, T]], None] | None = None,
) -> list[FanOutResult[K, T]]:
    """``work(key)`` for every key, at most ``limit`` at once; results in the keys' order.

    ``on_done`` is called as each finishes, so a caller can show the fast ones at once.
    """
    gate = asyncio.Semaphore(max(1, limit))
    start = time.monotonic()

    async def one(key: K) -> FanOutResult[K, T]:
        async with gate:
            began = time.monotonic()
            try:
                value = await asyncio.wait_for(work(key), deadline(key))
                result: FanOutResult[K, T] = FanOutResult(key, value, None, time.monotonic() - start)
            except TimeoutError:
                waited = time.monotonic() - began
                error = ContextTimeout(f"no answer within {waited:.0f}s")
                result = FanOutResult(key, None, error, time.monotonic() - start)
            except Exception as exc:  # a context's failure is its row's, never the others'
                result = FanOutResult(key, None, exc, time.monotonic() - start)
        if on_done is not None:
            on_done(result)
        return result

    return list(await asyncio.gather(*(one(k) for k in keys)))
