"""Broken traces as real tracers and storages produce them: every span kept, repaired, and said so.

The cases are Jaeger UI's own trace-transform cases (missing/zero start times, orphans, a
parent cycle) plus what Jaeger's query fixtures show (one span id used twice), checked here on
the pure layout; the same cases as wire JSON are in tests/fixtures/jaeger/.
"""

from __future__ import annotations

import time

from hypothesis import given, settings

from opsconsole.core.span_forest import plan_forest
from opsconsole.core.trace_layout import build_waterfall
from tests.support.span_strategies import T0, S, broken_traces


def kinds(forest: object, index: int) -> set[str]:
    return {m.kind for m in forest.marks.get(index, ())}  # type: ignore[attr-defined]


def test_a_parent_cycle_is_broken_at_the_span_that_starts_first_and_said_so() -> None:
    spans = [S("b", "a", T0 + 10, 20), S("a", "b", T0, 50), S("c", "b", T0 + 15, 5)]
    forest = plan_forest(spans)
    assert forest.parent_of == (1, None, 0)  # a is the root now, b its child, c under b
    assert forest.root == 1
    assert kinds(forest, 1) == {"cycle"}
    assert any("parent cycle of 2 spans (a → b → a) broken at a" in w for w in forest.warnings)
    waterfall = build_waterfall(spans)
    assert [(spans[r.index].span_id, r.depth, r.has_children) for r in waterfall.rows] == [
        ("a", 0, True),
        ("b", 1, True),
        ("c", 2, False),
    ]
    assert {spans[r.index].span_id for r in waterfall.rows if r.critical} == {"a", "b", "c"}


def test_a_self_parent_is_a_root_with_a_mark() -> None:
    spans = [S("x", "x", T0, 10), S("y", "x", T0 + 1, 2)]
    forest = plan_forest(spans)
    assert forest.roots == (0,) and forest.root == 0 and forest.parent_of == (None, 0)
    assert kinds(forest, 0) == {"self_parent"}
    assert forest.warnings == ("1 span(s) name themselves as parent: x",)


def test_the_trace_is_named_after_the_span_without_references_not_an_earlier_orphan() -> None:
    spans = [
        S("orphan1", "gone1", T0 - 500, 10),  # starts earliest, but its parent never arrived
        S("orphan2", "gone2", T0 - 400, 10),
        S("root", None, T0, 100),
        S("child", "root", T0 + 5, 50),
    ]
    forest = plan_forest(spans)
    assert forest.root == 2
    assert kinds(forest, 0) == {"orphan"} and kinds(forest, 1) == {"orphan"}
    assert forest.roots == (0, 1, 2)  # still drawn by start time
    assert "2 span(s) whose parent is not in this trace" in forest.warnings[0]


def test_only_orphans_the_earliest_names_the_trace() -> None:
    forest = plan_forest([S("b", "gone", T0 + 5, 1), S("a", "gone", T0, 1)])
    assert forest.root == 1


def test_zero_and_missing_start_times_sit_at_their_parent_and_do_not_stretch_the_trace() -> None:
    spans = [
        S("root", None, T0, 1000),
        S("zero", "root", 0, 200),
        S("leaf", "zero", 0, 100),  # inherits the repaired start of its parent, not 0
        S("real", "root", T0 + 500, 30),
    ]
    forest = plan_forest(spans)
    assert forest.starts == (T0, T0, T0, T0 + 500)
    assert forest.duration_us == 1000  # not 56 years
    assert kinds(forest, 1) == {"no_start"} and kinds(forest, 2) == {"no_start"}
    waterfall = build_waterfall(spans)
    assert (waterfall.start_us, waterfall.duration_us) == (T0, 1000)
    assert [spans[r.index].span_id for r in waterfall.rows] == ["root", "zero", "leaf", "real"]


def test_a_root_without_a_start_takes_the_earliest_start_below_it() -> None:
    spans = [S("root", None, 0, 100), S("late", "root", T0 + 40, 10), S("early", "root", T0 + 10, 10)]
    forest = plan_forest(spans)
    assert forest.starts[0] == T0 + 10
    assert forest.start_us == T0 + 10


def test_a_trace_where_no_span_has_a_start_keeps_every_span_at_zero() -> None:
    spans = [S("r", None, 0, 100), S("c", "r", 0, 50)]
    waterfall = build_waterfall(spans)
    assert [r.index for r in waterfall.rows] == [0, 1]
    assert (waterfall.start_us, waterfall.duration_us) == (0, 100)


def test_duplicate_span_ids_are_all_kept_and_children_attach_to_the_first() -> None:
    # Jaeger's own otlp2jaeger fixture: the same span twice, its parent absent.
    spans = [S("dup", "gone", T0, 10), S("dup", "gone", T0, 10), S("kid", "dup", T0 + 1, 2)]
    forest = plan_forest(spans)
    assert forest.parent_of == (None, None, 0)
    assert kinds(forest, 1) == {"duplicate_id", "orphan"}
    assert any("1 span id(s) used by more than one span (dup)" in w for w in forest.warnings)
    assert sorted(r.index for r in build_waterfall(spans).rows) == [0, 1, 2]


def test_a_10000_span_cycle_and_a_10000_span_chain_lay_out_quickly() -> None:
    ring = [S(f"s{i}", f"s{(i - 1) % 10_000}", T0 + i, 10) for i in range(10_000)]
    chain = [S(f"s{i}", f"s{i - 1}" if i else None, 0 if i % 7 == 0 else T0 + i, 10) for i in range(10_000)]
    started = time.perf_counter()
    for spans in (ring, chain):
        waterfall = build_waterfall(spans)
        assert sorted(r.index for r in waterfall.rows) == list(range(10_000))
        assert waterfall.rows[-1].depth == 9_999
        assert waterfall.root == 0
    # Both are linear walks plus a sort: a second is generous even on a loaded machine, while
    # a quadratic walk (10^8 steps) would take minutes.
    assert time.perf_counter() - started < 10


# -- properties over generated forests ---------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(broken_traces())
def test_any_forest_keeps_every_span_once_without_cycles(spans: list[S]) -> None:
    forest = plan_forest(spans)
    waterfall = build_waterfall(spans, forest)
    assert sorted(r.index for r in waterfall.rows) == list(range(len(spans)))
    for position, row in enumerate(waterfall.rows):
        ancestors = waterfall.ancestors(row.index)
        assert len(ancestors) == row.depth  # the walk up ends at a root: no cycle is left
        parent = waterfall.parent_of[row.index]
        if parent is not None:  # depth-first: the parent comes earlier, one level up
            assert [r.index for r in waterfall.rows[:position]].count(parent) == 1
        assert row.has_children == bool(forest.children[row.index])
    assert (forest.root is None) == (not spans)
    if forest.root is not None:
        assert waterfall.parent_of[forest.root] is None
        assert waterfall.rows[[r.index for r in waterfall.rows].index(forest.root)].critical
    for row in waterfall.rows:  # the critical path is connected up to the root
        parent = waterfall.parent_of[row.index]
        if row.critical and row.index != forest.root:
            assert parent is not None and next(r for r in waterfall.rows if r.index == parent).critical
    if any(s.start_us > 0 for s in spans):
        assert all(start > 0 for start in forest.starts)
        assert waterfall.start_us == min(s.start_us for s in spans if s.start_us > 0)
    assert waterfall.duration_us >= 0
    for index, span in enumerate(spans):
        if span.start_us <= 0:
            assert "no_start" in kinds(forest, index)
            parent = forest.parent_of[index]
            if parent is not None:
                assert forest.starts[index] == forest.starts[parent]
        else:
            assert forest.starts[index] == span.start_us
