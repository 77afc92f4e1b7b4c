"""The tail's ring buffer: bounded, addressed by sequence number, filters and search."""

from __future__ import annotations

import gc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsconsole.core.dashboard import LogRow
from opsconsole.core.log_buffer import LogBuffer, LogFilter, find, matches


def _row(n: int, level: str = "info", message: str = "", **fields: str) -> LogRow:
    return LogRow(
        ts_ns=n, level=level, entity=f"e{n}", message=message or f"line {n}", trace_id="", fields=fields
    )


def test_eviction_keeps_sequence_numbers_stable() -> None:
    buffer = LogBuffer(3)
    for n in range(1, 6):
        assert buffer.append(_row(n)) == n
    assert (buffer.first_seq, buffer.last_seq, len(buffer), buffer.evicted) == (3, 5, 3, 2)
    assert buffer.get(2) is None  # evicted
    assert buffer.get(6) is None  # not yet received
    assert [r.ts_ns for r in buffer.rows()] == [3, 4, 5]
    assert buffer.get(4) == _row(4)
    assert list(buffer.seqs()) == [3, 4, 5]  # the numbers still held, no more


def test_an_empty_buffer_and_clear() -> None:
    buffer = LogBuffer(2)
    assert (buffer.first_seq, buffer.last_seq, len(buffer), list(buffer.rows())) == (1, 0, 0, [])
    buffer.extend([_row(1), _row(2), _row(3)])
    buffer.dropped = 4
    buffer.clear()
    assert (len(buffer), buffer.received, buffer.dropped, buffer.evicted) == (0, 0, 0, 0)


def test_a_cleared_buffer_fills_again_without_the_old_rows() -> None:
    buffer = LogBuffer(2)
    buffer.extend([_row(1, key="old"), _row(2, key="old")])
    buffer.clear()
    assert list(buffer.rows()) == [] and buffer.get(1) is None
    assert buffer.append(_row(7)) == 1
    assert list(buffer.rows()) == [_row(7)]
    assert buffer.get(1) == _row(7)  # not the old row's fields either


def test_a_full_buffer_gives_the_cycle_collector_almost_nothing_to_scan() -> None:
    # Every full collection walks every tracked object: 10,000 held rows must not be 10,000 more
    # (at 5,000 lines/s that walk paused the UI for 150-200 ms every second or two).
    gc.collect()
    before = len(gc.get_objects())
    buffer = LogBuffer(10_000)
    buffer.extend(_row(n, agent_id=f"a{n}", trace_id=f"{n:032x}") for n in range(1, 12_001))
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert buffer.get(12_000) == _row(12_000, agent_id="a12000", trace_id=f"{12_000:032x}")


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LogBuffer(0)


@settings(deadline=None)  # about results, not speed: no per-example deadline
@given(capacity=st.integers(1, 50), count=st.integers(0, 200))
def test_the_buffer_holds_exactly_the_newest_rows(capacity: int, count: int) -> None:
    buffer = LogBuffer(capacity)
    buffer.extend(_row(n) for n in range(1, count + 1))
    assert [r.ts_ns for r in buffer.rows()] == list(range(max(1, count - capacity + 1), count + 1))
    assert len(buffer) + buffer.evicted == count


def test_level_filter_keeps_unknown_levels_and_text_filter_folds_case() -> None:
    warn_up = LogFilter(min_level="warn")
    assert [warn_up.accepts(_row(1, level)) for level in ("debug", "info", "warn", "error", "critical")] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert warn_up.accepts(_row(1, ""))  # no level: never hidden by a level filter
    assert warn_up.accepts(_row(1, "audit"))
    assert LogFilter(text="TIMED out").accepts(_row(1, message="plan timed OUT"))
    assert not LogFilter(text="x").accepts(_row(1, message="y"))
    assert not LogFilter().active and LogFilter(text="a").active


def test_search_looks_in_message_entity_and_field_values() -> None:
    row = _row(7, message="dispatch failed", trace_id="abc", region="eu-west-1")
    assert matches(row, "DISPATCH")
    assert matches(row, "e7")
    assert matches(row, "west")
    assert not matches(row, "nowhere")


def test_find_returns_the_first_matching_sequence_number_skipping_evicted() -> None:
    buffer = LogBuffer(4)
    buffer.extend(_row(n, message="hit" if n in (2, 5) else "miss") for n in range(1, 7))
    assert find(buffer, range(1, 7), lambda r: r.message == "hit") == 5  # 2 was evicted
    assert find(buffer, reversed(range(1, 7)), lambda r: r.message == "nothing") is None
