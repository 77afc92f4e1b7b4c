"""The trace screen's cursor over a waterfall, key by key (``test_trace_navigation.py`` drives
random key sequences over broken traces; these pin what each key does on a known tree)."""

from __future__ import annotations

from opsconsole.core.trace_layout import Waterfall, build_waterfall
from opsconsole.core.trace_navigation import WaterfallCursor
from tests.support.known_trace import SPANS, S

INDEX = {s.span_id: i for i, s in enumerate(SPANS)}


def names(cursor: WaterfallCursor) -> list[str]:
    return [SPANS[r.index].span_id for r in cursor.rows]


def at(cursor: WaterfallCursor) -> str:
    row = cursor.current
    assert row is not None
    return SPANS[row.index].span_id


def cursor_on(name: str) -> WaterfallCursor:
    cursor = WaterfallCursor(build_waterfall(SPANS))
    cursor.move_to(cursor.position_of(INDEX[name]) or 0)
    assert at(cursor) == name
    return cursor


def test_it_starts_on_the_root_with_everything_shown() -> None:
    cursor = WaterfallCursor(build_waterfall(SPANS))
    assert names(cursor) == ["api", "plan", "solve", "disp", "wpa", "db", "lock"]
    assert (cursor.cursor, at(cursor), cursor.collapsed) == (0, "api", set())


def test_moving_stops_at_either_end() -> None:
    cursor = WaterfallCursor(build_waterfall(SPANS))
    cursor.move(2)
    assert at(cursor) == "solve"
    cursor.move(-1)
    assert at(cursor) == "plan"
    cursor.move(-5)
    assert cursor.cursor == 0
    cursor.move(100)
    assert at(cursor) == "lock"
    assert cursor.cursor == 6
    cursor.move_to(3)
    assert at(cursor) == "disp"
    cursor.move_to(99)
    assert cursor.cursor == 6
    cursor.move_to(-3)
    assert cursor.cursor == 0


def test_position_of_a_hidden_span_is_none() -> None:
    cursor = cursor_on("disp")
    assert cursor.position_of(INDEX["wpa"]) == 4
    assert cursor.toggle()
    assert cursor.position_of(INDEX["wpa"]) is None
    assert cursor.position_of(INDEX["disp"]) == 3


def test_toggle_collapses_then_expands_the_span_under_the_cursor() -> None:
    cursor = cursor_on("disp")
    assert cursor.toggle() is True
    assert names(cursor) == ["api", "plan", "solve", "disp"]
    assert at(cursor) == "disp"
    assert cursor.toggle() is True
    assert names(cursor) == ["api", "plan", "solve", "disp", "wpa", "db", "lock"]
    assert cursor.collapsed == set()


def test_toggle_on_a_leaf_does_nothing() -> None:
    cursor = cursor_on("solve")
    assert cursor.toggle() is False
    assert cursor.collapsed == set()
    assert len(cursor.rows) == 7


def test_collapsing_above_the_cursor_keeps_it_within_the_rows() -> None:
    cursor = cursor_on("lock")
    cursor.collapsed = {INDEX["api"]}
    cursor._relayout()
    assert names(cursor) == ["api"]
    assert cursor.cursor == 0


def test_left_collapses_an_open_span_then_goes_to_its_parent() -> None:
    cursor = cursor_on("db")
    cursor.collapse_or_parent()
    assert names(cursor) == ["api", "plan", "solve", "disp", "wpa", "db"]
    assert at(cursor) == "db"
    cursor.collapse_or_parent()  # already collapsed: to the parent
    assert at(cursor) == "disp"
    assert INDEX["disp"] not in cursor.collapsed


def test_left_on_a_leaf_goes_to_its_parent_and_on_the_root_stays() -> None:
    cursor = cursor_on("lock")
    cursor.collapse_or_parent()
    assert at(cursor) == "db"
    assert cursor.collapsed == set()
    root = cursor_on("api")
    root.collapsed = {INDEX["api"]}
    root._relayout()
    root.collapse_or_parent()
    assert at(root) == "api"


def test_right_expands_only_a_collapsed_span() -> None:
    cursor = cursor_on("plan")
    cursor.expand()  # open already: nothing changes
    assert cursor.collapsed == set()
    cursor.toggle()
    assert names(cursor) == ["api", "plan", "disp", "wpa", "db", "lock"]
    cursor.expand()
    assert names(cursor) == ["api", "plan", "solve", "disp", "wpa", "db", "lock"]
    assert at(cursor) == "plan"


def test_collapse_all_keeps_only_the_roots_and_goes_to_the_top() -> None:
    cursor = cursor_on("wpa")
    cursor.collapse_all()
    assert cursor.collapsed == {INDEX["api"], INDEX["plan"], INDEX["disp"], INDEX["db"]}
    assert names(cursor) == ["api"]
    assert cursor.cursor == 0


def test_expand_all_keeps_the_cursor_on_its_span() -> None:
    cursor = cursor_on("disp")
    cursor.collapse_all()
    cursor.expand()  # api open: plan and disp show, both collapsed
    cursor.move(2)
    assert at(cursor) == "disp"
    cursor.expand_all()
    assert cursor.collapsed == set()
    assert len(cursor.rows) == 7
    assert at(cursor) == "disp"


def test_reveal_opens_every_ancestor_and_moves_there() -> None:
    cursor = WaterfallCursor(build_waterfall(SPANS))
    cursor.collapse_all()
    cursor.collapsed.add(INDEX["solve"])  # a leaf in the set: harmless, and not ours to remove
    cursor.reveal(INDEX["lock"])
    assert at(cursor) == "lock"
    assert cursor.collapsed == {INDEX["plan"], INDEX["solve"]}
    assert names(cursor) == ["api", "plan", "disp", "wpa", "db", "lock"]


def test_next_matching_searches_after_the_cursor_and_wraps_once() -> None:
    cursor = cursor_on("disp")
    cursor.collapse_all()
    slow = {INDEX["wpa"], INDEX["plan"]}
    assert cursor.next_matching(slow.__contains__) == INDEX["plan"]  # from the top: plan first
    assert at(cursor) == "plan"
    assert cursor.next_matching(slow.__contains__) == INDEX["wpa"]
    assert at(cursor) == "wpa"  # revealed under the collapsed disp
    assert cursor.next_matching(slow.__contains__) == INDEX["plan"]  # wrapped
    assert cursor.next_matching({INDEX["api"]}.__contains__) == INDEX["api"]  # wraps to the start
    assert cursor.next_matching(lambda index: False) is None
    assert at(cursor) == "api"


def test_next_matching_finds_the_current_span_last() -> None:
    cursor = cursor_on("db")
    assert cursor.next_matching({INDEX["db"]}.__contains__) == INDEX["db"]
    lock_then = cursor.next_matching({INDEX["db"], INDEX["lock"]}.__contains__)
    assert lock_then == INDEX["lock"]


def test_an_empty_trace_has_no_row_and_every_key_is_harmless() -> None:
    cursor = WaterfallCursor(build_waterfall([]))
    assert cursor.current is None
    cursor.move(1)
    cursor.move_to(3)
    assert cursor.toggle() is False
    cursor.collapse_or_parent()
    cursor.expand()
    cursor.collapse_all()
    cursor.expand_all()
    assert cursor.next_matching(lambda index: True) is None
    assert (cursor.rows, cursor.cursor) == ([], 0)


def test_ancestors_are_nearest_first_and_bounded_by_the_span_count() -> None:
    waterfall = build_waterfall(SPANS)
    assert waterfall.ancestors(INDEX["lock"]) == [INDEX["db"], INDEX["disp"], INDEX["api"]]
    assert waterfall.ancestors(INDEX["api"]) == []
    # A parent table with a cycle (the forest never makes one; the walk must still stop).
    looped = Waterfall(rows=(), start_us=0, duration_us=0, parent_of=(1, 2, 0))
    assert looped.ancestors(0) == [1, 2, 0]


def test_visible_rows_skip_only_below_a_collapsed_span_with_children() -> None:
    waterfall = build_waterfall(SPANS)
    shown = [SPANS[r.index].span_id for r in waterfall.visible({INDEX["plan"], INDEX["db"]})]
    assert shown == ["api", "plan", "disp", "wpa", "db"]
    # Collapsing a span ends where the next span at its depth or above starts.
    shown = [SPANS[r.index].span_id for r in waterfall.visible({INDEX["plan"]})]
    assert shown == ["api", "plan", "disp", "wpa", "db", "lock"]


def test_the_waterfall_carries_the_forests_repairs() -> None:
    from opsconsole.core.span_forest import plan_forest

    broken = [S("a", "b", 10, 5), S("b", "a", 0, 30), S("orphan", "gone", 40, 5), S("dup", None, 0, 1)]
    forest = plan_forest(broken)
    waterfall = build_waterfall(broken)
    assert forest.warnings  # the cycle and the orphan are said
    assert waterfall.warnings == forest.warnings
    assert waterfall.marks == forest.marks
    assert waterfall.starts == forest.starts
    assert waterfall.parent_of == forest.parent_of
    assert waterfall.root == forest.root
    assert build_waterfall(broken, forest) == waterfall


def test_collapse_all_with_several_roots_goes_to_the_first() -> None:
    spans = [S("a", None, 0, 10), S("a1", "a", 1, 2), S("b", None, 20, 10), S("b1", "b", 21, 2)]
    cursor = WaterfallCursor(build_waterfall(spans))
    cursor.move(3)
    cursor.collapse_all()
    assert [spans[r.index].span_id for r in cursor.rows] == ["a", "b"]
    assert cursor.cursor == 0


def test_expand_all_on_the_first_row_stays_there() -> None:
    cursor = WaterfallCursor(build_waterfall(SPANS))
    cursor.collapse_all()
    cursor.expand_all()
    assert cursor.cursor == 0
    assert at(cursor) == "api"
