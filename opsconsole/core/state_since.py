"""How long an entity has been in its current state, from a range query's points."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

Points = Sequence[tuple[float, float]]


def state_since(
    points: Points, state_of: Callable[[float], str], *, current: str | None = None
) -> tuple[float | None, bool]:
    """Timestamp where the current state began, and whether that is exact.

    ``(first_ts, False)`` means the state held for the whole range ("at least since"). ``current``
    overrides the state of the last point (e.g. the instant query disagrees with a stale range).
    Returns ``(None, False)`` without points.
    """
    if not points:
        return None, False
    now_state = current if current is not None else state_of(points[-1][1])
    since = None
    for ts, value in reversed(points):
        if state_of(value) != now_state:
            return since, since is not None
        since = ts
    return since, False


def state_began(states: Sequence[tuple[float, str]], current: str) -> tuple[float | None, bool]:
    """Like :func:`state_since` for a timeline of states already worked out (every state a row
    shows, not only up/down): where ``current`` began, and whether that is exact."""
    return began_newest_first(reversed(states), current)


def began_newest_first(newest_first: Iterable[tuple[float, str]], current: str) -> tuple[float | None, bool]:
    """:func:`state_began` from the timeline read backwards, stopping at the first other state:
    the points before it are never worked out (a row's states cost a lookup per series each)."""
    since = None
    for ts, state in newest_first:
        if state != current:
            # After the range's last point (since is None): as recent as we can say.
            return (ts, True) if since is None else (since, True)
        since = ts
    return since, False
