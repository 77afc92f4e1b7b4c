"""The trace screen's keys on any forest: they terminate, keep the cursor on a row, lose no span.

The keys are a pure state machine (``WaterfallCursor``), checked here over generated broken
traces (cycles, self-parents, orphans, repeated ids, missing start times), then once more through
the real widget with a pilot. A walk that loops (``e`` on a parent cycle used to) is stopped by
an alarm and fails the test instead of hanging the suite.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from textual.app import App

from opsconsole.backends.jaeger_models import Span, Trace
from opsconsole.core.trace_layout import build_waterfall
from opsconsole.core.trace_navigation import WaterfallCursor
from opsconsole.ui.themes import load_themes
from opsconsole.ui.trace_screens import TraceScreen, TraceView
from tests.support.span_strategies import T0, S, broken_traces

# A key press on a 14-span trace takes microseconds; a second means it is looping.
KEY_BUDGET_S = 5.0


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the test if the block runs longer than ``seconds`` (a hang)."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds}s: a walk that never ends")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


Op = tuple[str, int]
OPS = st.one_of(
    st.tuples(st.sampled_from(["move"]), st.sampled_from([1, -1, 20, -20])),
    st.tuples(
        st.sampled_from(["toggle", "collapse", "expand", "collapse_all", "expand_all", "next_error"]),
        st.just(0),
    ),
    st.tuples(st.just("reveal"), st.integers(0, 13)),
)


def apply(nav: WaterfallCursor, op: Op, errors: list[bool]) -> None:
    kind, arg = op
    if kind == "move":
        nav.move(arg)
    elif kind == "toggle":
        nav.toggle()
    elif kind == "collapse":
        nav.collapse_or_parent()
    elif kind == "expand":
        nav.expand()
    elif kind == "collapse_all":
        nav.collapse_all()
    elif kind == "expand_all":
        nav.expand_all()
    elif kind == "next_error":
        found = nav.next_matching(lambda i: errors[i])
        assert (found is None) == (not any(errors))
        if found is not None:
            assert errors[found] and nav.current is not None and nav.current.index == found
    elif kind == "reveal" and arg < len(errors):
        nav.reveal(arg)
        assert nav.current is not None and nav.current.index == arg


@settings(max_examples=300, deadline=None)
@given(broken_traces(), st.lists(OPS, max_size=25))
def test_any_key_sequence_on_any_forest_terminates_and_loses_no_span(spans: list[S], ops: list[Op]) -> None:
    waterfall = build_waterfall(spans)
    nav = WaterfallCursor(waterfall)
    errors = [s.error for s in spans]
    with bounded(KEY_BUDGET_S):
        for op in ops:
            apply(nav, op, errors)
            assert nav.rows == waterfall.visible(nav.collapsed)
            assert (0 <= nav.cursor < len(nav.rows)) if spans else nav.cursor == 0
            hidden = {r.index for r in waterfall.rows} - {r.index for r in nav.rows}
            for index in hidden:  # a hidden span is under a collapsed one, never gone
                assert set(waterfall.ancestors(index)) & nav.collapsed
        nav.expand_all()
    assert sorted(r.index for r in nav.rows) == list(range(len(spans)))


def _trace(spans: list[S]) -> Trace:
    return Trace(
        trace_id="ab" * 16,
        spans=[
            Span(
                trace_id="ab" * 16,
                span_id=s.span_id,
                parent_id=s.parent_id,
                operation=f"op{n}",
                service="svc",
                start_us=s.start_us,
                duration_us=s.duration_us,
                tags={"error": "true"} if s.error else {},
            )
            for n, s in enumerate(spans)
        ],
    )


class TraceApp(App[None]):
    def __init__(self, trace: Trace) -> None:
        super().__init__()
        self.trace = trace

    def on_mount(self) -> None:
        self.push_screen(TraceScreen(self.trace, load_themes()[0]["dark"]))


KEYS = ["e", "space", "left", "right", "pagedown", "pageup", "C", "E", "j", "k", "w"]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking through a UI takes minutes
)
@given(broken_traces(max_spans=10).filter(bool), st.lists(st.sampled_from(KEYS), min_size=1, max_size=12))
@example([S("a", "b", T0, 10, error=True), S("b", "a", T0 + 1, 5)], ["e"])  # froze the console
@example([S("a", None, 0, 10), S("b", "a", 0, 5, error=True), S("b", "b", T0, 1)], ["C", "e", "left", "e"])
def test_the_trace_screens_keys_terminate_on_broken_traces(spans: list[S], keys: list[str]) -> None:
    import asyncio

    trace = _trace(spans)

    async def drive() -> None:
        app = TraceApp(trace)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            view = app.screen.query_one(TraceView)
            with bounded(KEY_BUDGET_S * len(keys)):
                for key in keys:
                    await pilot.press(key)
                    assert 0 <= view.cursor < len(view.rows)
                await pilot.press("E")
            assert sorted(r.index for r in view.rows) == list(range(len(spans)))

    asyncio.run(drive())
