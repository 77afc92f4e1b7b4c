"""How long a row has been in its state (the "since" column), from a range query's points."""

from __future__ import annotations

from opsconsole.core.state_since import state_began, state_since


def _up(value: float) -> str:
    return "up" if value >= 1 else "down"


def test_the_state_began_at_the_first_point_after_the_last_change() -> None:
    points = [(0.0, 1), (15.0, 0), (30.0, 0), (45.0, 1), (60.0, 1)]
    assert state_since(points, _up) == (45.0, True)


def test_a_state_held_for_the_whole_range_is_at_least_since_its_start() -> None:
    assert state_since([(0.0, 1), (15.0, 1)], _up) == (0.0, False)
    assert state_since([], _up) == (None, False)


def test_the_instant_querys_state_overrides_a_stale_last_point() -> None:
    points = [(0.0, 1), (15.0, 1)]
    assert state_since(points, _up, current="down") == (None, False)  # changed after the range
    assert state_since([(0.0, 0), (15.0, 1)], _up, current="up") == (15.0, True)


def test_a_timeline_of_states_gives_where_the_current_one_began() -> None:
    timeline = [(0.0, "ok"), (15.0, "warn"), (30.0, "crit"), (45.0, "crit")]
    assert state_began(timeline, "crit") == (30.0, True)
    assert state_began(timeline[2:], "crit") == (30.0, False)
    assert state_began([], "ok") == (None, False)


def test_a_state_newer_than_the_timeline_began_after_its_last_point() -> None:
    assert state_began([(0.0, "ok"), (15.0, "ok")], "crit") == (15.0, True)


def test_a_timeline_read_backwards_is_not_read_past_the_first_other_state() -> None:
    from collections.abc import Iterator

    from opsconsole.core.state_since import began_newest_first

    def newest_first() -> Iterator[tuple[float, str]]:
        yield 45.0, "crit"
        yield 30.0, "crit"
        yield 15.0, "warn"
        raise AssertionError("read past the change")

    assert began_newest_first(newest_first(), "crit") == (30.0, True)
