"""Hypothesis strategies for broken traces: the ids come from a small alphabet, so repeated ids,
parent cycles, self-parents and orphans are common; start times are often 0 (missing)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

T0 = 1_795_385_633_228_000
IDS = list("abcdefgh")


@dataclass(frozen=True)
class S:
    """The least a span is to the layout."""

    span_id: str
    parent_id: str | None
    start_us: int
    duration_us: int
    error: bool = False


@st.composite
def broken_traces(draw: st.DrawFn, max_spans: int = 14) -> list[S]:
    """A list of spans with any mix of orphans, cycles, self-parents, repeated ids and 0 starts."""
    spans = []
    for _ in range(draw(st.integers(0, max_spans))):
        span_id = draw(st.sampled_from(IDS))
        parent = draw(st.one_of(st.none(), st.sampled_from([*IDS, "zz-missing"])))
        start = draw(st.one_of(st.just(0), st.integers(T0, T0 + 1_000)))
        duration = draw(st.integers(-5, 500))
        spans.append(S(span_id, parent, start, duration, draw(st.booleans())))
    return spans
