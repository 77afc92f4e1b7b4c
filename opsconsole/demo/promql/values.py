"""PromQL value types for the demo engine."""

from __future__ import annotations

from dataclasses import dataclass, field

Labels = tuple[tuple[str, str], ...]


def labels_of(mapping: dict[str, str]) -> Labels:
    """A hashable, sorted label set."""
    return tuple(sorted(mapping.items()))


def without_name(labels: Labels) -> Labels:
    """The label set minus ``__name__`` (what most operations return)."""
    return tuple((k, v) for k, v in labels if k != "__name__")


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector."""

    labels: Labels
    value: float
    timestamp: float | None = None  # for timestamp(); None = evaluation time


@dataclass(frozen=True)
class RangeSeries:
    """One series of a range vector: samples inside the range, oldest first."""

    labels: Labels
    points: list[tuple[float, float]] = field(default_factory=list)
    # A long counter range is read sparsely (first, last and around gaps); this is how many
    # samples the full range holds, which rate()'s extrapolation needs.
    sample_count: int | None = None

    @property
    def count(self) -> int:
        """Samples in the range (not only the ones kept in ``points``)."""
        return self.sample_count if self.sample_count is not None else len(self.points)


@dataclass(frozen=True)
class Scalar:
    """A scalar."""

    value: float


@dataclass(frozen=True)
class String:
    """A string literal."""

    value: str


Vector = list[Sample]
Matrix = list[RangeSeries]
Value = Vector | Matrix | Scalar | String


class PromqlError(Exception):
    """A query the engine refuses; ``error_type`` and ``status`` mirror Prometheus' answer."""

    def __init__(self, message: str, error_type: str = "bad_data", status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status


class Unsupported(PromqlError):
    """Valid PromQL outside what the demo engine implements."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not supported by the opsconsole demo engine", "execution", 422)
