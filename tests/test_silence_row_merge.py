"""The silences screen's rows across contexts: one row per silence per Alertmanager, changed through
a context that may write, locked with its reason otherwise; ordered as the screen reads them; each
context's read state said in words."""

from __future__ import annotations

from opsconsole.core.dashboard import SilenceView
from opsconsole.core.silence_hygiene import SilenceHygiene
from opsconsole.core.silence_rows import (
    ContextReadState,
    ContextSilences,
    SilenceRow,
    merge_silences,
    muted_by,
)

AM = frozenset({"http://am-0:9093", "http://am-1:9093"})


def view(sid: str, state: str = "active", ends_at: float = 100.0) -> SilenceView:
    return SilenceView(sid, state, 'a="1"', "x", "", 0.0, ends_at)  # type: ignore[arg-type]


def test_a_group_joins_by_any_shared_peer_and_a_writable_context_unlocks_the_row() -> None:
    s = view("s1")
    places = [
        ContextSilences("ro", True, frozenset({"http://a"}), (("c1", s, (("f1", "A"),)),)),
        ContextSilences("bridge", True, frozenset({"http://a", "http://b"}), (("c1", s, ()),)),
        ContextSilences("rw", False, frozenset({"http://b"}), (("c1", s, (("f2", "B"),)),)),
        ContextSilences("rw-late", False, frozenset({"http://b"}), (("c1", s, ()),)),
        ContextSilences("elsewhere", False, frozenset({"http://z"}), (("c1", s, ()),)),
    ]
    rows = merge_silences(places, "{context} is read-only")
    assert [(r.contexts, r.via, r.locked, r.muted, r.cluster) for r in rows] == [
        # the first writable context takes the row over, with what it sees muted now
        (("ro", "bridge", "rw", "rw-late"), "rw", "", (("f2", "B"),), "c1"),
        (("elsewhere",), "elsewhere", "", (), "c1"),
    ]
    assert rows[0].where == "ro,bridge,rw,rw-late/c1"
    assert rows[0].key == "rw\x1fc1\x1fs1" != rows[1].key


def test_seen_only_read_only_the_row_stays_locked_with_the_first_reason() -> None:
    s = view("s1")
    places = [
        ContextSilences("ro-a", True, AM, (("", s, (("f1", "A"),)),)),
        ContextSilences("ro-b", True, AM, (("", s, ()),)),
    ]
    [row] = merge_silences(places, "{context} is read-only")
    assert (row.contexts, row.via, row.locked, row.muted) == (
        ("ro-a", "ro-b"),
        "ro-a",
        "ro-a is read-only",
        (("f1", "A"),),
    )
    assert row.where == "ro-a,ro-b"


def test_the_same_id_in_two_clusters_of_one_context_is_two_rows() -> None:
    places = [ContextSilences("prod", False, AM, (("eu", view("s1"), ()), ("us", view("s1"), ())))]
    rows = merge_silences(places, "")
    assert [r.cluster for r in rows] == ["eu", "us"] and rows[0].key != rows[1].key


def test_rows_read_active_then_pending_then_expired_soonest_end_first() -> None:
    silences = (
        ("", view("expired", "expired", 1.0), ()),
        ("", view("late", "active", 900.0), ()),
        ("", view("pending", "pending", 5.0), ()),
        ("", view("soon", "active", 60.0), ()),
    )
    rows = merge_silences([ContextSilences("c", False, AM, silences)], "")
    assert [r.silence.id for r in rows] == ["soon", "late", "pending", "expired"]


def test_an_alert_held_by_two_rows_is_named_once() -> None:
    rows = [
        SilenceRow(view("s1"), via="prod", muted=(("f1", "Disk"), ("f2", "Cpu"))),
        SilenceRow(view("s2"), via="prod", muted=(("f1", "Disk"),)),
        SilenceRow(view("s3"), via="lab", muted=(("f1", "Disk"),)),  # another Alertmanager's f1
    ]
    assert muted_by(rows) == ["Disk", "Cpu", "Disk"]


def test_each_context_says_whether_its_silences_could_be_read() -> None:
    now = 1000.0
    assert ContextReadState("prod", read_at=now - 5).text(now) == "prod ✔"
    assert ContextReadState("prod", read_at=now - 5).ok
    assert ContextReadState("prod", waiting=True).text(now) == "prod … waiting"
    assert not ContextReadState("prod", waiting=True).ok
    assert not ContextReadState("prod").ok  # never read
    failed = ContextReadState("staging", read_at=now - 120, error="connection refused")
    assert failed.text(now) == "staging ✖ connection refused · silences as of 2m ago" and not failed.ok
    never = ContextReadState("staging", error="timeout", waiting=True)
    assert never.text(now) == "staging ✖ timeout · never read"
    gaps = ContextReadState("prod", read_at=now + 30, gaps=("eu: 503", "us: timeout"))
    assert gaps.text(now) == "prod ✖ eu: 503; us: timeout · silences as of 0s ago" and not gaps.ok
    both = ContextReadState("prod", read_at=now - 60, error="boom", gaps=("eu: 503",))
    assert both.text(now) == "prod ✖ boom; eu: 503 · silences as of 1m ago"
    refreshing = ContextReadState("prod", read_at=now - 60, waiting=True)
    assert refreshing.text(now) == "prod ✔" and not refreshing.ok


def test_a_silences_figures_for_json_are_the_marks_the_screen_shows() -> None:
    assert SilenceHygiene("active", 0, 500.0, 0.0).as_json() == {
        "mutes": 0,
        "mutes_nothing": True,
        "ends_within_1h": True,
        "marks": ["mutes nothing", "ends within 1h"],
    }
    assert SilenceHygiene("active", 2, 7200.0, 0.0).as_json() == {
        "mutes": 2,
        "mutes_nothing": False,
        "ends_within_1h": False,
        "marks": [],
    }


def test_a_group_keeps_every_peer_it_has_seen() -> None:
    s = view("s1")
    places = [
        ContextSilences("a", False, frozenset({"http://am-0", "http://am-2"}), (("", s, ()),)),
        ContextSilences("b", False, frozenset({"http://am-0", "http://am-1"}), (("", s, ()),)),
        ContextSilences("c", False, frozenset({"http://am-2"}), (("", s, ()),)),  # a's other peer
    ]
    [row] = merge_silences(places, "")
    assert row.contexts == ("a", "b", "c")


def test_a_context_on_both_peers_joins_two_contexts_seen_before_it() -> None:
    # am-0 and am-1 are one HA pair: "a" sees one peer, "b" the other, "both" bridges them. Grouped
    # in the order met, the silence was two rows, (a, both) and (b).
    s = view("s1")
    places = [
        ContextSilences("a", False, frozenset({"http://am-0"}), (("", s, ()),)),
        ContextSilences("b", False, frozenset({"http://am-1"}), (("", s, ()),)),
        ContextSilences("both", False, frozenset({"http://am-0", "http://am-1"}), (("", s, ()),)),
    ]
    [row] = merge_silences(places, "")
    assert row.contexts == ("a", "b", "both")


def test_a_writable_context_seen_last_takes_the_row_with_its_cluster() -> None:
    s = view("s1")
    places = [
        ContextSilences("ro", True, AM, (("eu", s, ()),)),
        ContextSilences("rw", False, AM, (("eu", s, (("f1", "A"),)),)),
    ]
    [row] = merge_silences(places, "{context} is read-only")
    assert (row.contexts, row.cluster, row.via, row.locked, row.muted) == (
        ("ro", "rw"),
        "eu",
        "rw",
        "",
        (("f1", "A"),),
    )
    assert row.where == "ro,rw/eu"
