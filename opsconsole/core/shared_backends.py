"""Which contexts see the same Alertmanagers: the grouping that keeps one alert or silence one row."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def shared_groups(url_sets: Sequence[Collection[str]]) -> list[int]:
    """Each set's group: sets that share a URL, directly or through other sets, are one group.

    The order of the sets does not matter: ``{a}``, ``{b}``, then ``{a, b}`` is one group, though
    the first two share nothing until the third comes (a context on both peers of an HA pair
    bridges two contexts that each see one peer). An empty set shares with nothing.
    """
    parent = list(range(len(url_sets)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_seen: dict[str, int] = {}
    for index, urls in enumerate(url_sets):
        for url in urls:
            if url in first_seen:
                parent[root(index)] = root(first_seen[url])
            else:
                first_seen[url] = index
    return [root(index) for index in range(len(url_sets))]
