"""The waterfall: tree order, depth, collapse and the critical path, including big and broken traces."""

from __future__ import annotations

from opsconsole.core.trace_layout import build_waterfall
from tests.support.known_trace import SPANS, T0, S


def _ids(rows: object) -> list[str]:
    return [SPANS[r.index].span_id for r in rows]  # type: ignore[attr-defined]


def test_depth_first_order_with_children_by_start_time() -> None:
    waterfall = build_waterfall(SPANS)
    assert _ids(waterfall.rows) == ["api", "plan", "solve", "disp", "wpa", "db", "lock"]
    assert [r.depth for r in waterfall.rows] == [0, 1, 2, 1, 2, 2, 3]
    assert [r.has_children for r in waterfall.rows] == [True, True, False, True, False, True, False]
    assert (waterfall.start_us, waterfall.duration_us) == (T0, 100)


def test_critical_path_takes_the_last_finishing_child_then_works_backwards() -> None:
    critical = {SPANS[r.index].span_id for r in build_waterfall(SPANS).rows if r.critical}
    assert critical == {"api", "disp", "wpa", "plan", "solve"}


def test_collapse_hides_the_subtree_but_keeps_the_span() -> None:
    waterfall = build_waterfall(SPANS)
    disp = next(r.index for r in waterfall.rows if SPANS[r.index].span_id == "disp")
    assert _ids(waterfall.visible({disp})) == ["api", "plan", "solve", "disp"]
    api = next(r.index for r in waterfall.rows if SPANS[r.index].span_id == "api")
    assert _ids(waterfall.visible({api})) == ["api"]
    leaf = next(r.index for r in waterfall.rows if SPANS[r.index].span_id == "solve")
    assert _ids(waterfall.visible({leaf})) == _ids(waterfall.rows)  # a leaf has nothing to hide


def test_a_child_that_outlives_its_parent_clock_skew_does_not_break_the_path() -> None:
    spans = [S("root", None, 0, 100), S("late", "root", 60, 80), S("early", "root", 10, 30)]
    rows = build_waterfall(spans).rows
    assert {spans[r.index].span_id for r in rows if r.critical} == {"root", "late", "early"}
    assert build_waterfall(spans).duration_us == 140


def test_orphans_become_roots_and_parent_cycles_still_show() -> None:
    spans = [
        S("a", None, 0, 10),
        S("orphan", "missing-parent", 5, 3),
        S("x", "y", 1, 1),
        S("y", "x", 2, 1),  # a cycle: bad data, must not hang or vanish
        S("self", "self", 3, 1),
    ]
    rows = build_waterfall(spans).rows
    assert sorted(spans[r.index].span_id for r in rows) == ["a", "orphan", "self", "x", "y"]
    assert {spans[r.index].span_id: r.depth for r in rows}["orphan"] == 0


def test_a_5000_span_chain_lays_out_without_recursion() -> None:
    chain = [S(f"s{i}", f"s{i - 1}" if i else None, i, 10_000 - 2 * i) for i in range(5000)]
    waterfall = build_waterfall(chain)
    assert len(waterfall.rows) == 5000
    assert waterfall.rows[-1].depth == 4999
    assert all(r.critical for r in waterfall.rows)
    assert len(waterfall.visible({0})) == 1


def test_a_wide_5000_span_trace_marks_one_path() -> None:
    wide = [S("root", None, 0, 100_000)] + [S(f"c{i}", "root", i * 10, 15) for i in range(4999)]
    rows = build_waterfall(wide).rows
    critical = [wide[r.index].span_id for r in rows if r.critical]
    # Children overlap by 5µs: walking back from the last, each earlier child ends after the
    # cursor (the later child's start) and is cut there, so all of them are on the path.
    assert critical[0] == "root" and len(critical) == 5000


def test_an_empty_trace() -> None:
    waterfall = build_waterfall([])
    assert waterfall.rows == () and waterfall.duration_us == 0


def _critical(spans: list[S]) -> set[str]:
    return {spans[r.index].span_id for r in build_waterfall(spans).rows if r.critical}


def test_a_child_starting_after_the_cursor_is_skipped_but_earlier_ones_still_count() -> None:
    # late (50..100) is critical; mid (60..90) starts after the cursor it leaves (50): skipped;
    # early (10..40), which ends before that, still counts.
    spans = [
        S("root", None, 0, 100),
        S("late", "root", 50, 50),
        S("mid", "root", 60, 30),
        S("early", "root", 10, 30),
    ]
    assert _critical(spans) == {"root", "late", "early"}


def test_a_child_starting_exactly_at_the_cursor_adds_nothing() -> None:
    spans = [S("root", None, 0, 30), S("b", "root", 20, 10), S("zero", "root", 20, 0), S("a", "root", 5, 10)]
    assert _critical(spans) == {"root", "b", "a"}


def test_the_walk_stops_at_the_parents_start() -> None:
    # whole covers its parent exactly: the cursor reaches the parent's start, and a child that
    # (clock skew) starts before its parent is not on the path.
    spans = [S("root", None, 10, 40), S("whole", "root", 10, 40), S("skewed", "root", 0, 5)]
    assert _critical(spans) == {"root", "whole"}
