"""Contexts grouped by the Alertmanagers they share, whatever order they come in."""

from __future__ import annotations

import itertools

from opsconsole.core.shared_backends import shared_groups


def _partition(sets: list[frozenset[str]]) -> set[frozenset[int]]:
    groups = shared_groups(sets)
    return {frozenset(i for i, g in enumerate(groups) if g == group) for group in groups}


def test_sets_sharing_a_url_directly_or_through_others_are_one_group() -> None:
    sets = [frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"}), frozenset({"c"}), frozenset()]
    assert _partition(sets) == {frozenset({0, 1, 2}), frozenset({3}), frozenset({4})}


def test_the_grouping_does_not_depend_on_the_order() -> None:
    sets = [
        frozenset({"a"}),
        frozenset({"b"}),
        frozenset({"c", "d"}),
        frozenset({"b", "c"}),
        frozenset({"e"}),
    ]
    expected = {frozenset({"a"}), frozenset({"b", "c", "d"}), frozenset({"e"})}
    for order in itertools.permutations(range(len(sets))):
        ordered = [sets[i] for i in order]
        groups = shared_groups(ordered)
        urls = {
            frozenset().union(*(s for s, g in zip(ordered, groups, strict=True) if g == group))
            for group in groups
        }
        assert urls == expected, order


def test_empty_sets_share_nothing() -> None:
    assert len(set(shared_groups([frozenset(), frozenset()]))) == 2
