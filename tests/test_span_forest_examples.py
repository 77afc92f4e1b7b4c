"""The span forest's repairs pinned by example: the exact warnings and marks a broken trace gets,
the order they are said in, which span names the trace, and the times it is drawn at.

tests/test_span_forest.py checks the same module with a property test over generated traces;
these examples say exactly what the screen says, so a changed word, count or tie-break fails here
in a fraction of a second (the mutation run uses these, not the property test).
"""

from __future__ import annotations

from opsconsole.core.span_forest import SpanMark, plan_forest, short_id
from tests.support.span_strategies import T0, S


def marks(forest: object, index: int) -> tuple[SpanMark, ...]:
    return forest.marks.get(index, ())  # type: ignore[attr-defined,no-any-return]


def test_an_empty_trace_has_no_root_and_no_time() -> None:
    forest = plan_forest([])
    assert (forest.root, forest.roots, forest.warnings) == (None, (), ())
    assert (forest.start_us, forest.duration_us) == (0, 0)


def test_a_sound_trace_is_left_alone_and_says_nothing() -> None:
    spans = [S("r", None, T0, 100), S("b", "r", T0 + 20, 10), S("a", "r", T0 + 10, 10)]
    forest = plan_forest(spans)
    assert forest.parent_of == (None, 0, 0)
    assert forest.children == ((2, 1), (), ())  # by start, not input order
    assert forest.roots == (0,) and forest.root == 0
    assert forest.starts == (T0, T0 + 20, T0 + 10)
    assert forest.ends == (T0 + 100, T0 + 30, T0 + 20)
    assert (forest.marks, forest.warnings) == ({}, ())


def test_children_and_roots_that_start_together_keep_the_input_order() -> None:
    spans = [S("r2", None, T0, 5), S("r1", None, T0, 5), S("k2", "r2", T0, 1), S("k1", "r2", T0, 1)]
    forest = plan_forest(spans)
    assert forest.roots == (0, 1)
    assert forest.children[0] == (2, 3)


def test_a_negative_duration_ends_at_its_start() -> None:
    forest = plan_forest([S("r", None, T0, -30), S("k", "r", T0 + 5, 10)])
    assert forest.ends == (T0, T0 + 15)
    assert forest.duration_us == 15


def test_short_ids_cut_only_what_is_longer_than_a_span_id_and_say_when_there_is_none() -> None:
    assert short_id("0123456789abcdef") == "0123456789abcdef"
    assert short_id("0123456789abcdef0") == "0123456789abcdef0"  # 17: kept whole
    assert short_id("0123456789abcdef01") == "0123456789abcdef…"
    assert short_id("") == "(no id)"


def test_orphans_are_each_marked_and_counted_with_three_examples_and_the_rest() -> None:
    spans = [S("root", None, T0, 100)] + [S(f"o{i}", f"gone{i}", T0 + i, 1) for i in range(1, 6)]
    forest = plan_forest(spans)
    assert forest.roots == (0, 1, 2, 3, 4, 5) and forest.root == 0
    assert marks(forest, 1) == (SpanMark("orphan", "its parent gone1 is not in this trace: shown as a root"),)
    assert forest.warnings == (
        "5 span(s) whose parent is not in this trace (an incomplete trace: spans dropped or not yet "
        "stored): o1, o2, o3 and 2 more, shown as roots",
    )


def test_three_examples_are_named_without_more() -> None:
    spans = [S(f"o{i}", "gone", T0 + i, 1) for i in range(3)]
    assert plan_forest(spans).warnings[0].endswith("): o0, o1, o2, shown as roots")


def test_self_parents_are_counted_and_named() -> None:
    spans = [S("x", "x", T0, 10), S("y", "y", T0 + 1, 10)]
    forest = plan_forest(spans)
    assert marks(forest, 1) == (SpanMark("self_parent", "names itself as its parent: shown as a root"),)
    assert forest.warnings == ("2 span(s) name themselves as parent: x, y",)
    assert forest.root == 0


def test_repeated_ids_are_counted_once_per_id_and_every_extra_span_is_marked() -> None:
    spans = [S("d", None, T0, 10), S("d", None, T0, 10), S("d", None, T0, 10), S("e", "d", T0, 1)]
    spans += [S("e", "d", T0 + 1, 1)]
    forest = plan_forest(spans)
    assert marks(forest, 0) == ()
    text = "span id d is also used by another span in this trace"
    assert marks(forest, 1) == marks(forest, 2) == (SpanMark("duplicate_id", text),)
    assert forest.parent_of == (None, None, None, 0, 0)  # children of the first "d"
    assert forest.warnings == (
        "2 span id(s) used by more than one span (d, e): all are shown; children attach to the first",
    )


def test_a_parent_on_a_later_duplicate_still_attaches_to_the_first_span_with_that_id() -> None:
    spans = [S("k", "p", T0 + 5, 1), S("p", None, T0, 10), S("p", None, T0 + 1, 10)]
    assert plan_forest(spans).parent_of == (1, None, None)


def test_a_long_cycle_is_named_in_parent_order_from_its_breaker_and_cut_after_four() -> None:
    # e -> d -> c -> b -> a -> e (each names the previous letter's span as parent, a names e).
    ids = "abcde"
    spans = [S(ids[i], ids[i - 1], T0 + 10 * i, 5) for i in range(5)]
    forest = plan_forest(spans)
    assert forest.parent_of == (None, 0, 1, 2, 3)  # broken at a, the earliest
    assert forest.root == 0 and forest.roots == (0,)
    assert marks(forest, 0) == (
        SpanMark(
            "cycle",
            "its parent e is also its descendant (a parent cycle): that edge is ignored and it is "
            "shown as a root",
        ),
    )
    assert forest.warnings == (
        "parent cycle of 5 spans (a → e → d → c → b → …) broken at a, which is shown as a root",
    )


def test_a_cycle_of_four_is_named_whole() -> None:
    ids = "abcd"
    spans = [S(ids[i], ids[i - 1], T0 + 10 * i, 5) for i in range(4)]
    assert plan_forest(spans).warnings == (
        "parent cycle of 4 spans (a → d → c → b → a) broken at a, which is shown as a root",
    )


def test_a_cycle_is_broken_at_the_earliest_usable_start_not_at_a_span_without_one() -> None:
    spans = [S("a", "b", 0, 5), S("b", "c", T0 + 30, 5), S("c", "a", T0 + 20, 5)]
    forest = plan_forest(spans)
    assert forest.parent_of[2] is None  # c starts first of those with a start
    assert forest.parent_of == (1, 2, None)  # c -> b -> a
    assert forest.starts == (T0 + 30, T0 + 30, T0 + 20)  # a placed at its parent b's start
    assert [m.kind for m in marks(forest, 2)] == ["cycle"]
    assert [m.kind for m in marks(forest, 0)] == ["no_start"]


def test_a_cycle_with_equal_starts_is_broken_at_the_first_in_input_order() -> None:
    spans = [S("q", "p", T0, 5), S("p", "q", T0, 5)]
    assert plan_forest(spans).parent_of == (None, 0)


def test_a_walk_into_an_already_walked_branch_is_no_cycle() -> None:
    spans = [S("r", None, T0, 50), S("a", "r", T0 + 1, 5), S("b", "a", T0 + 2, 5), S("c", "a", T0 + 3, 5)]
    forest = plan_forest(spans)
    assert forest.parent_of == (None, 0, 1, 1)
    assert forest.warnings == ()


def test_two_cycles_are_each_broken_and_said_and_the_earliest_breaker_names_the_trace() -> None:
    spans = [S("a", "b", T0 + 50, 5), S("b", "a", T0 + 60, 5)]
    spans += [S("c", "d", T0 + 10, 5), S("d", "c", T0 + 20, 5)]
    forest = plan_forest(spans)
    assert forest.roots == (2, 0)
    assert forest.root == 2
    assert len([w for w in forest.warnings if w.startswith("parent cycle of 2 spans")]) == 2


def test_a_missing_start_is_marked_with_where_it_was_placed() -> None:
    spans = [S("r", None, 0, 100), S("k", "r", T0 + 7, 10), S("z", "k", 0, 1)]
    forest = plan_forest(spans)
    assert forest.starts == (T0 + 7, T0 + 7, T0 + 7)
    assert marks(forest, 0) == (
        SpanMark("no_start", "no usable start time (missing or 0): placed at the earliest start below it"),
    )
    assert marks(forest, 2) == (
        SpanMark("no_start", "no usable start time (missing or 0): placed at its parent's start"),
    )
    assert forest.warnings == (
        "2 span(s) without a usable start time (missing or 0) placed at their parent's start; "
        "their offsets are estimates",
    )


def test_a_negative_start_is_as_unusable_as_zero() -> None:
    forest = plan_forest([S("r", None, T0, 10), S("k", "r", -5, 1)])
    assert forest.starts == (T0, T0)
    assert [m.kind for m in marks(forest, 1)] == ["no_start"]


def test_a_root_without_a_start_and_nothing_below_takes_the_traces_earliest() -> None:
    spans = [S("lone", None, 0, 10), S("r", None, T0 + 40, 5), S("k", "r", T0 + 30, 1)]
    forest = plan_forest(spans)
    assert forest.starts == (T0 + 30, T0 + 40, T0 + 30)
    assert forest.roots == (0, 1)


def test_the_earliest_start_below_a_root_is_found_however_deep() -> None:
    spans = [
        S("r", None, 0, 100),
        S("a", "r", 0, 10),
        S("b", "a", T0 + 90, 1),
        S("c", "a", 0, 1),
        S("d", "c", T0 + 60, 1),
        S("e", "r", T0 + 80, 1),
    ]
    forest = plan_forest(spans)
    assert forest.starts[0] == T0 + 60  # d, two levels under a span without a start itself
    assert forest.starts[1] == forest.starts[3] == T0 + 60


def test_marks_of_one_span_are_kept_in_the_order_found() -> None:
    spans = [S("p", None, T0, 10), S("p", "gone", 0, 5)]
    forest = plan_forest(spans)
    assert [m.kind for m in marks(forest, 1)] == ["duplicate_id", "orphan", "no_start"]


def test_warnings_come_in_the_order_of_how_much_they_change_the_picture() -> None:
    spans = [
        S("d", None, T0, 10),
        S("d", None, T0, 10),  # duplicate id
        S("z", "d", 0, 1),  # no start
        S("o", "gone", T0 + 1, 1),  # orphan
        S("s", "s", T0 + 2, 1),  # self-parent
        S("a", "b", T0 + 3, 1),  # cycle
        S("b", "a", T0 + 4, 1),
    ]
    forest = plan_forest(spans)
    assert [w.split(" ", 3)[:3] for w in forest.warnings] == [
        ["parent", "cycle", "of"],
        ["1", "span(s)", "name"],
        ["1", "span(s)", "whose"],
        ["1", "span(s)", "without"],
        ["1", "span", "id(s)"],
    ]


def test_the_trace_is_named_by_a_span_without_parent_then_a_broken_cycle_or_self_parent_then_an_orphan() -> (
    None
):
    cycle = [S("a", "b", T0 + 5, 5), S("b", "a", T0 + 6, 5)]
    orphan = [S("o", "gone", T0, 5)]
    self_parent = [S("s", "s", T0 + 7, 5)]
    assert plan_forest([*orphan, *cycle]).root == 1
    assert plan_forest([*orphan, *self_parent]).root == 1
    assert plan_forest([*orphan, *cycle, S("r", None, T0 + 9, 5)]).root == 3
    assert plan_forest([*orphan, *self_parent, S("r", "", T0 + 9, 5)]).root == 2  # "" is no parent
    # Of two of the same kind, the earlier start; of equal starts, the first.
    assert plan_forest([S("r2", None, T0 + 1, 5), S("r1", None, T0, 5)]).root == 1
    assert plan_forest([S("r2", None, T0, 5), S("r1", None, T0, 5)]).root == 0


def test_the_root_is_ranked_by_its_repaired_start() -> None:
    spans = [S("late", None, T0 + 50, 5), S("early", None, 0, 5), S("k", "early", T0 + 10, 1)]
    assert plan_forest(spans).root == 1  # placed at T0 + 10, before T0 + 50


def test_only_a_start_of_zero_or_less_is_unusable() -> None:
    forest = plan_forest([S("r", None, 1, 10), S("k", "r", 2, 1)])  # odd but given: kept as given
    assert forest.starts == (1, 2)
    assert forest.marks == {}


def test_a_root_without_a_start_takes_the_earliest_below_it_not_the_traces_earliest() -> None:
    spans = [S("a", None, 0, 100), S("a1", "a", T0 + 50, 10), S("b", None, T0 + 10, 5)]
    forest = plan_forest(spans)
    assert forest.starts == (T0 + 50, T0 + 50, T0 + 10)  # not T0 + 10, b's, which is not below a
    assert forest.roots == (2, 0)


def test_a_chain_leading_into_a_cycle_is_kept_and_only_the_cycle_is_broken() -> None:
    # x -> a, a <-> b: x starts first, but x is not in the cycle; the cycle breaks at a.
    spans = [S("x", "a", T0, 5), S("a", "b", T0 + 10, 5), S("b", "a", T0 + 20, 5)]
    forest = plan_forest(spans)
    assert forest.parent_of == (1, None, 1)
    assert forest.roots == (1,) and forest.root == 1
    assert forest.warnings == ("parent cycle of 2 spans (a → b → a) broken at a, which is shown as a root",)
