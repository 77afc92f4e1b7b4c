"""Which row a series belongs to, without ever merging two things into one row silently.

A pack names its entities by labels, and real targets do not all carry the same ones (a pod name
where Kubernetes service discovery sets it, only an ``instance`` address where it does not). The
identity of a series is the first of the pack's labels it carries. Two ``up`` series with the same
identity are two targets: they get two rows, told apart by the labels in which they differ, and
the pane says so. Two samples of one query landing on one row are reported, and the worse value is
the one shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Labels that usually tell two targets apart, tried before the others.
PREFERRED_SPLIT = ("job", "instance", "kubernetes_namespace", "namespace", "kubernetes_pod_name", "pod")
IGNORED = frozenset({"__name__"})


def first_label(metric: Mapping[str, str], names: Sequence[str]) -> tuple[str, str] | None:
    """``(label, value)`` of the first of ``names`` that ``metric`` carries with a value."""
    for name in names:
        value = metric.get(name, "")
        if value:
            return name, value
    return None


@dataclass(frozen=True)
class RowKey:
    """One row: the identity value, the label it came from, and what separates it from a namesake."""

    entity: str
    label: str
    split: tuple[tuple[str, str], ...] = ()

    @property
    def display(self) -> str:
        """``npa-1``, or ``npa-1 (job=npa)`` when another row has the same identity."""
        if not self.split:
            return self.entity
        return f"{self.entity} ({', '.join(f'{k}={v}' for k, v in self.split)})"


def _split_labels(group: Sequence[Mapping[str, str]]) -> tuple[str, ...]:
    """The fewest labels whose values tell every member of ``group`` apart (preferred ones first)."""
    names = sorted(
        {k for metric in group for k in metric if k not in IGNORED},
        key=lambda k: (PREFERRED_SPLIT.index(k) if k in PREFERRED_SPLIT else len(PREFERRED_SPLIT), k),
    )
    differing = [n for n in names if len({m.get(n, "") for m in group}) > 1]
    for name in differing:
        if len({m.get(name, "") for m in group}) == len(group):
            return (name,)
    chosen: list[str] = []
    for name in differing:
        chosen.append(name)
        if len({tuple(m.get(n, "") for n in chosen) for m in group}) == len(group):
            break
    return tuple(chosen)


@dataclass
class RowKeys:
    """Row identities established from the ``up`` series (or whichever query defines the rows)."""

    labels: Sequence[str]
    splits: dict[str, tuple[str, ...]]
    notes: list[str]

    @classmethod
    def from_series(cls, labels: Sequence[str], metrics: Iterable[Mapping[str, str]], what: str) -> RowKeys:
        """Identities of ``metrics``; namesakes are split by the labels in which they differ."""
        by_entity: dict[str, list[Mapping[str, str]]] = defaultdict(list)
        anonymous = 0
        for metric in metrics:
            found = first_label(metric, labels)
            if found is None:
                anonymous += 1
                continue
            by_entity[found[1]].append(metric)
        splits: dict[str, tuple[str, ...]] = {}
        notes = []
        for entity, group in sorted(by_entity.items()):
            if len(group) > 1:
                split = _split_labels(group)
                splits[entity] = split
                told = ", ".join(split) if split else "nothing (identical label sets)"
                notes.append(
                    f"{len(group)} {what} series are named {entity!r}: "
                    f"shown as separate rows, told apart by {told}"
                )
        if anonymous:
            notes.append(
                f"{anonymous} {what} series {'carries' if anonymous == 1 else 'carry'} none of the "
                f"labels {', '.join(labels)}: not shown "
                "(add the label they have to the pack's entity labels)"
            )
        return cls(labels, splits, notes)

    def key(self, metric: Mapping[str, str]) -> RowKey | None:
        """The row of ``metric``; None when it names no entity, or cannot be told apart from a namesake."""
        found = first_label(metric, self.labels)
        if found is None:
            return None
        label, entity = found
        split = self.splits.get(entity)
        if split is None:
            return RowKey(entity, label)
        if any(name not in metric for name in split):
            return None
        return RowKey(entity, label, tuple((name, metric[name]) for name in split))


def worse(a: float, b: float, high_is_bad: bool) -> float:
    """The value an on-call engineer must see when two samples claim one cell."""
    return max(a, b) if high_is_bad else min(a, b)
